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
    from trainees.services.pathway import enrolment_set_status

    enrolment_set_status(actor=ours.director, enrolment=enrolment, status="leave")
    event = _events("enrolment.status")[0]
    assert event.program_id == ours.program.pk and event.actor == ours.director
    assert event.changes == {"status": ["active", "leave"]}


def test_signing_acknowledging_and_amending_an_assessment_are_recorded(ours):
    from assessments.services.signatures.amend import assessment_amend
    from assessments.services.signatures.sign import assessment_acknowledge, assessment_sign
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
    from reminders.services.preferences import reminder_settings_update
    from reminders.services.retries import reminder_send_now
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


# --- Roster: invitations, grants, re-invitations ----------------------------------------------


def test_accepting_an_invitation_records_the_new_membership(ours):
    from accounts.services import invitation_accept
    from tests.accounts.factories import InvitationFactory

    invitation = InvitationFactory(
        program=ours.program, token="t-audit", email="ada@example.org", role="fellow"
    )
    user = invitation_accept(token="t-audit", password="Lumbar-Facet-2026")
    membership = Membership.objects.get(program=ours.program, user=user, role="fellow")
    (grant,) = _events("membership.grant")
    assert grant.actor == user and grant.program_id == ours.program.pk
    assert grant.object_id == str(membership.pk)
    assert grant.changes == {
        "is_active": [None, True],
        "role": [None, "fellow"],
        "user": [None, user.pk],
    }
    assert _events("invitation.accept")[0].object_id == str(invitation.pk)


def test_accepting_gives_back_a_deactivated_role_and_records_it(ours):
    from accounts.services import invitation_accept
    from tests.accounts.factories import InvitationFactory

    membership = Membership.objects.get(program=ours.program, user=ours.fellow, role="fellow")
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    InvitationFactory(program=ours.program, token="t-back", email=ours.fellow.email, role="fellow")
    invitation_accept(token="t-back", password=None)
    assert _events("membership.grant") == []
    (event,) = _events("membership.reactivate")
    assert event.object_id == str(membership.pk)
    assert event.changes == {"is_active": [False, True]}


def test_a_refused_acceptance_records_nothing(ours):
    from django.core.exceptions import ValidationError

    from accounts.services import invitation_accept
    from tests.accounts.factories import InvitationFactory

    InvitationFactory(program=ours.program, token="t-weak", email="weak@example.org")
    with pytest.raises(ValidationError):
        invitation_accept(token="t-weak", password="123")
    with pytest.raises(ValidationError):
        invitation_accept(token="unknown", password="Lumbar-Facet-2026")
    assert not AuditEvent.objects.exists()


def test_reinviting_records_the_withdrawal_of_the_earlier_invitation(ours):
    from accounts.services import invitation_create

    def invite():
        return invitation_create(
            actor=ours.coordinator,
            program=ours.program,
            email="again@example.org",
            full_name="Again",
            role="fellow",
        )

    first = invite()
    invite()
    (withdrawn,) = _events("invitation.revoke")
    assert withdrawn.object_id == str(first.pk) and withdrawn.actor == ours.coordinator
    assert withdrawn.changes["revoked_at"][0] is None
    assert len(_events("invitation.create")) == 2


def test_roster_import_records_one_invitation_per_row_or_none(ours):
    from django.core.exceptions import ValidationError

    from accounts.services import roster_import

    good = b"email,full_name,role\na@example.org,A,fellow\nb@example.org,B,faculty\n"
    invitations = roster_import(actor=ours.director, program=ours.program, content=good)
    assert sorted(int(e.object_id) for e in _events("invitation.create")) == sorted(
        i.pk for i in invitations
    )
    before = AuditEvent.objects.count()
    bad = b"email,full_name,role\nc@example.org,C,fellow\nnot-an-email,D,fellow\n"
    with pytest.raises(ValidationError):
        roster_import(actor=ours.director, program=ours.program, content=bad)
    with pytest.raises(PermissionDenied):
        roster_import(actor=ours.fellow, program=ours.program, content=good)
    assert AuditEvent.objects.count() == before  # append-only: count, do not delete


def test_refused_roster_changes_record_nothing(ours):
    from accounts.services import invitation_create, membership_deactivate

    fellow = Membership.objects.get(program=ours.program, user=ours.fellow)
    with pytest.raises(PermissionDenied):
        membership_deactivate(actor=ours.faculty, membership=fellow)
    with pytest.raises(PermissionDenied):
        invitation_create(
            actor=ours.fellow,
            program=ours.program,
            email="x@example.org",
            full_name="X",
            role="fellow",
        )
    assert not AuditEvent.objects.exists()


# --- Evaluators: asking, revoking, answering --------------------------------------------------


def _ask(ours, **fields):
    from evaluators.services import external_request_create
    from tests.evaluators.factories import multi_source_template

    fellow = Membership.objects.get(program=ours.program, user=ours.fellow, role="fellow")
    return external_request_create(
        actor=ours.fellow,
        fellow=fellow,
        evaluator_role=fields.pop("evaluator_role", "nurse"),
        evaluator_name="Grace Lindqvist",
        evaluator_email="grace@hospital.test",
        template=multi_source_template(ours.program),
        **fields,
    )


def test_asking_and_revoking_an_external_evaluation_are_recorded(ours):
    from evaluators.services import external_request_revoke

    request, _ = _ask(ours)
    (created,) = _events("external_request.create")
    assert created.actor == ours.fellow and created.object_id == str(request.pk)
    assert created.changes["evaluator_role"] == [None, "nurse"]
    assert "grace@hospital.test" not in str(created.changes)

    external_request_revoke(actor=ours.director, request=request)
    external_request_revoke(actor=ours.director, request=request)  # twice: nothing changes
    (revoked,) = _events("external_request.revoke")
    assert revoked.actor == ours.director and revoked.program_id == ours.program.pk
    assert revoked.changes["revoked_at"][0] is None


def test_refused_revocations_and_requests_record_nothing(ours):
    from django.core.exceptions import ValidationError

    from evaluators.services import external_evaluation_submit, external_request_revoke
    from tests.evaluators.factories import RequestFactory

    request = RequestFactory(program=ours.program, token="used-link")
    ratings = {sub.pk: "3.0" for sub in request.template.subcompetencies.all()}
    external_evaluation_submit(token="used-link", ratings=ratings)
    (submitted,) = _events("external_evaluation.submit")
    assert submitted.actor is None and submitted.changes["request"] == [None, request.pk]
    before = AuditEvent.objects.count()

    with pytest.raises(ValidationError):
        external_request_revoke(actor=ours.director, request=request)  # already answered
    with pytest.raises(PermissionDenied):
        external_request_revoke(actor=ours.faculty, request=RequestFactory(program=ours.program))
    with pytest.raises(ValidationError):
        _ask(ours, evaluator_role="nobody")
    assert AuditEvent.objects.count() == before  # append-only: count, do not delete


# --- Procedure catalogue ----------------------------------------------------------------------


def test_catalogue_changes_are_recorded_with_their_fields(ours):
    from procedures.services.catalogue import (
        procedure_category_create,
        procedure_type_create,
        procedure_type_update,
    )

    category = procedure_category_create(actor=ours.director, program=ours.program, name="Cryo")
    (made,) = _events("procedure_category.create")
    assert made.actor == ours.director and made.object_id == str(category.pk)
    assert made.changes["name"] == [None, "Cryo"]

    fields = {
        "category": category,
        "name": "Cryoneurolysis",
        "allowed_guidance": ["ultrasound"],
        "has_level": False,
        "has_laterality": True,
    }
    procedure_type = procedure_type_create(actor=ours.director, program=ours.program, **fields)
    (typed,) = _events("procedure_type.create")
    assert typed.changes["allowed_guidance"] == [None, ["ultrasound"]]
    assert typed.changes["category"] == [None, category.pk]

    procedure_type_update(actor=ours.director, procedure_type=procedure_type, **fields)
    assert _events("procedure_type.update") == []  # saved unchanged: nothing to record
    procedure_type_update(
        actor=ours.director, procedure_type=procedure_type, **(fields | {"has_level": True})
    )
    assert _events("procedure_type.update")[0].changes == {"has_level": [False, True]}
    procedure_type_update(
        actor=ours.director, procedure_type=procedure_type, is_active=False, **fields
    )
    archived = _events("procedure_type.archive")[0]
    assert archived.changes == {"has_level": [True, False], "is_active": [True, False]}


def test_loading_the_standard_catalogue_records_each_new_row_once(ours):
    from procedures.models import ProcedureCategory, ProcedureType
    from procedures.services.catalogue import catalogue_load_default

    catalogue_load_default(actor=ours.director, program=ours.program)
    types = _events("procedure_type.create")
    assert len(types) == ProcedureType.objects.filter(program=ours.program).count()
    assert len(_events("procedure_category.create")) == (
        ProcedureCategory.objects.filter(program=ours.program).count()
    )
    assert {e.actor for e in types} == {ours.director}
    catalogue_load_default(actor=ours.director, program=ours.program)  # idempotent: no new rows
    assert len(_events("procedure_type.create")) == len(types)


def test_refused_catalogue_changes_record_nothing(ours):
    from django.core.exceptions import ValidationError

    from procedures.services.catalogue import (
        catalogue_load_default,
        procedure_category_create,
        procedure_type_update,
    )

    procedure_type = ProcedureTypeFactory(program=ours.program)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        procedure_category_create(actor=ours.faculty, program=ours.program, name="Nope")
    with pytest.raises(PermissionDenied):
        catalogue_load_default(actor=ours.fellow, program=ours.program)
    with pytest.raises(ValidationError):
        procedure_type_update(
            actor=ours.director,
            procedure_type=procedure_type,
            name="Renamed",
            category=procedure_type.category,
            allowed_guidance=[],
            has_level=False,
            has_laterality=False,
        )
    with pytest.raises(ValidationError):
        procedure_category_create(actor=ours.director, program=ours.program, name="  ")
    assert AuditEvent.objects.count() == before  # append-only: count, do not delete
