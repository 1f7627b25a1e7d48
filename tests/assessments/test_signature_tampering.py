"""Sealed signatures: every change made behind the app's back (direct ORM updates standing in for
someone with write access to the database) is reported by ``signature_verify_all`` and
``verify_signatures``; the older hash-only signatures are sealed once; a signed form's kind is
frozen."""

import datetime
import io
import os
import subprocess
import sys
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from assessments.models import (
    Assessment,
    AssessmentTemplate,
    Rating,
    Signature,
    SummativeEvaluation,
)
from assessments.seals import (
    CCC_SIGNATURE_MEANING,
    SIGNATURE_MEANING,
    SUMMATIVE_SIGNATURE_MEANING,
    assessment_content,
    content_hash,
    summative_content,
)
from assessments.services.signatures.legacy import signature_seal_legacy
from assessments.services.signatures.sign import assessment_sign
from assessments.services.signatures.verify import SEAL_BROKEN, signature_verify_all
from assessments.services.summative import summative_save_draft, summative_sign
from assessments.services.workflow import template_update
from curriculum.models import Membership
from curriculum.services import milestone_set_load_default
from tests.accounts.factories import PASSWORD
from tests.assessments.factories import (
    AssessmentFactory,
    AssessmentTemplateFactory,
    MilestoneSetFactory,
)
from tests.assessments.test_ccc_factories import ccc_setup, finalise, member
from tests.config.test_settings import PRODUCTION_ENV, ROOT
from tests.conftest import is_postgres, migrate_to_latest

Status = Assessment.Status
Kind = AssessmentTemplate.Kind


def _draft(people, template=None, *, narrative="Confident with fluoroscopy; work on consent."):
    if template is None:
        pain_set = milestone_set_load_default(actor=None, program=people.program)
        template = AssessmentTemplateFactory(program=people.program, milestone_set=pain_set)
        template.subcompetencies.set(pain_set.subcompetencies.filter(code__in=["ICS1", "PC4"]))
    assessment = AssessmentFactory(
        program=people.program,
        template=template,
        fellow=member(people, Membership.Role.FELLOW),
        assessor=member(people, Membership.Role.FACULTY),
        narrative=narrative,
    )
    for sub in template.subcompetencies.all():
        Rating.objects.create(assessment=assessment, subcompetency=sub, level="3.5")
    return assessment


def _sign(people, assessment) -> Signature:
    return assessment_sign(actor=people.faculty, assessment=assessment, password=PASSWORD)


@pytest.fixture
def signature(ours) -> Signature:
    return _sign(ours, _draft(ours))


def _problem_for(signature: Signature):
    problems = [p for p in signature_verify_all() if p.signature == signature]
    assert len(problems) == 1, signature_verify_all()
    return problems[0]


def _legacy(people, *, narrative="Confident with fluoroscopy; work on consent.") -> Signature:
    """A signed assessment with a scheme 1 signature, exactly as signing stored it before seals."""
    assessment = _draft(people, narrative=narrative)
    now = datetime.datetime(2026, 10, 3, 18, tzinfo=datetime.UTC)
    Assessment.objects.filter(pk=assessment.pk).update(status=Status.SIGNED, signed_at=now)
    assessment.refresh_from_db()
    return Signature.objects.create(
        assessment=assessment,
        signer=people.faculty,
        signed_at=now,
        meaning=SIGNATURE_MEANING,
        method=Signature.Method.PASSWORD,
        content_hash=content_hash(assessment_content(assessment)),
    )


# --- What a new signature holds -------------------------------------------------------------------


def test_untouched_signatures_are_sealed_chained_and_verify(ours):
    first = _sign(ours, _draft(ours))
    second = _sign(ours, _draft(ours))
    assert (first.scheme_version, first.program_id, first.sequence) == (2, ours.program.pk, 1)
    assert (second.sequence, second.previous_seal) == (2, first.seal)
    assert first.previous_seal == "" and len(first.seal) == 64
    assert signature_verify_all() == []
    out = io.StringIO()
    call_command("verify_signatures", stdout=out)
    assert "Checked 2 signatures: all match." in out.getvalue()
    assert f"2 sealed signatures, last seal {second.seal}" in out.getvalue()


def test_the_seal_depends_on_the_key(ours, signature, settings):
    settings.SIGNING_KEY = "another-key-that-is-not-the-one-used-to-seal-0123"
    assert SEAL_BROKEN in _problem_for(signature).reasons


# --- One test per tampering case ------------------------------------------------------------------


def test_a_changed_signer_is_reported(ours, signature):
    Signature.objects.filter(pk=signature.pk).update(signer=ours.director)
    problem = _problem_for(signature)
    assert any(reason.startswith("signer changed") for reason in problem.reasons)
    assert SEAL_BROKEN in problem.reasons


def test_a_changed_ccc_signer_is_reported_by_the_seal(ours):
    # Any director may finalise, so only the seal knows who did.
    signature = finalise(ccc_setup(ours))
    Signature.objects.filter(pk=signature.pk).update(signer=ours.coordinator)
    assert _problem_for(signature).reasons == [SEAL_BROKEN]


def test_a_moved_signing_time_is_reported_even_when_the_record_is_moved_too(ours, signature):
    earlier = signature.signed_at - datetime.timedelta(days=2)
    Signature.objects.filter(pk=signature.pk).update(signed_at=earlier)
    problem = _problem_for(signature)
    assert any(reason.startswith("signing time changed") for reason in problem.reasons)
    Assessment.objects.filter(pk=signature.assessment_id).update(signed_at=earlier)
    assert _problem_for(signature).reasons == [SEAL_BROKEN]


def test_changed_content_with_the_plain_hash_recomputed_is_reported(ours, signature):
    Assessment.objects.filter(pk=signature.assessment_id).update(narrative="Rewritten later.")
    assessment = Assessment.objects.get(pk=signature.assessment_id)
    Signature.objects.filter(pk=signature.pk).update(
        content_hash=content_hash(assessment_content(assessment))
    )
    assert _problem_for(signature).reasons == [SEAL_BROKEN]


def test_a_changed_meaning_is_reported(ours, signature):
    Signature.objects.filter(pk=signature.pk).update(meaning="I did not observe this.")
    problem = _problem_for(signature)
    assert problem.reasons[0].startswith("meaning changed")
    assert SEAL_BROKEN in problem.reasons
    # Even a meaning the app knows (another kind's) is refused by the seal.
    Signature.objects.filter(pk=signature.pk).update(meaning=CCC_SIGNATURE_MEANING)
    assert SEAL_BROKEN in _problem_for(signature).reasons


def test_a_changed_summative_meaning_is_reported(ours):
    fellow = member(ours, Membership.Role.FELLOW)
    evaluation = summative_save_draft(
        actor=ours.director, fellow=fellow, narrative="Ready.", practices_independently=True
    )
    signature = summative_sign(
        actor=ours.director, evaluation=evaluation, password=PASSWORD, override_reason="Early."
    )
    assert signature_verify_all() == []
    Signature.objects.filter(pk=signature.pk).update(meaning=SIGNATURE_MEANING)
    assert SEAL_BROKEN in _problem_for(signature).reasons


def test_a_deleted_signature_leaves_a_gap_in_the_chain(ours):
    first = _sign(ours, _draft(ours))
    second = _sign(ours, _draft(ours))
    Signature.objects.filter(pk=first.pk).delete()
    Assessment.objects.filter(pk=first.assessment_id).update(status=Status.DRAFT, signed_at=None)
    problems = signature_verify_all()
    chain = [p for p in problems if p.kind == "chain"]
    assert len(chain) == 1
    assert chain[0].reason == (
        f"sequence 1 missing before signature {second.pk} (sequence 2): a signature was deleted"
    )
    [record] = [p for p in problems if p.kind == "assessment"]
    assert record.record.pk == first.assessment_id
    assert record.reason == (
        f"signature deleted: the audit trail records signature {first.pk}, "
        "and the record is now marked draft"
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("verify_signatures", stdout=out)
    assert "a signature was deleted" in out.getvalue()


def test_the_last_signature_deleted_is_caught_by_the_audit_trail(ours, signature):
    # No gap shows when the end of the chain goes; the append-only audit trail still has it.
    Signature.objects.filter(pk=signature.pk).delete()
    Assessment.objects.filter(pk=signature.assessment_id).update(
        status=Status.DRAFT, signed_at=None
    )
    [problem] = signature_verify_all()
    assert problem.signature is None and problem.record.pk == signature.assessment_id
    assert problem.reason.startswith("signature deleted")


def test_a_replaced_signature_is_reported(ours, signature):
    # Deleted and made again by hand, hash only, for edited content.
    Signature.objects.filter(pk=signature.pk).delete()
    Assessment.objects.filter(pk=signature.assessment_id).update(narrative="Rewritten later.")
    assessment = Assessment.objects.get(pk=signature.assessment_id)
    forged = Signature.objects.create(
        assessment=assessment,
        signer=ours.faculty,
        signed_at=assessment.signed_at,
        meaning=SIGNATURE_MEANING,
        method=Signature.Method.PASSWORD,
        content_hash=content_hash(assessment_content(assessment)),
    )
    reasons = _problem_for(forged).reasons
    assert reasons[0].startswith("not sealed, in a program whose signatures are sealed")
    assert reasons[1] == f"not the signature the audit trail recorded (signature {signature.pk})"


def test_a_template_kind_changed_under_a_signed_assessment_is_reported(ours, signature):
    template_id = signature.assessment.template_id
    AssessmentTemplate.objects.filter(pk=template_id).update(kind=Kind.SELF)
    problem = _problem_for(signature)
    assert problem.reasons == ["content changed since it was signed"]
    assert problem.found != problem.expected == signature.content_hash


# --- Scheme 1 (hash only) and sealing ------------------------------------------------------------


def test_an_older_signature_verifies_under_its_own_scheme_then_is_sealed_once(ours):
    legacy = _legacy(ours)
    assert (legacy.scheme_version, legacy.sequence, legacy.seal) == (1, None, "")
    assert signature_verify_all() == []
    result = signature_seal_legacy()
    assert (result.sealed, result.refused) == (1, [])
    legacy.refresh_from_db()
    assert (legacy.scheme_version, legacy.program_id, legacy.sequence) == (2, ours.program.pk, 1)
    assert signature_verify_all() == []
    # Sealed now: a changed signer is caught by the seal.
    assert signature_seal_legacy().sealed == 0  # idempotent
    Signature.objects.filter(pk=legacy.pk).update(signer=ours.director)
    assert SEAL_BROKEN in _problem_for(legacy).reasons


def test_seal_appends_older_signatures_after_the_sealed_ones_and_the_command_reports(ours):
    legacy = _legacy(ours)
    sealed = _sign(ours, _draft(ours))
    # Until sealed, a hash-only signature in a sealed program is suspect: anyone can make one.
    assert _problem_for(legacy).reasons[0].startswith("not sealed")
    out = io.StringIO()
    call_command("verify_signatures", "--seal", stdout=out)
    assert "Sealed 1 older signatures." in out.getvalue()
    assert "Checked 2 signatures: all match." in out.getvalue()
    legacy.refresh_from_db()
    assert (legacy.sequence, legacy.previous_seal) == (2, sealed.seal)
    out = io.StringIO()
    call_command("verify_signatures", "--seal", stdout=out)
    assert "Sealed 0 older signatures." in out.getvalue()


def test_an_older_signature_whose_content_changed_is_not_sealed(ours):
    legacy = _legacy(ours)
    Assessment.objects.filter(pk=legacy.assessment_id).update(narrative="Rewritten later.")
    result = signature_seal_legacy()
    assert result.sealed == 0
    [refused] = result.refused
    assert refused.signature == legacy
    assert refused.reasons == ["content changed since it was signed"]
    legacy.refresh_from_db()
    assert (legacy.scheme_version, legacy.seal) == (1, "")
    assert _problem_for(legacy).reasons == ["content changed since it was signed"]
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_signatures", "--seal", stdout=out)
    assert f"Not sealed: Assessment {legacy.assessment_id} (" in out.getvalue()


def test_an_older_signature_with_another_signer_is_not_sealed(ours):
    legacy = _legacy(ours)
    Signature.objects.filter(pk=legacy.pk).update(signer=ours.director)
    [refused] = signature_seal_legacy().refused
    assert refused.reasons[0].startswith("signer changed")


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_existing_signatures_on_scheme_1_and_gives_them_their_program(ours):
    assessment = _legacy(ours).assessment
    Signature.objects.all().delete()
    fellow = member(ours, Membership.Role.FELLOW)
    evaluation = SummativeEvaluation.objects.create(
        program=ours.program,
        fellow=fellow,
        author=ours.director,
        narrative="Ready.",
        practices_independently=True,
        status=SummativeEvaluation.Status.SIGNED,
        signed_at=assessment.signed_at,
        content_version=1,  # what a row from before 0009 reads as
    )
    before = [("assessments", "0003_ccc_packet_snapshot")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        OldSignature = executor.loader.project_state(before).apps.get_model(
            "assessments", "Signature"
        )
        common = {"signed_at": assessment.signed_at, "method": "password"}
        OldSignature.objects.create(
            assessment_id=assessment.pk,
            signer_id=ours.faculty.pk,
            meaning=SIGNATURE_MEANING,
            content_hash=content_hash(assessment_content(assessment)),
            **common,
        )
        OldSignature.objects.create(
            summative_evaluation_id=evaluation.pk,
            signer_id=ours.director.pk,
            meaning=SUMMATIVE_SIGNATURE_MEANING,
            content_hash=content_hash(summative_content(evaluation)),
            **common,
        )
    finally:
        migrate_to_latest()  # through 0004, the migration under test
    rows = Signature.objects.values_list("scheme_version", "program_id", "sequence", "seal")
    assert list(rows) == [(1, ours.program.pk, None, "")] * 2
    assert signature_verify_all() == []
    assert signature_seal_legacy().sealed == 2
    assert signature_verify_all() == []


# --- Forms whose signed assessments would change meaning ------------------------------------------


def _update(people, template, **changes):
    fields = {
        "name": template.name,
        "kind": template.kind,
        "milestone_set": template.milestone_set,
        "subcompetencies": list(template.subcompetencies.all()),
        "instructions": template.instructions,
        "is_active": template.is_active,
    }
    return template_update(actor=people.director, template=template, **(fields | changes))


def test_changing_a_signed_forms_kind_or_milestone_set_is_refused(ours, signature):
    template = signature.assessment.template
    original_set = template.milestone_set_id
    with pytest.raises(ValidationError, match="Version the form instead") as refused:
        _update(ours, template, kind=Kind.SELF)
    assert list(refused.value.message_dict) == ["kind"]
    other_set = MilestoneSetFactory(program=ours.program, version="9.9")
    with pytest.raises(ValidationError, match="Version the form instead") as refused:
        _update(ours, template, milestone_set=other_set)
    assert list(refused.value.message_dict) == ["milestone_set"]
    template.refresh_from_db()
    assert (template.kind, template.milestone_set_id) == (Kind.END_OF_ROTATION, original_set)
    # What the assessors did not sign can still change.
    updated = _update(ours, template, name="Renamed", instructions="New.", is_active=False)
    assert (updated.name, updated.is_active) == ("Renamed", False)
    assert signature_verify_all() == []


def test_a_form_with_only_drafts_can_change_kind(ours):
    draft = _draft(ours)
    assert _update(ours, draft.template, kind=Kind.SELF).kind == Kind.SELF


def test_the_form_page_shows_the_refusal(ours, signature, client):
    template = signature.assessment.template
    client.force_login(ours.director)
    url = reverse(
        "assessments:template_update",
        kwargs={"program_id": ours.program.pk, "template_id": template.pk},
    )
    response = client.post(
        url,
        {
            "name": template.name,
            "kind": Kind.MULTI_SOURCE,
            "milestone_set": template.milestone_set_id,
            "subcompetencies": [s.pk for s in template.subcompetencies.all()],
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "Version the form instead" in response.content.decode()
    template.refresh_from_db()
    assert template.kind == Kind.END_OF_ROTATION


# --- Concurrency -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_signatures_made_at_once_in_one_program_take_distinct_places(ours):
    if not is_postgres():
        pytest.skip("Row locks (SELECT ... FOR UPDATE) need PostgreSQL; CI runs this there.")
    drafts = [_draft(ours) for _ in range(3)]
    barrier = threading.Barrier(len(drafts))
    errors = []

    def sign(draft):
        try:
            actor = type(ours.faculty).objects.get(pk=ours.faculty.pk)
            barrier.wait(timeout=10)
            assessment_sign(actor=actor, assessment=draft, password=PASSWORD)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    sequences = Signature.objects.filter(program=ours.program).values_list("sequence", flat=True)
    assert sorted(sequences) == [1, 2, 3]
    assert signature_verify_all() == []


# --- Production configuration -----------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["too-short", PRODUCTION_ENV["DJANGO_SECRET_KEY"]], ids=["short", "same-as-secret"]
)
def test_production_refuses_a_weak_signing_key(key):
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "VIRTUAL_ENV"}}
    env |= PRODUCTION_ENV | {
        "DJANGO_SIGNING_KEY": key,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SIGNING_KEY must be at least 32 characters" in result.stderr
