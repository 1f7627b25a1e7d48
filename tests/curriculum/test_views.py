import pytest

from curriculum.models import Membership
from tests.conftest import assert_constant_queries, page_ok
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
        ("director", f"/programs/{ours.program.pk}/dashboard/"),
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
    assert f"/programs/{ours.program.pk}/schedule/" in page  # links to the director's tools
    assert "nothing is recorded for them yet" in page  # honest about what is not built


def test_overview_htmx_request_gets_the_roster_partial_only(client, ours):
    for _ in range(30):
        MembershipFactory(program=ours.program, role=Role.FELLOW)
    client.force_login(ours.director)
    response = client.get(f"/programs/{ours.program.pk}/?page=2", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="roster">')
    assert "<html" not in body and "Page 2 of 2" in body


@pytest.mark.django_db
def test_overview_query_count_does_not_grow_with_the_roster(client):
    world = {}

    def program_of(fellows):
        world["program"] = program = ProgramFactory()
        director = MembershipFactory(program=program, role=Role.DIRECTOR).user
        for _ in range(fellows):
            MembershipFactory(program=program, role=Role.FELLOW)
        client.force_login(director)

    overview = lambda: page_ok(client, f"/programs/{world['program'].pk}/")  # noqa: E731
    # With the audit-trail predicate (one query); the unread-notification count comes with the
    # navigation's memberships (reminders.context_processors.navigation).
    assert_constant_queries(overview, program_of, sizes=(2, 30), exactly=9, fresh=True)


# Milestone sets ---------------------------------------------------------------------------------


def milestone_counts() -> tuple[int, int]:
    from curriculum.models import LevelDescriptor, MilestoneSet

    return MilestoneSet.objects.count(), LevelDescriptor.objects.count()


def upload(name: str, content: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content.encode(), content_type="application/octet-stream")


def test_milestone_pages_access_matrix(client, ours, theirs):
    from curriculum.services import milestone_set_load_default

    milestone_set = milestone_set_load_default(actor=None, program=ours.program)
    everyone = set(Role.values)
    base = f"/programs/{ours.program.pk}/milestones/"
    for path in (
        base,
        f"{base}{milestone_set.pk}/",
        f"{base}{milestone_set.pk}/export.yaml",
        f"{base}{milestone_set.pk}/export.csv",
    ):
        assert_role_page_access(client, ours, theirs, path, allowed=everyone)


def test_another_programs_set_is_404_under_our_program(client, ours, theirs):
    from curriculum.services import milestone_set_load_default

    their_set = milestone_set_load_default(actor=None, program=theirs.program)
    client.force_login(ours.director)
    assert client.get(f"/programs/{ours.program.pk}/milestones/{their_set.pk}/").status_code == 404


def test_director_sees_load_and_import_others_only_read(client, ours):
    path = f"/programs/{ours.program.pk}/milestones/"
    client.force_login(ours.director)
    page = client.get(path).content.decode()
    assert "Load the Pain Medicine 2.0 set" in page and 'type="file"' in page
    assert 'for="id_file"' in page and 'enctype="multipart/form-data"' in page
    for role in ("coordinator", "faculty", "fellow"):
        client.force_login(ours.user(role))
        page = client.get(path).content.decode()
        assert "No milestone set is loaded yet" in page
        assert "Load the Pain Medicine" not in page and 'type="file"' not in page


def test_director_loads_the_default_set_once(client, ours):
    client.force_login(ours.director)
    path = f"/programs/{ours.program.pk}/milestones/load-default/"
    response = client.post(path)
    assert response.status_code == 302
    assert client.post(path).status_code == 302
    assert milestone_counts() == (1, 90)
    page = client.get(response["Location"]).content.decode()
    assert "PC4 · Demonstrates Skill in Performing Interventions" in page
    assert "Interventional techniques" in page and "graduation target" in page
    listing = client.get(f"/programs/{ours.program.pk}/milestones/").content.decode()
    assert "Load the Pain Medicine 2.0 set" not in listing and "18 subcompetencies" in listing


def test_director_import_with_a_bad_file_lists_every_problem_and_saves_nothing(client, ours):
    from tests.curriculum.test_milestones import csv_row, csv_text

    content = csv_text(
        [csv_row(code="PC1"), csv_row(code="PC2", seeds="surgery"), csv_row(code="PC1")]
    )
    client.force_login(ours.director)
    response = client.post(
        f"/programs/{ours.program.pk}/milestones/import/", {"file": upload("set.csv", content)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "row 3: seed domain &#x27;surgery&#x27; is not one of" in page
    assert "subcompetency PC1 appears twice" in page
    assert milestone_counts() == (0, 0)


def test_director_import_refuses_wrong_extension_and_oversized_files(client, ours):
    client.force_login(ours.director)
    path = f"/programs/{ours.program.pk}/milestones/import/"
    page = client.post(path, {"file": upload("set.txt", "a: b")}).content.decode()
    assert "Choose a .yaml, .yml or .csv file." in page
    big = "#" * (256 * 1024 + 1)
    page = client.post(path, {"file": upload("set.yaml", big)}).content.decode()
    assert "The file is larger than 256 KB, the limit for a milestone file." in page
    assert milestone_counts() == (0, 0)


def test_director_imports_a_yml_file_and_lands_on_the_set(client, ours):
    from curriculum import milestones
    from tests.curriculum.test_milestones import small_set

    client.force_login(ours.director)
    content = milestones.dump_yaml(small_set())
    response = client.post(
        f"/programs/{ours.program.pk}/milestones/import/", {"file": upload("v1.yml", content)}
    )
    assert response.status_code == 302
    assert milestone_counts() == (1, 15)
    assert (
        "Imported Pain Medicine Milestones 1.0."
        in client.get(response["Location"]).content.decode()
    )


def test_non_directors_cannot_import_or_load(client, ours, theirs):
    from curriculum import milestones
    from tests.curriculum.test_milestones import small_set

    content = milestones.dump_yaml(small_set())
    for user, expected in [
        (ours.coordinator, 404),
        (ours.faculty, 404),
        (ours.fellow, 404),
        (theirs.director, 404),
    ]:
        client.force_login(user)
        base = f"/programs/{ours.program.pk}/milestones/"
        response = client.post(f"{base}import/", {"file": upload("set.yaml", content)})
        assert response.status_code == expected, user
        assert client.post(f"{base}load-default/").status_code == expected
    client.logout()
    assert client.post(f"/programs/{ours.program.pk}/milestones/load-default/").status_code == 302
    assert milestone_counts() == (0, 0)
    client.force_login(ours.director)
    assert client.get(f"/programs/{ours.program.pk}/milestones/import/").status_code == 405


def test_export_downloads_yaml_and_csv_that_import_back(client, ours):
    from curriculum import milestones
    from curriculum.services import milestone_set_import
    from tests.curriculum.test_milestones import small_set

    data = small_set()
    milestone_set = milestone_set_import(
        actor=None, program=ours.program, content=milestones.dump_yaml(data), file_format="yaml"
    )
    client.force_login(ours.fellow)
    base = f"/programs/{ours.program.pk}/milestones/{milestone_set.pk}/export"
    for file_format, content_type in (
        ("yaml", "application/yaml; charset=utf-8"),
        ("csv", "text/csv; charset=utf-8"),
    ):
        response = client.get(f"{base}.{file_format}")
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == (
            f'attachment; filename="pain-medicine-milestones-1.0.{file_format}"'
        )
        body = response.content.decode()
        assert body == milestones.dump(data, file_format)
        assert milestones.parse(body, file_format) == data


def test_csv_export_neutralises_formulas_and_imports_back_unchanged(client, ours):
    import csv
    import dataclasses
    import io

    from curriculum import milestones
    from curriculum.services import milestone_set_import
    from tests.curriculum.test_milestones import small_set

    data = small_set()
    competency = data.competencies[0]
    sub = dataclasses.replace(
        competency.subcompetencies[0],
        title='=HYPERLINK("http://evil.test","Click")',
        levels=("-1 point", "+2", "@SUM(A1)", "Level 4.", "Level 5."),
    )
    competency = dataclasses.replace(
        competency, subcompetencies=(sub, *competency.subcompetencies[1:])
    )
    data = dataclasses.replace(data, competencies=(competency, *data.competencies[1:]))
    milestone_set = milestone_set_import(
        actor=None, program=ours.program, content=milestones.dump_yaml(data), file_format="yaml"
    )
    client.force_login(ours.fellow)
    response = client.get(f"/programs/{ours.program.pk}/milestones/{milestone_set.pk}/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil.test","Click")'
    assert [rows[0][f"level_{n}"] for n in (1, 2, 3)] == ["'-1 point", "'+2", "'@SUM(A1)"]
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())
    # Our own export still imports back as the same set.
    assert milestones.parse(response.content.decode(), "csv") == data


@pytest.mark.django_db
def test_milestone_detail_query_count_does_not_grow_with_the_set(client):
    from curriculum import milestones
    from curriculum.services import milestone_set_import
    from tests.curriculum.test_milestones import small_set

    world = {}

    def set_of(subcompetencies):
        program = ProgramFactory()
        content = milestones.dump_yaml(small_set(subcompetencies=subcompetencies))
        milestone_set = milestone_set_import(
            actor=None, program=program, content=content, file_format="yaml"
        )
        world.update(set=milestone_set, size=subcompetencies)
        client.force_login(MembershipFactory(program=program, role=Role.FELLOW).user)

    def detail():
        milestone_set, size = world["set"], world["size"]
        path = f"/programs/{milestone_set.program_id}/milestones/{milestone_set.pk}/"
        response = page_ok(client, path)
        assert f"PC{size} · Title {size}" in response.content.decode()

    assert_constant_queries(detail, set_of, sizes=(1, 40), fresh=True)


def test_navigation_offers_each_role_its_daily_pages(client, ours):
    program = ours.program.pk
    expected = {
        "fellow": [f"/programs/{program}/procedures/log/"],
        "faculty": [f"/programs/{program}/procedures/verify/"],
        "director": [f"/programs/{program}/cohorts/", f"/programs/{program}/schedule/"],
    }
    for role, links in expected.items():
        client.force_login(ours.user(role))
        page = client.get("/", follow=True).content.decode()
        nav = page[page.index("<nav") : page.index("</nav>")]
        for link in links:
            assert f'href="{link}"' in nav, (role, link)
    assert "/procedures/verify/" not in nav  # the director's bar has no faculty queue
