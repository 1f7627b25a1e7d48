import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from curriculum.models import Membership, Program
from curriculum.services import membership_grant, program_create
from tests.accounts.factories import UserFactory

Role = Membership.Role


@pytest.mark.django_db
def test_program_create_validates_and_saves():
    program = program_create(
        actor=None, name="  Pain Fellowship ", institution="General", timezone="Europe/London"
    )
    assert program.name == "Pain Fellowship"
    with pytest.raises(ValidationError):
        program_create(actor=None, name="Bad", institution="General", timezone="Nowhere/City")
    assert Program.objects.count() == 1


@pytest.mark.django_db
def test_program_create_is_for_the_gme_office_only(ours):
    with pytest.raises(PermissionDenied):
        program_create(actor=ours.director, name="Mine", institution="X", timezone="UTC")
    gme = UserFactory(is_superuser=True)
    assert program_create(actor=gme, name="Mine", institution="X", timezone="UTC").pk


def test_membership_grant_is_idempotent_and_reactivates(ours):
    newcomer = UserFactory()
    first = membership_grant(
        actor=ours.director, program=ours.program, user=newcomer, role="fellow"
    )
    again = membership_grant(
        actor=ours.coordinator, program=ours.program, user=newcomer, role="fellow"
    )
    assert first.pk == again.pk

    Membership.objects.filter(pk=first.pk).update(is_active=False)
    revived = membership_grant(
        actor=ours.director, program=ours.program, user=newcomer, role="fellow"
    )
    assert revived.pk == first.pk and revived.is_active


def test_membership_grant_refuses_non_staff_and_other_programs(ours, theirs):
    newcomer = UserFactory()
    for actor in (ours.faculty, ours.fellow, theirs.director):
        with pytest.raises(PermissionDenied):
            membership_grant(actor=actor, program=ours.program, user=newcomer, role="fellow")
    assert not Membership.objects.filter(user=newcomer).exists()


def test_membership_grant_rejects_an_unknown_role(ours):
    with pytest.raises(ValidationError):
        membership_grant(actor=None, program=ours.program, user=UserFactory(), role="janitor")
