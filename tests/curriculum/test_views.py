import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from curriculum.models import Membership
from tests.curriculum.factories import MembershipFactory, ProgramFactory
from tests.role_pages import assert_role_page_access

Role = Membership.Role


def test_program_overview_access_matrix(client, ours, theirs):
    path = f"/programs/{ours.program.pk}/"
    assert_role_page_access(client, ours, theirs, path, allowed={"director", "coordinator"})


def test_unknown_program_is_404(client, ours):
    client.force_login(ours.director)
    assert client.get("/programs/999999/").status_code == 404


def test_home_sends_a_single_role_straight_to_its_page(client, ours):
    for role, path in [
        ("director", f"/programs/{ours.program.pk}/"),
        ("faculty", f"/programs/{ours.program.pk}/waiting/"),
        ("fellow", f"/programs/{ours.program.pk}/my-progress/"),
    ]:
        client.force_login(ours.user(role))
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == path


def test_home_lets_a_person_with_several_roles_choose(client, ours, theirs):
    MembershipFactory(user=ours.faculty, program=theirs.program, role=Role.FACULTY)
    client.force_login(ours.faculty)
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert ours.program.name in page and theirs.program.name in page


def test_home_without_any_role_says_so(client, db):
    from tests.accounts.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 200
    assert "no role in a program yet" in response.content.decode()


def test_overview_shows_counts_and_roster(client, ours):
    client.force_login(ours.coordinator)
    page = client.get(f"/programs/{ours.program.pk}/").content.decode()
    assert ours.fellow.email in page and ours.faculty.email in page
    assert "Nothing here yet" in page  # honest empty state for cohorts until they exist


def test_overview_htmx_request_gets_the_roster_partial_only(client, ours):
    for _ in range(30):
        MembershipFactory(program=ours.program, role=Role.FELLOW)
    client.force_login(ours.director)
    response = client.get(f"/programs/{ours.program.pk}/?page=2", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="roster">')
    assert "<html" not in body and "Page 2 of 2" in body


def overview_queries(client, program, director) -> int:
    client.force_login(director)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/programs/{program.pk}/").status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_overview_query_count_does_not_grow_with_the_roster(client):
    small, large = ProgramFactory(), ProgramFactory()
    counts = {}
    for program, fellows in ((small, 2), (large, 30)):
        director = MembershipFactory(program=program, role=Role.DIRECTOR).user
        for _ in range(fellows):
            MembershipFactory(program=program, role=Role.FELLOW)
        counts[fellows] = overview_queries(client, program, director)
    assert counts[2] == counts[30] == 8, counts
