"""Invitations: who may invite, what the email carries, and every way a link can be refused."""

import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Invitation, User, invitation_token_hash
from accounts.services import (
    invitation_accept,
    invitation_create,
    invitation_revoke,
    membership_deactivate,
    membership_reactivate,
)
from curriculum.models import Membership
from tests.accounts.factories import PASSWORD, InvitationFactory, UserFactory
from tests.conftest import is_postgres
from tests.curriculum.factories import MembershipFactory

Role = Membership.Role
LINK = re.compile(r"https?://[^/]+/invitations/([\w-]+)/")
NEW_PASSWORD = "Lumbar-Facet-2026"


def invite(actor, program, *, email="new.fellow@example.test", role=Role.FELLOW, **kwargs):
    return invitation_create(
        actor=actor,
        program=program,
        email=email,
        full_name=kwargs.pop("full_name", "Dr. New Fellow"),
        role=role,
    )


def invite_and_read_token(actor, program, capture, **kwargs) -> tuple[Invitation, str]:
    with capture(execute=True):
        invitation = invite(actor, program, **kwargs)
    return invitation, LINK.search(mail.outbox[-1].body).group(1)


# --- invitation_create -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["director", "coordinator"])
def test_staff_invite_and_the_email_goes_out_only_after_commit(
    ours, role, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invite(ours.user(role), ours.program, email=" New.Fellow@Example.TEST ")
    assert mail.outbox == [] and len(callbacks) == 1  # nothing sent before commit
    callbacks[0]()

    assert invitation.email == "new.fellow@example.test"
    assert invitation.status == Invitation.Status.PENDING
    assert invitation.invited_by == ours.user(role)
    assert invitation.expires_at - timezone.now() > timedelta(days=6, hours=23)
    [message] = mail.outbox
    assert message.to == ["new.fellow@example.test"]
    assert ours.program.name in message.subject
    token = LINK.search(message.body).group(1)
    # The database holds only a hash; the link's secret is nowhere in the row.
    assert invitation.token_hash == invitation_token_hash(token) != token
    assert token not in str(Invitation.objects.values().get(pk=invitation.pk))


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_faculty_and_fellows_cannot_invite(ours, role):
    with pytest.raises(PermissionDenied):
        invite(ours.user(role), ours.program)
    assert not Invitation.objects.exists()


def test_staff_of_another_program_cannot_invite(ours, theirs):
    with pytest.raises(PermissionDenied):
        invite(theirs.director, ours.program)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("role", ["director", "coordinator", "surgeon"])
def test_only_fellow_or_faculty_roles_can_be_invited(ours, role):
    with pytest.raises(ValidationError) as error:
        invite(ours.director, ours.program, role=role)
    assert "role" in error.value.error_dict
    assert not Invitation.objects.exists()


def test_faculty_can_be_invited(ours, django_capture_on_commit_callbacks):
    invitation, _ = invite_and_read_token(
        ours.director, ours.program, django_capture_on_commit_callbacks, role=Role.FACULTY
    )
    assert invitation.role == Role.FACULTY


def test_someone_already_holding_the_active_role_is_not_invited_again(ours):
    with pytest.raises(ValidationError) as error:
        invite(ours.director, ours.program, email=ours.fellow.email.upper())
    assert "already has the fellow role" in str(error.value)
    assert not Invitation.objects.exists()


def test_reinviting_withdraws_the_earlier_open_invitation(ours, django_capture_on_commit_callbacks):
    first, first_token = invite_and_read_token(
        ours.director, ours.program, django_capture_on_commit_callbacks
    )
    second, second_token = invite_and_read_token(
        ours.coordinator, ours.program, django_capture_on_commit_callbacks
    )

    first.refresh_from_db()
    assert first.status == Invitation.Status.REVOKED
    assert second.status == Invitation.Status.PENDING
    with pytest.raises(ValidationError, match="withdrawn"):
        invitation_accept(token=first_token, password=NEW_PASSWORD)
    assert invitation_accept(token=second_token, password=NEW_PASSWORD).email == second.email


def test_database_allows_one_open_invitation_per_program_email_and_role(ours):
    InvitationFactory(program=ours.program, email="x@example.test", invited_by=ours.director)
    with pytest.raises(IntegrityError), transaction.atomic():
        InvitationFactory(program=ours.program, email="x@example.test", invited_by=ours.director)
    # A different role, or an invitation already answered, does not collide.
    InvitationFactory(program=ours.program, email="x@example.test", role=Role.FACULTY)
    InvitationFactory(program=ours.program, email="x@example.test", revoked_at=timezone.now())


def test_str_and_status(ours):
    invitation = InvitationFactory(program=ours.program, email="x@example.test")
    assert str(invitation) == f"x@example.test as Fellow in {ours.program}"
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    assert invitation.status == Invitation.Status.EXPIRED
    assert invitation.get_status_display() == "Expired"


def test_revoke_is_for_the_programs_staff(ours, theirs):
    invitation = InvitationFactory(program=ours.program, invited_by=ours.director)
    with pytest.raises(PermissionDenied):
        invitation_revoke(actor=theirs.director, invitation=invitation)
    invitation_revoke(actor=ours.coordinator, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED


# --- invitation_accept -------------------------------------------------------------------------


def test_accept_creates_the_account_and_the_membership(ours):
    InvitationFactory(
        program=ours.program, token="t1", email="ada@example.test", full_name="Dr. Ada"
    )

    user = invitation_accept(token="t1", password=NEW_PASSWORD)

    assert user.email == "ada@example.test" and user.full_name == "Dr. Ada"
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=user).program == ours.program
    assert Membership.objects.get(user=user).role == Role.FELLOW
    invitation = Invitation.objects.get()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_user == user


def test_accept_page_signs_the_new_fellow_in_and_takes_them_home(client, ours):
    InvitationFactory(program=ours.program, token="t1", invited_by=ours.director)

    page = client.get("/invitations/t1/")
    assert page.status_code == 200
    assert ours.director.display_name in page.content.decode()
    assert ours.program.name in page.content.decode()

    response = client.post(
        "/invitations/t1/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/")["Location"] == f"/programs/{ours.program.pk}/my-progress/"


def test_a_used_link_is_refused_plainly(client, ours):
    InvitationFactory(program=ours.program, token="t1")
    invitation_accept(token="t1", password=NEW_PASSWORD)

    with pytest.raises(ValidationError) as error:
        invitation_accept(token="t1", password="Another-Pass-9876")
    assert error.value.messages == ["This invitation has already been used. Sign in instead."]
    response = client.get("/invitations/t1/")
    assert response.status_code == 410
    assert "already been used. Sign in instead." in response.content.decode()


def test_an_expired_link_is_refused_plainly(client, ours):
    ours.program.timezone = "UTC"
    ours.program.save()
    expired = timezone.now().replace(year=2026, month=3, day=4, hour=12) - timedelta(days=400)
    InvitationFactory(program=ours.program, token="t1", expires_at=expired)
    when = f"{expired:%B} {expired.day}, {expired.year}"

    with pytest.raises(ValidationError) as error:
        invitation_accept(token="t1", password=NEW_PASSWORD)
    assert error.value.messages == [
        f"This invitation expired on {when}. Ask your program coordinator for a new one."
    ]
    assert not User.objects.filter(email=Invitation.objects.get().email).exists()
    response = client.get("/invitations/t1/")
    assert response.status_code == 410 and when in response.content.decode()


def test_a_revoked_link_is_refused(client, ours):
    InvitationFactory(program=ours.program, token="t1", revoked_at=timezone.now())
    with pytest.raises(ValidationError, match="withdrawn"):
        invitation_accept(token="t1", password=NEW_PASSWORD)
    assert client.get("/invitations/t1/").status_code == 410
    post = client.post("/invitations/t1/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert post.status_code == 410 and not post.wsgi_request.user.is_authenticated


def test_an_unknown_link_is_404_and_says_so(client, db):
    with pytest.raises(ValidationError) as error:
        invitation_accept(token="nope", password=NEW_PASSWORD)
    assert error.value.code == "unknown"
    response = client.get("/invitations/nope/")
    assert response.status_code == 404 and "not valid" in response.content.decode()


@pytest.mark.parametrize("weak", ["short", "password123", "12345678901"])
def test_a_weak_password_is_refused_and_nothing_is_saved(client, ours, weak):
    InvitationFactory(program=ours.program, token="t1", email="ada@example.test")
    users_before = User.objects.count()

    with pytest.raises(ValidationError) as error:
        invitation_accept(token="t1", password=weak)
    assert "password" in error.value.error_dict

    response = client.post("/invitations/t1/", {"password1": weak, "password2": weak})
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert User.objects.count() == users_before
    assert Invitation.objects.get().status == Invitation.Status.PENDING
    assert not Membership.objects.filter(user__email="ada@example.test").exists()


def test_mismatched_passwords_are_refused_by_the_form(client, ours):
    InvitationFactory(program=ours.program, token="t1")
    response = client.post(
        "/invitations/t1/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )
    assert response.status_code == 200 and "do not match" in response.content.decode()
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_an_existing_account_gets_the_role_and_keeps_its_password(client, ours, theirs):
    person = theirs.faculty
    InvitationFactory(
        program=ours.program, token="t1", email=person.email.upper(), role=Role.FACULTY
    )

    page = client.get("/invitations/t1/")
    assert "already have an account" in page.content.decode()
    assert "password1" not in page.context["form"].fields

    response = client.post("/invitations/t1/", {})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not response.wsgi_request.user.is_authenticated  # the link is not a password
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    assert Membership.objects.filter(
        user=person, program=ours.program, role=Role.FACULTY, is_active=True
    ).exists()
    assert User.objects.filter(email__iexact=person.email).count() == 1


def test_inviting_a_deactivated_member_brings_the_same_membership_back(ours):
    membership = Membership.objects.get(user=ours.fellow, program=ours.program)
    membership_deactivate(actor=ours.director, membership=membership)
    InvitationFactory(program=ours.program, token="t1", email=ours.fellow.email)

    invitation_accept(token="t1", password=None)

    membership.refresh_from_db()
    assert membership.is_active
    assert Membership.objects.filter(user=ours.fellow).count() == 1


def test_a_double_submit_accepts_once(ours):
    InvitationFactory(program=ours.program, token="t1")
    invitation_accept(token="t1", password=NEW_PASSWORD)
    with pytest.raises(ValidationError, match="already been used"):
        invitation_accept(token="t1", password=NEW_PASSWORD)
    assert Membership.objects.filter(program=ours.program, role=Role.FELLOW).count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_accept_once():
    if not is_postgres():
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    invitation = InvitationFactory(token="t1", email="race@example.test")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept() -> None:
        barrier.wait()
        try:
            invitation_accept(token="t1", password=NEW_PASSWORD)
            outcomes.append("accepted")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["accepted", "used"]
    assert User.objects.filter(email="race@example.test").count() == 1
    assert Membership.objects.filter(program=invitation.program).count() == 1


# --- membership_deactivate / membership_reactivate ---------------------------------------------


def test_deactivating_keeps_the_membership_and_reactivating_restores_it(ours):
    membership = Membership.objects.get(user=ours.fellow, program=ours.program)

    membership_deactivate(actor=ours.coordinator, membership=membership)
    membership.refresh_from_db()
    assert membership.is_active is False

    membership_reactivate(actor=ours.director, membership=membership)
    membership.refresh_from_db()
    assert membership.is_active is True


@pytest.mark.parametrize("service", [membership_deactivate, membership_reactivate])
def test_only_this_programs_staff_change_memberships(ours, theirs, service):
    membership = Membership.objects.get(user=ours.fellow, program=ours.program)
    for actor in [ours.faculty, ours.fellow, theirs.director, theirs.coordinator]:
        with pytest.raises(PermissionDenied):
            service(actor=actor, membership=membership)
    membership.refresh_from_db()
    assert membership.is_active is True


@pytest.mark.parametrize("role", ["director", "coordinator"])
def test_nobody_deactivates_their_own_role(ours, role):
    membership = Membership.objects.get(user=ours.user(role), program=ours.program)
    with pytest.raises(ValidationError, match="your own role"):
        membership_deactivate(actor=ours.user(role), membership=membership)
    membership.refresh_from_db()
    assert membership.is_active is True


def test_a_director_may_deactivate_another_director(ours):
    other = MembershipFactory(program=ours.program, user=UserFactory(), role=Role.DIRECTOR)
    membership_deactivate(actor=ours.director, membership=other)
    other.refresh_from_db()
    assert other.is_active is False


def test_only_a_director_deactivates_a_director(ours):
    from accounts.services import membership_deactivate
    from tests.accounts.factories import UserFactory
    from tests.curriculum.factories import MembershipFactory

    director = Membership.objects.get(user=ours.director, program=ours.program)
    with pytest.raises(PermissionDenied, match="Only a program director"):
        membership_deactivate(actor=ours.coordinator, membership=director)
    director.refresh_from_db()
    assert director.is_active

    second = MembershipFactory(program=ours.program, user=UserFactory(), role="director")
    membership_deactivate(actor=ours.director, membership=second)
    second.refresh_from_db()
    assert not second.is_active


def test_the_invitation_link_uses_the_site_url(ours, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://fellowship.example.org"
    _, token = invite_and_read_token(
        ours.director, ours.program, django_capture_on_commit_callbacks
    )
    assert f"https://fellowship.example.org/invitations/{token}/" in mail.outbox[-1].body
