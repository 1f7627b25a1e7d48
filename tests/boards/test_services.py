"""ABA semiannual reports: pre-filling from the CCC review, the ABA's rule, editing, signing,
verification and tamper detection."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from boards.models import ATTRIBUTE_NAMES, AbaFellowReport, BoardSignature
from boards.seals import report_content
from boards.services import (
    aba_report_sign,
    aba_report_update,
    aba_reports_draft,
    aba_signature_problems,
)
from tests.accounts.factories import PASSWORD
from tests.assessments.test_ccc_factories import ccc_setup
from tests.boards.factories import drafted_report, finalised_period

S, U = "satisfactory", "unsatisfactory"
ALL_S = {name: S for name in ATTRIBUTE_NAMES}


def _sign(people, report):
    return aba_report_sign(actor=people.director, report=report, password=PASSWORD)


# --- Drafting and pre-fill -----------------------------------------------------------------------


def test_a_fellow_on_track_is_prefilled_satisfactory_from_the_finalised_review(ours):
    ccc, report = drafted_report(ours)  # every level 3.0; 2.5 expected at mid-year
    assert report.ccc_review == ccc.review
    assert report.overall == S
    assert all(getattr(report, name) == S for name in ATTRIBUTE_NAMES)
    assert (report.report_month, report.report_year) == ("January", 2027)
    assert AuditEvent.objects.filter(action="aba_report.draft", object_id=str(report.pk)).exists()


def test_a_level_more_than_one_below_expected_prefills_unsatisfactory(ours):
    _, report = drafted_report(ours, PC1="1.0")  # 1.0 < 2.5 - 1
    assert report.overall == U
    assert report.honest_ethical == S  # not a professionalism level


def test_one_level_below_expected_is_still_satisfactory(ours):
    _, report = drafted_report(ours, PC1="1.5")  # 1.5 == 2.5 - 1: not more than one below
    assert report.overall == S


def test_professionalism_levels_prefill_the_honesty_and_reliability_attributes(ours):
    _, report = drafted_report(ours, PROF1="1.0")
    assert (report.honest_ethical, report.reliable_responsible) == (U, U)
    assert report.learns_from_experience == S
    assert report.overall == U  # the ABA's rule


def test_a_draft_review_gives_an_unlinked_all_satisfactory_report(ours):
    ccc = ccc_setup(ours)  # assembled, not finalised
    [report] = aba_reports_draft(actor=ours.director, period=ccc.midyear)
    assert report.ccc_review is None and report.overall == S


def test_drafting_twice_creates_nothing_new(ours):
    ccc, _ = drafted_report(ours)
    assert aba_reports_draft(actor=ours.director, period=ccc.midyear) == []
    assert AbaFellowReport.objects.count() == 1


@pytest.mark.parametrize("role", ["coordinator", "faculty", "fellow"])
def test_only_the_director_drafts(ours, role):
    ccc = finalised_period(ours)
    with pytest.raises(PermissionDenied):
        aba_reports_draft(actor=ours.user(role), period=ccc.midyear)


def test_one_report_per_fellow_and_period(ours):
    ccc, _ = drafted_report(ours)
    with pytest.raises(IntegrityError), transaction.atomic():
        AbaFellowReport.objects.create(program=ours.program, fellow=ccc.fellow, period=ccc.midyear)


# --- Editing -------------------------------------------------------------------------------------


def test_the_director_changes_grades_and_comments(ours):
    _, report = drafted_report(ours)
    attributes = ALL_S | {"reacts_to_stress": U}
    report = aba_report_update(
        actor=ours.director, report=report, overall=U, attributes=attributes, comments="Remediate."
    )
    report.refresh_from_db()
    assert (report.overall, report.reacts_to_stress, report.comments) == (U, U, "Remediate.")
    event = AuditEvent.objects.get(action="aba_report.update")
    assert event.changes["reacts_to_stress"] == [S, U]


def test_overall_satisfactory_with_an_unsatisfactory_attribute_is_refused(ours):
    _, report = drafted_report(ours)
    with pytest.raises(ValidationError, match="every essential attribute"):
        aba_report_update(
            actor=ours.director,
            report=report,
            overall=S,
            attributes=ALL_S | {"honest_ethical": U},
            comments="",
        )


def test_the_database_also_refuses_satisfactory_overall_with_an_unsatisfactory_attribute(ours):
    _, report = drafted_report(ours)
    with pytest.raises(IntegrityError), transaction.atomic():
        AbaFellowReport.objects.filter(pk=report.pk).update(honest_ethical=U)


def test_the_coordinator_cannot_edit(ours):
    _, report = drafted_report(ours)
    with pytest.raises(PermissionDenied):
        aba_report_update(
            actor=ours.coordinator, report=report, overall=S, attributes=ALL_S, comments=""
        )


# --- Signing and verification --------------------------------------------------------------------


def test_signing_seals_the_content_and_audits_it(ours):
    _, report = drafted_report(ours)
    signature = _sign(ours, report)
    report.refresh_from_db()
    assert report.is_signed and report.signed_by == ours.director
    assert signature.signed_at == report.signed_at and signature.method == "password"
    assert len(signature.content_hash) == 64 and len(signature.seal) == 64
    event = AuditEvent.objects.get(action="aba_report.sign")
    assert event.changes["seal"] == [None, signature.seal]
    assert aba_signature_problems() == []
    out = io.StringIO()
    call_command("verify_aba_signatures", stdout=out)
    assert "all match" in out.getvalue()
    call_command("verify_signatures", stdout=io.StringIO())  # the assessments chain is untouched


def test_signing_needs_the_right_password(ours):
    _, report = drafted_report(ours)
    with pytest.raises(ValidationError) as error:
        aba_report_sign(actor=ours.director, report=report, password="wrong")
    assert "password" in error.value.error_dict
    report.refresh_from_db()
    assert not report.is_signed and not BoardSignature.objects.exists()


def test_a_signed_report_is_read_only_and_signed_once(ours):
    _, report = drafted_report(ours)
    _sign(ours, report)
    with pytest.raises(ValidationError, match="signed"):
        aba_report_update(
            actor=ours.director, report=report, overall=U, attributes=ALL_S, comments=""
        )
    with pytest.raises(ValidationError, match="already signed"):
        _sign(ours, report)


def test_only_the_director_signs(ours):
    _, report = drafted_report(ours)
    with pytest.raises(PermissionDenied):
        aba_report_sign(actor=ours.coordinator, report=report, password=PASSWORD)


def test_a_grade_changed_after_signing_is_detected(ours):
    _, report = drafted_report(ours)
    _sign(ours, report)
    AbaFellowReport.objects.filter(pk=report.pk).update(comments="Edited behind our back")
    [problem] = aba_signature_problems()
    assert "content changed" in problem
    with pytest.raises(CommandError):
        call_command("verify_aba_signatures", stdout=io.StringIO())
    out = io.StringIO()
    with pytest.raises(CommandError):  # the one command a scheduled job runs catches it too
        call_command("verify_signatures", stdout=out)
    assert "content changed" in out.getvalue()


def test_a_recomputed_hash_without_the_key_breaks_the_seal(ours):
    from assessments.seals import content_hash

    _, report = drafted_report(ours)
    signature = _sign(ours, report)
    AbaFellowReport.objects.filter(pk=report.pk).update(overall=U)
    report.refresh_from_db()
    signature.content_hash = content_hash(report_content(report))
    signature.save()
    assert any("seal does not match" in p for p in aba_signature_problems())


def test_a_changed_signer_or_a_deleted_signature_is_detected(ours):
    _, report = drafted_report(ours)
    signature = _sign(ours, report)
    BoardSignature.objects.filter(pk=signature.pk).update(signer=ours.coordinator)
    assert any("seal" in p for p in aba_signature_problems())
    BoardSignature.objects.filter(pk=signature.pk).delete()
    assert any("no signature" in p for p in aba_signature_problems())
