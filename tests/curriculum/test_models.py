import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from curriculum.models import Membership, Program
from tests.curriculum.factories import MembershipFactory, ProgramFactory


@pytest.mark.django_db
def test_program_str_and_url():
    program = ProgramFactory(name="Pain Medicine Fellowship")
    assert str(program) == "Pain Medicine Fellowship"
    assert program.get_absolute_url() == f"/programs/{program.pk}/"


@pytest.mark.django_db
def test_program_timezone_must_be_a_real_zone():
    program = Program(name="X", institution="Y", timezone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError, match="not a known time zone"):
        program.full_clean()


@pytest.mark.django_db
def test_one_row_per_person_role_and_program():
    membership = MembershipFactory(role=Membership.Role.FACULTY)
    with pytest.raises(IntegrityError):
        Membership.objects.create(
            user=membership.user, program=membership.program, role=Membership.Role.FACULTY
        )


@pytest.mark.django_db
def test_role_is_constrained_in_the_database():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError):
        Membership.objects.filter(pk=membership.pk).update(role="janitor")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("director", "/programs/{id}/"),
        ("coordinator", "/programs/{id}/"),
        ("faculty", "/programs/{id}/waiting/"),
        ("fellow", "/programs/{id}/my-progress/"),
    ],
)
def test_membership_url_is_the_role_home(role, path):
    membership = MembershipFactory(role=role)
    assert membership.get_absolute_url() == path.format(id=membership.program_id)
    assert membership.program.name in str(membership)
