"""Summative evaluations as the ACGME Common Program Requirements ask (V.A.1.d annual, V.A.2
final): readiness to enter autonomous practice, a signed snapshot of the evidence, no signing
before the year-end CCC review (unless the director says why), annual ones for longer tracks,
and amendments instead of edits."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from assessments.models import Signature, SummativeEvaluation
from assessments.seals import content_hash, summative_content
from assessments.services.ccc import ccc_packets_assemble
from assessments.services.signatures.store import signature_add
from assessments.services.signatures.verify import signature_verify_all
from assessments.services.summative import (
    summative_amend,
    summative_annual_start,
    summative_save_draft,
    summative_sign,
)
from audit.models import AuditEvent
from reminders.models import Kind as ReminderKind
from reminders.models import Reminder
from reminders.services.sweep import reminders_sweep
from tests.accounts.factories import PASSWORD
from tests.assessments.test_ccc_factories import ccc_setup, finalise
from tests.conftest import migrate_to_latest
from tests.procedures.factories import ProcedureLogEntryFactory, ProcedureTargetFactory
from tests.reminders import scenario
from tests.trainees.factories import AcademicYearFactory, CohortFactory
from trainees.models import Enrolment, LeavePeriod

NARRATIVE = "Safe, thoughtful and independent across the breadth of pain medicine."
Kind = SummativeEvaluation.Kind


@pytest.fixture
def ccc(ours):
    return ccc_setup(ours, assemble=False)


def path(ccc) -> str:
    return f"/programs/{ccc.people.program.pk}/fellows/{ccc.fellow.pk}/summative/"


def _draft(ccc, **kwargs):
    return summative_save_draft(
        actor=ccc.people.director,
        fellow=ccc.fellow,
        narrative=NARRATIVE,
        practices_independently=True,
        **kwargs,
    )


def _finalise_year_end(ccc, **levels):
    [review] = ccc_packets_assemble(actor=ccc.people.director, period=ccc.year_end)
    finalise(ccc, review, **levels)
    return review


# --- Refusal before the year-end review, and the director's override -----------------------------


def test_signing_a_final_is_refused_before_the_year_end_review(ccc):
    evaluation = _draft(ccc)
    # A finalised mid-year review is not enough.
    [midyear] = ccc_packets_assemble(actor=ccc.people.director, period=ccc.midyear)
    finalise(ccc, midyear)
    with pytest.raises(ValidationError) as error:
        summative_sign(actor=ccc.people.director, evaluation=evaluation, password=PASSWORD)
    [message] = error.value.message_dict["override_reason"]
    assert f"the {ccc.year.label} year-end CCC review" in message
    evaluation.refresh_from_db()
    assert not evaluation.is_signed and not Signature.objects.filter(
        summative_evaluation=evaluation
    )


def test_the_director_overrides_with_a_reason_stored_signed_and_audited(client, ccc):
    evaluation = _draft(ccc)
    reason = "Leaving two weeks early for military deployment; CCC chair consulted."
    signature = summative_sign(
        actor=ccc.people.director,
        evaluation=evaluation,
        password=PASSWORD,
        override_reason=f"  {reason} ",
    )
    evaluation.refresh_from_db()
    assert evaluation.is_signed and evaluation.override_reason == reason
    assert summative_content(evaluation)["override_reason"] == reason
    assert signature.content_hash == content_hash(summative_content(evaluation))
    event = AuditEvent.objects.get(action="summative_evaluation.override")
    assert str(event.object_id) == str(evaluation.pk)
    assert event.changes["override_reason"] == [None, reason]
    client.force_login(ccc.people.director)
    page = client.get(path(ccc)).content.decode()
    assert "Signed before the year-end CCC review was finalised" in page and reason in page


def test_after_the_year_end_review_no_reason_is_needed_and_none_is_kept(ccc):
    _finalise_year_end(ccc)
    evaluation = _draft(ccc)
    summative_sign(
        actor=ccc.people.director,
        evaluation=evaluation,
        password=PASSWORD,
        override_reason="Not needed.",
    )
    evaluation.refresh_from_db()
    assert evaluation.is_signed and evaluation.override_reason == ""
    assert not AuditEvent.objects.filter(action="summative_evaluation.override").exists()


# --- The snapshot --------------------------------------------------------------------------------


def test_the_snapshot_carries_levels_procedures_leave_and_dates(client, ccc):
    program = ccc.people.program
    enrolment = Enrolment.objects.get(membership=ccc.fellow)
    LeavePeriod.objects.create(
        enrolment=enrolment,
        kind=LeavePeriod.Kind.MEDICAL,
        start=datetime.date(2026, 10, 5),
        end=datetime.date(2026, 10, 9),
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(leave_days=5, leave_extension_days=5)
    target = ProcedureTargetFactory(program=program, minimum=3)
    ProcedureLogEntryFactory.create_batch(
        2,
        program=program,
        fellow=ccc.fellow,
        procedure_type=target.procedure_type,
        status="verified",
        verified_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    )
    _finalise_year_end(ccc, PC1="4.0")
    evaluation = _draft(ccc)
    # While a draft the page shows a live preview.
    client.force_login(ccc.people.director)
    page = client.get(path(ccc)).content.decode()
    assert "Evidence now (preview: fixed when signed)" in page
    summative_sign(actor=ccc.people.director, evaluation=evaluation, password=PASSWORD)
    evaluation.refresh_from_db()
    snapshot = evaluation.snapshot
    assert snapshot["training"] == {
        "start": "2026-07-01",
        "planned_end": "2027-06-30",
        "expected_end": "2027-07-05",
        "track_months": 12,
    }
    assert snapshot["leave"]["days"] == 5 and snapshot["leave"]["extension_days"] == 5
    [period] = snapshot["leave"]["periods"]
    assert (period["start"], period["end"], period["days"]) == ("2026-10-05", "2026-10-09", 5)
    levels = {row["code"]: row["level"] for row in snapshot["ccc"]["levels"]}
    assert levels["PC1"] == "4.0" and len(levels) == len(ccc.subs)
    assert "Year-end" in snapshot["ccc"]["period"]
    [row] = snapshot["procedures"]
    assert (row["minimum"], row["verified"], row["met"]) == (3, 2, False)
    # Sealed: a changed snapshot is caught.
    assert signature_verify_all(kind="summative_evaluation") == []
    changed = {**snapshot, "procedures": [{**row, "verified": 3, "met": True}]}
    SummativeEvaluation.objects.filter(pk=evaluation.pk).update(snapshot=changed)
    [problem] = signature_verify_all(kind="summative_evaluation")
    assert problem.reason == "content changed since it was signed"
    SummativeEvaluation.objects.filter(pk=evaluation.pk).update(snapshot=snapshot)
    # Shown on the signed page, to the director and to the fellow.
    for user in (ccc.people.director, ccc.people.fellow):
        client.force_login(user)
        page = client.get(path(ccc)).content.decode()
        assert "Evidence when signed" in page and "2027-07-05" in page
        assert "Ready to enter autonomous practice" in page


# --- Annual and final ----------------------------------------------------------------------------


def _two_year_track(ccc):
    second = AcademicYearFactory(
        program=ccc.people.program,
        start_date=datetime.date(2027, 7, 1),
        end_date=datetime.date(2028, 6, 30),
    )
    CohortFactory(program=ccc.people.program, academic_year=second)
    Enrolment.objects.filter(membership=ccc.fellow).update(
        end_date=datetime.date(2028, 6, 30), track_months=24
    )
    return second


def test_annual_evaluations_are_for_longer_tracks_one_per_year(ccc):
    director = ccc.people.director
    with pytest.raises(ValidationError, match="longer than one year"):
        summative_annual_start(actor=director, fellow=ccc.fellow, academic_year=ccc.year)
    second = _two_year_track(ccc)
    annual = summative_annual_start(actor=director, fellow=ccc.fellow, academic_year=ccc.year)
    assert annual.kind == Kind.ANNUAL and annual.academic_year == ccc.year
    assert (
        summative_annual_start(actor=director, fellow=ccc.fellow, academic_year=ccc.year) == annual
    )
    assert AuditEvent.objects.filter(action="summative_evaluation.start").count() == 1
    # Readiness is the final's question: ignored on an annual, not needed to sign.
    summative_save_draft(
        actor=director,
        fellow=ccc.fellow,
        evaluation=annual,
        narrative="A strong first year.",
        practices_independently=True,
    )
    annual.refresh_from_db()
    assert annual.practices_independently is None
    # The annual waits for its own year's year-end review.
    with pytest.raises(ValidationError, match=f"the {ccc.year.label} year-end"):
        summative_sign(actor=director, evaluation=annual, password=PASSWORD)
    _finalise_year_end(ccc)
    summative_sign(actor=director, evaluation=annual, password=PASSWORD)
    annual.refresh_from_db()
    assert annual.is_signed and annual.snapshot["ccc"] is not None
    # The final waits for the last year's year-end review, which the first year's is not.
    final = _draft(ccc)
    with pytest.raises(ValidationError, match=f"the {second.label} year-end"):
        summative_sign(actor=director, evaluation=final, password=PASSWORD)
    assert SummativeEvaluation.objects.filter(fellow=ccc.fellow).count() == 2
    assert signature_verify_all(kind="summative_evaluation") == []


def test_the_director_starts_an_annual_from_the_page(client, ccc, ours):
    _two_year_track(ccc)
    client.force_login(ccc.people.director)
    page = client.get(path(ccc)).content.decode()
    assert "Start annual evaluation" in page
    response = client.post(path(ccc), {"action": "start_annual", "academic_year": ccc.year.pk})
    annual = SummativeEvaluation.objects.get(kind=Kind.ANNUAL)
    assert response.status_code == 302 and response["Location"].endswith(f"?summative={annual.pk}")
    page = client.get(response["Location"]).content.decode()
    assert f"Annual summative evaluation {ccc.year.label}" in page
    assert "Ready to enter autonomous practice" not in page
    # The coordinator cannot start one; the fellow cannot open the draft.
    client.force_login(ccc.people.coordinator)
    response = client.post(path(ccc), {"action": "start_annual", "academic_year": ccc.year.pk})
    assert response.status_code == 404
    client.force_login(ccc.people.fellow)
    assert client.get(f"{path(ccc)}?summative={annual.pk}").status_code == 404


# --- Amendments ----------------------------------------------------------------------------------


def test_a_signed_evaluation_is_amended_by_a_linked_signed_one(client, ccc):
    director = ccc.people.director
    _finalise_year_end(ccc)
    original = _draft(ccc)
    summative_sign(actor=director, evaluation=original, password=PASSWORD)
    original.refresh_from_db()
    with pytest.raises(ValidationError, match="no longer be edited"):
        _draft(ccc)
    amendment = summative_amend(actor=director, evaluation=original)
    assert summative_amend(actor=director, evaluation=original) == amendment  # a double click
    assert amendment.amends == original and not amendment.is_signed
    assert (amendment.narrative, amendment.practices_independently) == (NARRATIVE, True)
    assert AuditEvent.objects.filter(action="summative_evaluation.amend").count() == 1
    # The fellow sees neither the draft amendment nor a link to it.
    client.force_login(ccc.people.fellow)
    assert client.get(f"{path(ccc)}?summative={amendment.pk}").status_code == 404
    assert "Corrected by" not in client.get(path(ccc)).content.decode()
    summative_save_draft(
        actor=director,
        fellow=ccc.fellow,
        evaluation=amendment,
        narrative=NARRATIVE + " Corrected: also teaches residents.",
        practices_independently=True,
    )
    summative_sign(actor=director, evaluation=amendment, password=PASSWORD)
    amendment.refresh_from_db()
    assert amendment.is_signed and summative_content(amendment)["amends"] == original.pk
    assert SummativeEvaluation.objects.get(pk=original.pk).narrative == NARRATIVE
    assert Signature.objects.filter(summative_evaluation__fellow=ccc.fellow).count() == 2
    assert signature_verify_all(kind="summative_evaluation") == []
    with pytest.raises(ValidationError, match="amend the latest"):
        summative_amend(actor=director, evaluation=original)
    client.force_login(director)
    page = client.get(path(ccc)).content.decode()
    assert "Corrected by" in page and f"?summative={amendment.pk}" in page
    page = client.get(f"{path(ccc)}?summative={amendment.pk}").content.decode()
    assert "(amendment)" in page and "This amends the evaluation" in page


def test_amend_from_the_page_and_only_by_the_director(client, ccc):
    _finalise_year_end(ccc)
    original = _draft(ccc)
    summative_sign(actor=ccc.people.director, evaluation=original, password=PASSWORD)
    client.force_login(ccc.people.coordinator)
    assert client.post(path(ccc), {"action": "amend"}).status_code == 404
    client.force_login(ccc.people.director)
    response = client.post(path(ccc), {"action": "amend"})
    amendment = SummativeEvaluation.objects.get(amends=original)
    assert response.status_code == 302 and response["Location"] == amendment.get_absolute_url()


def test_a_summative_id_of_another_fellow_is_404(client, ccc, ours, theirs):
    client.force_login(ccc.people.director)
    assert client.get(f"{path(ccc)}?summative=abc").status_code == 404
    assert client.get(f"{path(ccc)}?summative=999999").status_code == 404


# --- Existing signed evaluations -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_old_signed_summative_still_verifies_across_the_migration(ccc):
    evaluation = SummativeEvaluation.objects.create(
        program=ccc.people.program,
        fellow=ccc.fellow,
        author=ccc.people.director,
        narrative="Ready.",
        practices_independently=True,
        status=SummativeEvaluation.Status.SIGNED,
        signed_at=datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC),
        content_version=1,
    )
    signature_add(
        actor=ccc.people.director, record=evaluation, method="password", status_before="draft"
    )
    # The signature's content is exactly the version 1 content (no new keys).
    assert set(summative_content(evaluation)) == {
        "version",
        "kind",
        "program",
        "fellow",
        "author",
        "narrative",
        "practices_independently",
    }
    executor = MigrationExecutor(connection)
    executor.migrate([("assessments", "0008_ccc_committee_meetings")])
    migrate_to_latest()
    evaluation = SummativeEvaluation.objects.get(pk=evaluation.pk)
    assert (evaluation.kind, evaluation.content_version, evaluation.amends_id) == (
        Kind.FINAL,
        1,
        None,
    )
    assert signature_verify_all() == []


def test_a_signed_annual_does_not_silence_the_final_deadline_reminder(ours):
    s = scenario.build(ours)
    year = AcademicYearFactory(program=ours.program)
    SummativeEvaluation.objects.create(
        program=ours.program,
        fellow=s.fellow,
        author=ours.director,
        kind=Kind.ANNUAL,
        academic_year=year,
        status="signed",
        signed_at=timezone.now(),
    )
    reminders_sweep(enqueue=False)
    kinds = set(Reminder.objects.values_list("kind", "object_id"))
    assert (ReminderKind.FINAL_DEADLINE, s.final.pk) in kinds
