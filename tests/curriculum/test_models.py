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
        ("director", "/programs/{id}/dashboard/"),
        ("coordinator", "/programs/{id}/dashboard/"),
        ("faculty", "/programs/{id}/waiting/"),
        ("fellow", "/programs/{id}/my-progress/"),
    ],
)
def test_membership_url_is_the_role_home(role, path):
    membership = MembershipFactory(role=role)
    assert membership.get_absolute_url() == path.format(id=membership.program_id)
    assert membership.program.name in str(membership)


@pytest.mark.django_db
def test_program_today_is_the_date_where_the_program_is():
    import datetime
    from unittest import mock

    from django.utils import timezone

    late_evening_utc = datetime.datetime(2026, 11, 28, 3, 30, tzinfo=datetime.UTC)
    with mock.patch.object(timezone, "now", return_value=late_evening_utc):
        assert ProgramFactory(timezone="America/Chicago").today() == datetime.date(2026, 11, 27)
        assert ProgramFactory(timezone="Asia/Tokyo").today() == datetime.date(2026, 11, 28)
