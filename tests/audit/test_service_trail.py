"""Changes made through the services leave an audit trail: who, what changed."""

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from curriculum.models import Membership
from procedures.services.catalogue import target_delete, target_set
from procedures.services.log import entry_delete, entry_update
from procedures.services.verification import (
    entry_reopen,
    entry_return,
    entry_verify,
    entry_verify_bulk,
)
from tests.procedures.factories import ProcedureTypeFactory
from tests.procedures.test_verification import _entry, _other_faculty

pytestmark = pytest.mark.django_db


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_verify_return_reopen_are_recorded_with_the_status_change(ours):
    entry = entry_verify(actor=ours.faculty, entry=_entry(ours))
    entry_reopen(actor=ours.director, entry=entry, reason="Wrong level recorded")
    entry_return(actor=ours.faculty, entry=entry, reason="Add the level")

    verify, reopen, returned = (
        _events("procedure_entry.verify")[0],
        _events("procedure_entry.reopen")[0],
        _events("procedure_entry.return")[0],
    )
    assert verify.actor == ours.faculty and verify.changes["status"] == ["pending", "verified"]
    assert reopen.actor == ours.director
    assert reopen.changes["reason"] == [None, "Wrong level recorded"]
    assert returned.changes["return_reason"] == ["", "Add the level"]
    assert {verify.object_id, reopen.object_id, returned.object_id} == {str(entry.pk)}
    assert verify.program_id == ours.program.pk


def test_bulk_verification_records_one_event_per_entry_or_none(ours):
    entries = [_entry(ours) for _ in range(3)]
    entry_verify_bulk(actor=ours.faculty, program=ours.program, entry_ids=[e.pk for e in entries])
    assert sorted(int(e.object_id) for e in _events("procedure_entry.verify")) == sorted(
        e.pk for e in entries
    )

    other = Membership.objects.get(program=ours.program, user=_other_faculty(ours))
    foreign = _entry(ours, supervisor=other)
    with pytest.raises(PermissionDenied):
        entry_verify_bulk(actor=ours.faculty, program=ours.program, entry_ids=[foreign.pk])
    assert len(_events("procedure_entry.verify")) == 3


def test_edit_records_before_and_after_and_delete_keeps_what_was_deleted(ours):
    entry = _entry(ours)
    fellow = entry.fellow
    entry_update(
        actor=ours.fellow,
        entry=entry,
        performed_on=entry.performed_on,
        procedure_type=entry.procedure_type,
        guidance=entry.guidance,
        role=entry.role,
        supervisor=entry.supervisor,
        supervision_level=entry.supervision_level,
        complication=entry.complication,
        age_band=entry.age_band,
        note="Uneventful",
    )
    edit = _events("procedure_entry.edit")[0]
    assert edit.actor == ours.fellow
    assert edit.changes == {"note": ["", "Uneventful"]}

    entry_id = entry.pk
    entry_delete(actor=ours.fellow, entry=entry)
    deleted = _events("procedure_entry.delete")[0]
    assert deleted.object_id == str(entry_id)
    assert deleted.changes["fellow"] == [fellow.pk, None]
    assert deleted.changes["note"] == ["Uneventful", None]


def test_target_changes_are_recorded(ours):
    procedure_type = ProcedureTypeFactory(program=ours.program)
    target = target_set(
        actor=ours.director, program=ours.program, procedure_type=procedure_type, minimum=10
    )
    target_set(actor=ours.director, program=ours.program, procedure_type=procedure_type, minimum=10)
    target_set(actor=ours.director, program=ours.program, procedure_type=procedure_type, minimum=15)
    target_delete(actor=ours.director, target=target)
    assert [e.changes["minimum"] for e in _events("procedure_target.set")] == [[None, 10], [10, 15]]
    assert _events("procedure_target.delete")[0].changes == {"minimum": [15, None]}


def test_enrolment_changes_are_recorded(enrolment, ours):
    from trainees.services import enrolment_set_status

    enrolment_set_status(actor=ours.director, enrolment=enrolment, status="leave", leave_days=10)
    event = _events("enrolment.status")[0]
    assert event.program_id == ours.program.pk and event.actor == ours.director
    assert event.changes == {"leave_days": [0, 10], "status": ["active", "leave"]}


def test_signing_acknowledging_and_amending_an_assessment_are_recorded(ours):
    from assessments.services.signing import (
        assessment_acknowledge,
        assessment_amend,
        assessment_sign,
    )
    from tests.accounts.factories import PASSWORD
    from tests.assessments.test_signing import _make_draft

    draft = _make_draft(ours)
    signature = assessment_sign(actor=ours.faculty, assessment=draft, password=PASSWORD)
    assessment_acknowledge(actor=ours.fellow, assessment=draft)
    correction = assessment_amend(actor=ours.faculty, assessment=draft)

    sign = _events("assessment.sign")[0]
    assert sign.actor == ours.faculty and sign.object_id == str(draft.pk)
    assert sign.changes["content_hash"] == [None, signature.content_hash]
    assert _events("assessment.acknowledge")[0].actor == ours.fellow
    assert _events("assessment.amend")[0].changes == {"amends": [None, draft.pk]}
    assert _events("assessment.amend")[0].object_id == str(correction.pk)


def test_ccc_levels_and_finalisation_are_recorded(ours):
    from tests.assessments.test_ccc_factories import ccc_setup, finalise

    ccc = ccc_setup(ours)
    signature = finalise(ccc, PC4="3.5")
    recorded = _events("ccc_review.record_levels")[0]
    assert recorded.changes["PC4"] == [None, "3.5"]
    assert recorded.changes["committee_notes"] == ["", "Strong mid-year progress."]
    finalised = _events("ccc_review.finalise")[0]
    assert finalised.actor == ours.director and finalised.program_id == ours.program.pk
    assert finalised.changes["signature"] == [None, signature.pk]


def test_roster_changes_are_recorded(ours):
    from accounts.services import invitation_create, membership_deactivate, membership_reactivate

    invitation = invitation_create(
        actor=ours.coordinator,
        program=ours.program,
        email="new.fellow@example.org",
        full_name="New Fellow",
        role="fellow",
        base_url="https://fellowship.example.org/",
    )
    fellow = Membership.objects.get(program=ours.program, user=ours.fellow)
    membership_deactivate(actor=ours.director, membership=fellow)
    membership_reactivate(actor=ours.director, membership=fellow)

    created = _events("invitation.create")[0]
    assert created.object_id == str(invitation.pk)
    assert created.changes["email"] == [None, "new.fellow@example.org"]
    assert _events("membership.deactivate")[0].changes == {"is_active": [True, False]}
    assert _events("membership.reactivate")[0].changes == {"is_active": [False, True]}


def test_reminder_send_now_and_settings_are_recorded(ours, django_capture_on_commit_callbacks):
    from reminders.services.delivery import reminder_send_now
    from reminders.services.preferences import reminder_settings_update
    from tests.reminders.factories import ReminderFactory

    reminder = ReminderFactory(program=ours.program, recipient=ours.fellow)
    with django_capture_on_commit_callbacks(execute=False):
        reminder_send_now(actor=ours.director, reminder=reminder)
    reminder_settings_update(
        actor=ours.director,
        program=ours.program,
        days_before_deadline=10,
        escalate_after_days=7,
        verification_after_days=7,
        target_check_months=[6, 9],
    )
    sent = _events("reminder.send_now")[0]
    assert sent.actor == ours.director and sent.object_id == str(reminder.pk)
    settings_event = _events("reminder_settings.update")[0]
    assert settings_event.changes["days_before_deadline"][1] == 10
