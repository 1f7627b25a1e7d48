"""The roster-management page and its POST endpoints: who may use them, and what they change."""

from functools import partial

import pytest

from accounts.models import Invitation
from curriculum.models import Membership
from tests.accounts.factories import InvitationFactory
from tests.conftest import assert_constant_queries, page_ok
from tests.curriculum.factories import MembershipFactory
from tests.role_pages import assert_role_page_access

Role = Membership.Role


def people_path(program) -> str:
    return f"/programs/{program.pk}/people/"


def test_people_page_access_matrix(client, ours, theirs):
    assert_role_page_access(
        client, ours, theirs, people_path(ours.program), allowed={"director", "coordinator"}
    )


def test_people_page_lists_members_invitations_and_the_invite_form(client, ours, theirs):
    InvitationFactory(program=ours.program, email="pending@example.test")
    InvitationFactory(program=theirs.program, email="elsewhere@example.test")
    client.force_login(ours.coordinator)

    page = client.get(people_path(ours.program)).content.decode()

    assert ours.fellow.email in page and theirs.fellow.email not in page
    assert "pending@example.test" in page and "elsewhere@example.test" not in page
    for label in ['for="id_email"', 'for="id_full_name"', 'for="id_role"']:
        assert label in page
    assert 'value="director"' not in page  # the role choice offers fellow and faculty only
    assert "style=" not in page and "<script>" not in page


def test_program_overview_links_to_the_people_page(client, ours):
    client.force_login(ours.director)
    page = client.get(f"/programs/{ours.program.pk}/").content.decode()
    assert f'href="{people_path(ours.program)}"' in page and "Manage people" in page


def test_invite_through_the_page_sends_the_email(
    client, ours, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(ours.director)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{people_path(ours.program)}invite/",
            {"email": "ada@example.test", "full_name": "Dr. Ada", "role": "faculty"},
        )
    assert response.status_code == 302 and response["Location"] == people_path(ours.program)
    [message] = mailoutbox
    assert "http://testserver/invitations/" in message.body
    assert Invitation.objects.get().role == Role.FACULTY


def test_a_refused_invitation_is_shown_on_the_form(client, ours, mailoutbox):
    client.force_login(ours.director)
    response = client.post(
        f"{people_path(ours.program)}invite/",
        {"email": ours.fellow.email, "full_name": "Again", "role": "fellow"},
    )
    assert response.status_code == 200
    assert "already has the fellow role" in response.context["invite_form"].errors["email"][0]
    assert not Invitation.objects.exists() and mailoutbox == []


def post_endpoints(ours) -> dict[str, str]:
    membership = Membership.objects.get(user=ours.fellow, program=ours.program)
    invitation = InvitationFactory(program=ours.program)
    base = people_path(ours.program)
    return {
        "invite": f"{base}invite/",
        "deactivate": f"{base}{membership.pk}/deactivate/",
        "reactivate": f"{base}{membership.pk}/reactivate/",
        "revoke": f"{base}invitations/{invitation.pk}/revoke/",
    }


def snapshot() -> tuple:
    return (
        sorted(Membership.objects.values_list("pk", "is_active")),
        sorted(Invitation.objects.values_list("pk", "revoked_at")),
    )


@pytest.mark.parametrize("name", ["invite", "deactivate", "reactivate", "revoke"])
def test_post_endpoints_are_404_for_the_wrong_role_or_program_and_change_nothing(
    client, ours, theirs, name
):
    path = post_endpoints(ours)[name]
    Membership.objects.filter(user=ours.fellow).update(is_active=name != "reactivate")
    before = snapshot()
    data = {"email": "x@example.test", "full_name": "X", "role": "fellow"}

    assert client.post(path, data).status_code == 302  # anonymous: to sign in
    for user in [ours.faculty, ours.fellow, theirs.director, theirs.coordinator]:
        client.force_login(user)
        assert client.post(path, data).status_code == 404, user
    assert snapshot() == before


@pytest.mark.parametrize("name", ["invite", "deactivate", "reactivate", "revoke"])
def test_post_endpoints_refuse_get(client, ours, name):
    client.force_login(ours.director)
    assert client.get(post_endpoints(ours)[name]).status_code == 405


def test_deactivate_keeps_the_row_and_the_person_loses_their_home_page(client, ours):
    membership = Membership.objects.get(user=ours.fellow, program=ours.program)
    home = f"/programs/{ours.program.pk}/my-progress/"
    client.force_login(ours.fellow)
    assert client.get(home).status_code == 200

    client.force_login(ours.director)
    response = client.post(f"{people_path(ours.program)}{membership.pk}/deactivate/")
    assert response.status_code == 302

    membership.refresh_from_db()
    assert membership.is_active is False  # the row and its history stay
    client.force_login(ours.fellow)
    assert client.get(home).status_code == 404
    landing = client.get("/")  # still signs in, but sees the "no role" page
    assert landing.status_code == 200 and "no role in a program" in landing.content.decode()

    client.force_login(ours.coordinator)
    client.post(f"{people_path(ours.program)}{membership.pk}/reactivate/")
    client.force_login(ours.fellow)
    assert client.get(home).status_code == 200


def test_a_director_cannot_deactivate_themself(client, ours):
    membership = Membership.objects.get(user=ours.director, program=ours.program)
    client.force_login(ours.director)
    response = client.post(f"{people_path(ours.program)}{membership.pk}/deactivate/", follow=True)
    assert "cannot deactivate your own role" in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_active is True


def test_revoke_withdraws_the_invitation(client, ours):
    invitation = InvitationFactory(program=ours.program)
    client.force_login(ours.coordinator)
    client.post(f"{people_path(ours.program)}invitations/{invitation.pk}/revoke/")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED


def test_people_page_query_count_does_not_grow_with_the_roster(client, ours):
    client.force_login(ours.director)
    InvitationFactory(program=ours.program)

    def add_people(n):
        for _ in range(n):
            MembershipFactory(program=ours.program, role=Role.FELLOW)
            InvitationFactory(program=ours.program)

    # 4 members, then 30: session, user, program, roster scope check, count, page, invitations
    # scope check and rows, the sign-in security link's role check, and the navigation's roles
    # with the unread-notification count (one query).
    people = partial(page_ok, client, people_path(ours.program))
    assert_constant_queries(people, add_people, sizes=(0, 26), exactly=10)


def test_only_the_director_is_offered_the_sign_in_security_page(client, ours):
    security = f"/programs/{ours.program.pk}/security/"
    client.force_login(ours.director)
    assert security in client.get(people_path(ours.program)).text
    client.force_login(ours.coordinator)
    assert security not in client.get(people_path(ours.program)).text
