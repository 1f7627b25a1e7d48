"""Rotations and the schedule: services (every rule) and selectors."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from curriculum.models import Rotation
from curriculum.selectors import rotation_list, schedule_enrolment_list
from curriculum.services import (
    rotation_create,
    rotation_update,
    schedule_block_create,
    schedule_block_delete,
)
from tests.curriculum.factories import RotationFactory
from trainees.models import Deadline, Enrolment, ScheduleBlock


def block(actor, enrolment, rotation, start, end):
    return schedule_block_create(
        actor=actor, enrolment=enrolment, rotation=rotation, start_date=start, end_date=end
    )


def test_rotation_create_and_update_by_staff(ours):
    rotation = rotation_create(
        actor=ours.coordinator,
        program=ours.program,
        name=" Acute pain service ",
        short_name="APS",
        discipline=Rotation.Discipline.ACUTE_PAIN,
    )
    assert rotation.name == "Acute pain service"
    rotation_update(
        actor=ours.director,
        rotation=rotation,
        name="Acute pain",
        short_name="AP",
        discipline=Rotation.Discipline.ACUTE_PAIN,
        is_active=False,
    )
    rotation.refresh_from_db()
    assert (rotation.name, rotation.is_active) == ("Acute pain", False)


def test_rotation_rules(ours, theirs):
    for actor in (ours.faculty, ours.fellow, theirs.director):
        with pytest.raises(PermissionDenied):
            rotation_create(
                actor=actor, program=ours.program, name="X", short_name="X", discipline="elective"
            )
    RotationFactory(program=ours.program, name="Clinic")
    with pytest.raises(ValidationError):
        rotation_create(
            actor=ours.director,
            program=ours.program,
            name="Clinic",
            short_name="C",
            discipline="chronic_pain",
        )
    with pytest.raises(ValidationError):
        rotation_create(
            actor=ours.director, program=ours.program, name="Y", short_name="Y", discipline="golf"
        )
    assert Rotation.objects.filter(program=ours.program).count() == 1


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
    Enrolment.objects.filter(pk=enrolment.pk).update(leave_days=30)
    enrolment.refresh_from_db()
    block(ours.director, enrolment, rotation, date(2027, 7, 1), date(2027, 7, 30))


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


def test_selectors_are_scoped(ours, theirs, enrolment):
    RotationFactory(program=ours.program)
    assert rotation_list(user=ours.fellow, program=ours.program).count() == 1
    assert rotation_list(user=theirs.director, program=ours.program).count() == 0
    year = enrolment.cohort.academic_year
    assert list(
        schedule_enrolment_list(user=ours.faculty, program=ours.program, academic_year=year)
    ) == [enrolment]
    for user in (ours.fellow, theirs.director):
        assert not schedule_enrolment_list(
            user=user, program=ours.program, academic_year=year
        ).exists()
