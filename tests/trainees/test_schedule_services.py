"""The fellows' schedule: every block rule, its scoping, and its audit trail."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from tests.curriculum.factories import RotationFactory
from trainees.models import Deadline, Enrolment, ScheduleBlock
from trainees.selectors import schedule_enrolment_list
from trainees.services.schedule import schedule_block_create, schedule_block_delete


def block(actor, enrolment, rotation, start, end):
    return schedule_block_create(
        actor=actor, enrolment=enrolment, rotation=rotation, start_date=start, end_date=end
    )


def test_main_blocks_may_not_overlap_but_longitudinal_clinics_may(ours, enrolment):
    acute = RotationFactory(program=ours.program, name="Acute pain")
    cancer = RotationFactory(program=ours.program, name="Cancer pain")
    clinic = RotationFactory(program=ours.program, name="Clinic", is_longitudinal=True)
    block(ours.director, enrolment, acute, date(2026, 7, 1), date(2026, 7, 28))
    block(ours.director, enrolment, clinic, date(2026, 7, 1), date(2027, 6, 30))

    with pytest.raises(ValidationError, match="overlaps Acute pain"):
        block(ours.director, enrolment, cancer, date(2026, 7, 20), date(2026, 8, 16))
    block(ours.director, enrolment, cancer, date(2026, 7, 29), date(2026, 8, 25))
    assert ScheduleBlock.objects.filter(enrolment=enrolment).count() == 3


def test_block_rules(ours, theirs, enrolment):
    rotation = RotationFactory(program=ours.program)
    foreign = RotationFactory(program=theirs.program)
    retired = RotationFactory(program=ours.program, is_active=False)
    cases = [
        (ours.director, foreign, date(2026, 7, 1), date(2026, 7, 28), "another program"),
        (ours.director, retired, date(2026, 7, 1), date(2026, 7, 28), "retired"),
        (ours.director, rotation, date(2026, 7, 28), date(2026, 7, 1), "end before it starts"),
        (ours.director, rotation, date(2026, 6, 1), date(2026, 7, 28), "within the fellow"),
    ]
    for actor, rot, start, end, message in cases:
        with pytest.raises(ValidationError, match=message):
            block(actor, enrolment, rot, start, end)
    for actor in (ours.faculty, ours.fellow, theirs.director):
        with pytest.raises(PermissionDenied):
            block(actor, enrolment, rotation, date(2026, 7, 1), date(2026, 7, 28))
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.COMPLETED)
    with pytest.raises(ValidationError, match="history"):
        block(ours.director, enrolment, rotation, date(2026, 7, 1), date(2026, 7, 28))
    assert not ScheduleBlock.objects.exists()


def test_leave_of_absence_extends_the_schedulable_period(ours, enrolment):
    rotation = RotationFactory(program=ours.program)
    # The year ends June 30: without leave, July is outside the fellow's period.
    with pytest.raises(ValidationError, match="within the fellow"):
        block(ours.director, enrolment, rotation, date(2027, 7, 1), date(2027, 7, 30))
    Enrolment.objects.filter(pk=enrolment.pk).update(leave_days=30, leave_extension_days=30)
    enrolment.refresh_from_db()
    created = block(ours.director, enrolment, rotation, date(2027, 7, 1), date(2027, 7, 30))
    assert (created.start_date, created.end_date) == (date(2027, 7, 1), date(2027, 7, 30))
    assert ScheduleBlock.objects.filter(enrolment=enrolment).count() == 1
    # Thirty days of leave move the end by thirty days, not more.
    with pytest.raises(ValidationError, match="within the fellow"):
        block(ours.director, enrolment, rotation, date(2027, 7, 31), date(2027, 8, 2))


def test_block_delete_takes_its_generated_deadlines_but_not_edited_ones(ours, enrolment):
    rotation = RotationFactory(program=ours.program)
    first = block(ours.director, enrolment, rotation, date(2026, 7, 1), date(2026, 7, 28))
    second = block(ours.director, enrolment, rotation, date(2026, 8, 1), date(2026, 8, 28))
    year = enrolment.cohort.academic_year
    for b, edited in ((first, False), (second, True)):
        Deadline.objects.create(
            program=ours.program,
            academic_year=year,
            kind="rotation_evaluation",
            title="Eval",
            due_date=b.end_date,
            schedule_block=b,
            enrolment=enrolment,
            key=f"rotation-eval:{b.pk}",
            is_edited=edited,
        )
    schedule_block_delete(actor=ours.coordinator, block=first)
    assert not ScheduleBlock.objects.filter(pk=first.pk).exists()
    with pytest.raises(ValidationError, match="edited"):
        schedule_block_delete(actor=ours.coordinator, block=second)
    with pytest.raises(PermissionDenied):
        schedule_block_delete(actor=ours.faculty, block=second)
    assert ScheduleBlock.objects.filter(pk=second.pk).exists()


def test_schedule_enrolment_list_is_scoped(ours, theirs, enrolment):
    year = enrolment.cohort.academic_year
    assert list(
        schedule_enrolment_list(user=ours.faculty, program=ours.program, academic_year=year)
    ) == [enrolment]
    for user in (ours.fellow, theirs.director):
        assert not schedule_enrolment_list(
            user=user, program=ours.program, academic_year=year
        ).exists()


# --- Audit trail ----------------------------------------------------------------------------


def _block_events():
    return list(AuditEvent.objects.filter(object_type="trainees.scheduleblock"))


def test_block_create_records_one_event(ours, enrolment):
    rotation = RotationFactory(program=ours.program)
    created = block(ours.coordinator, enrolment, rotation, date(2026, 7, 1), date(2026, 7, 28))
    [event] = _block_events()
    assert (event.action, event.actor, event.program) == (
        "schedule_block.create",
        ours.coordinator,
        ours.program,
    )
    assert event.object_id == str(created.pk)
    assert event.changes == {
        "enrolment": [None, enrolment.pk],
        "rotation": [None, rotation.pk],
        "start_date": [None, "2026-07-01"],
        "end_date": [None, "2026-07-28"],
    }


def test_block_delete_records_one_event(ours, enrolment):
    rotation = RotationFactory(program=ours.program)
    doomed = block(ours.director, enrolment, rotation, date(2026, 7, 1), date(2026, 7, 28))
    block_id = doomed.pk
    schedule_block_delete(actor=ours.coordinator, block=doomed)
    event, created = _block_events()  # newest first
    assert created.action == "schedule_block.create"
    assert (event.action, event.actor, event.program) == (
        "schedule_block.delete",
        ours.coordinator,
        ours.program,
    )
    assert event.object_id == str(block_id)
    assert event.changes["rotation"] == [rotation.pk, None]


def test_refused_and_invalid_block_changes_record_nothing(ours, theirs, enrolment):
    rotation = RotationFactory(program=ours.program)
    retired = RotationFactory(program=ours.program, is_active=False)
    with pytest.raises(PermissionDenied):
        block(ours.faculty, enrolment, rotation, date(2026, 7, 1), date(2026, 7, 28))
    with pytest.raises(ValidationError):
        block(ours.director, enrolment, retired, date(2026, 7, 1), date(2026, 7, 28))
    with pytest.raises(ValidationError):
        block(ours.director, enrolment, rotation, date(2026, 7, 28), date(2026, 7, 1))
    assert _block_events() == []

    kept = block(ours.director, enrolment, rotation, date(2026, 7, 1), date(2026, 7, 28))
    Deadline.objects.create(
        program=ours.program,
        academic_year=enrolment.cohort.academic_year,
        kind="rotation_evaluation",
        title="Eval",
        due_date=kept.end_date,
        schedule_block=kept,
        enrolment=enrolment,
        key=f"rotation-eval:{kept.pk}",
        is_edited=True,
    )
    with pytest.raises(PermissionDenied):
        schedule_block_delete(actor=theirs.director, block=kept)
    with pytest.raises(ValidationError, match="edited"):
        schedule_block_delete(actor=ours.director, block=kept)
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.COMPLETED)
    with pytest.raises(ValidationError, match="history"):
        schedule_block_delete(actor=ours.director, block=kept)
    assert [event.action for event in _block_events()] == ["schedule_block.create"]
    assert ScheduleBlock.objects.filter(pk=kept.pk).exists()
