"""Rotations: the program's catalogue of what a fellow can be scheduled on."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from curriculum.models import Rotation
from curriculum.selectors import rotation_list
from curriculum.services import rotation_create, rotation_update
from tests.curriculum.factories import RotationFactory


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


def test_rotation_list_is_scoped(ours, theirs):
    RotationFactory(program=ours.program)
    assert rotation_list(user=ours.fellow, program=ours.program).count() == 1
    assert rotation_list(user=theirs.director, program=ours.program).count() == 0
