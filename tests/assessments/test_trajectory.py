"""Milestone trajectory: which ratings count, who sees them, constant query counts, the page."""

import datetime
from functools import partial

import pytest
from django.utils import timezone

from assessments.models import Assessment, AssessmentTemplate
from assessments.selectors.trajectory import milestone_trajectory, narratives_received
from curriculum.models import Membership
from curriculum.services import milestone_set_load_default
from tests.assessments.factories import (
    AssessmentFactory,
    AssessmentTemplateFactory,
    RatingFactory,
)
from tests.conftest import assert_constant_queries
from tests.curriculum.factories import MembershipFactory
from tests.role_pages import assert_role_page_access

Role = Membership.Role
Status = Assessment.Status


def member(people, role):
    return Membership.objects.get(user=people.user(role), program=people.program, role=role)


@pytest.fixture
def subs(ours):
    milestone_set = milestone_set_load_default(actor=None, program=ours.program)
    return list(milestone_set.subcompetencies.order_by("code")[:2])


@pytest.fixture
def template(ours, subs):
    template = AssessmentTemplateFactory(
        program=ours.program,
        milestone_set=subs[0].milestone_set,
        kind=AssessmentTemplate.Kind.DIRECT_OBSERVATION,
        name="Direct observation",
    )
    template.subcompetencies.set(subs)
    return template


@pytest.fixture
def fellow(ours):
    return member(ours, Role.FELLOW)


def rated(ours, template, fellow, day, levels, status=Status.SIGNED, **fields):
    """An assessment of ``fellow`` observed on October ``day`` with one rating per level."""
    locked = status in (Status.SIGNED, Status.ACKNOWLEDGED)
    assessment = AssessmentFactory(
        program=ours.program,
        template=template,
        fellow=fellow,
        assessor=member(ours, Role.FACULTY),
        observed_on=datetime.date(2026, 10, day),
        status=status,
        signed_at=timezone.now() if locked else None,
        narrative=fields.pop("narrative", f"Narrative of October {day}."),
        **fields,
    )
    for sub, level in zip(template.subcompetencies.order_by("code"), levels, strict=False):
        if level is None:
            RatingFactory(assessment=assessment, subcompetency=sub, level=None, not_assessable=True)
        else:
            RatingFactory(assessment=assessment, subcompetency=sub, level=level)
    return assessment


def by_code(rows):
    return {row.code: row for row in rows}


# --- Selector ------------------------------------------------------------------------------------


def test_points_are_per_subcompetency_in_date_order(ours, template, subs, fellow):
    rated(ours, template, fellow, 20, ["4.0", "3.0"])
    first = rated(ours, template, fellow, 5, ["2.5", "3.5"])
    rows = milestone_trajectory(user=ours.fellow, fellow=fellow)
    assert [row.code for row in rows] == sorted(s.code for s in subs)
    row = rows[0]
    assert row.title == subs[0].title
    assert [(p.observed_on.day, p.level) for p in row.points] == [(5, 2.5), (20, 4.0)]
    assert row.points[0].assessment_id == first.pk
    assert row.points[0].template_kind == AssessmentTemplate.Kind.DIRECT_OBSERVATION
    assert row.latest.level == 4.0 and row.target_met
    assert rows[1].latest.level == 3.0 and not rows[1].target_met
    assert rows[0].ccc_level is None


def test_drafts_and_returned_are_excluded(ours, template, fellow):
    rated(ours, template, fellow, 1, ["2.0", "2.0"])
    rated(ours, template, fellow, 2, ["5.0", "5.0"], status=Status.DRAFT)
    rated(ours, template, fellow, 3, ["5.0", "5.0"], status=Status.RETURNED)
    rated(ours, template, fellow, 4, ["3.0", "3.0"], status=Status.ACKNOWLEDGED)
    rows = milestone_trajectory(user=ours.fellow, fellow=fellow)
    assert [p.level for p in rows[0].ratings] == [2.0, 3.0]
    narratives = [a.observed_on.day for a in narratives_received(user=ours.fellow, fellow=fellow)]
    assert narratives == [4, 1]


def test_a_signed_amendment_replaces_its_original(ours, template, fellow):
    original = rated(ours, template, fellow, 1, ["2.0", "2.0"])
    rated(ours, template, fellow, 1, ["2.5", "2.0"], amends=original, narrative="Corrected.")
    still_open = rated(ours, template, fellow, 9, ["3.0", "3.0"])
    rated(ours, template, fellow, 9, ["5.0", "5.0"], status=Status.DRAFT, amends=still_open)
    rows = milestone_trajectory(user=ours.fellow, fellow=fellow)
    assert [p.level for p in rows[0].ratings] == [2.5, 3.0]
    narratives = [a.narrative for a in narratives_received(user=ours.fellow, fellow=fellow)]
    assert narratives == ["Narrative of October 9.", "Corrected."]


def test_not_assessable_is_in_the_table_not_the_chart(ours, template, fellow):
    rated(ours, template, fellow, 1, ["3.0", None])
    rated(ours, template, fellow, 8, [None, None])
    row, other = milestone_trajectory(user=ours.fellow, fellow=fellow)
    assert [p.level for p in row.ratings] == [3.0, None]
    assert [p.level for p in row.points] == [3.0]
    assert row.latest.level == 3.0
    assert other.points == [] and len(other.ratings) == 2
    assert other.latest is None and not other.target_met


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.COORDINATOR, Role.FACULTY])
def test_program_staff_and_faculty_see_the_trajectory(ours, template, fellow, role):
    rated(ours, template, fellow, 1, ["3.0", "3.0"])
    assert len(milestone_trajectory(user=ours.user(role), fellow=fellow)) == 2
    assert len(narratives_received(user=ours.user(role), fellow=fellow)) == 1


def test_another_fellow_and_other_programs_get_nothing(ours, theirs, template, fellow):
    rated(ours, template, fellow, 1, ["3.0", "3.0"])
    classmate = MembershipFactory(program=ours.program, role=Role.FELLOW).user
    outsiders = [classmate, *(theirs.user(role) for role in Role.values)]
    for user in outsiders:
        assert milestone_trajectory(user=user, fellow=fellow) == []
        assert not narratives_received(user=user, fellow=fellow).exists()


def test_query_count_does_not_grow_with_assessments(ours, template, fellow):
    days = iter(range(1, 21))

    def add_assessments(n):
        for _ in range(n):
            day = next(days)
            rated(ours, template, fellow, day, ["3.0", "3.5"] if day <= 2 else ["4.0", None])

    readers = {
        role: partial(milestone_trajectory, user=ours.user(role), fellow=fellow)
        for role in ("fellow", "director")
    }
    # Ratings, then the latest CCC levels; the director's access check is one more.
    exactly = {"fellow": 2, "director": 3}
    assert_constant_queries(readers, add_assessments, sizes=(2, 20), exactly=exactly)


# --- Views ---------------------------------------------------------------------------------------


def my_path(people):
    return f"/programs/{people.program.pk}/milestones/progress/"


def fellow_path(people, membership):
    return f"/programs/{people.program.pk}/fellows/{membership.pk}/milestones/"


def test_my_milestones_access_matrix(client, ours, theirs):
    assert_role_page_access(client, ours, theirs, my_path(ours), allowed={"fellow"})


def test_fellow_milestones_access_matrix(client, ours, theirs, template, fellow):
    rated(ours, template, fellow, 1, ["3.0", "4.5"])
    path = fellow_path(ours, fellow)
    allowed = {"director", "coordinator", "faculty", "fellow"}
    assert_role_page_access(client, ours, theirs, path, allowed=allowed)


def test_another_fellow_of_the_program_gets_404(client, ours, fellow):
    classmate = MembershipFactory(program=ours.program, role=Role.FELLOW).user
    client.force_login(classmate)
    assert client.get(fellow_path(ours, fellow)).status_code == 404


def test_a_fellow_of_another_program_is_404_through_ours(client, ours, theirs):
    client.force_login(ours.director)
    assert client.get(fellow_path(ours, member(theirs, Role.FELLOW))).status_code == 404
    assert client.get(fellow_path(theirs, member(theirs, Role.FELLOW))).status_code == 404


def test_a_non_fellow_membership_is_404(client, ours):
    client.force_login(ours.director)
    assert client.get(fellow_path(ours, member(ours, Role.FACULTY))).status_code == 404


def test_the_table_shows_the_numbers(client, ours, template, subs, fellow):
    rated(ours, template, fellow, 1, ["3.0", None], narrative="Clear consent discussion.")
    rated(ours, template, fellow, 15, ["4.5", "2.0"])
    rated(ours, template, fellow, 20, ["1.0", "1.0"], status=Status.DRAFT)
    client.force_login(ours.fellow)
    response = client.get(my_path(ours))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026-10-01</time>: 3.0" in page
    assert "2026-10-15</time>: 4.5" in page
    assert "2026-10-01</time>: not yet assessable" in page
    assert "2026-10-20" not in page
    assert page.count("No CCC review yet") == 2
    assert "<td>Met</td>" in page and "<td>Not yet</td>" in page
    assert "Clear consent discussion." in page
    assert 'id="trajectory-data"' in page and "milestone_trajectory.js" in page
    chart = response.context["chart"]
    assert chart["target"] == 4.0
    assert [p["level"] for p in chart["series"][0]["points"]] == [3.0, 4.5]
    assert chart["series"][0]["points"][0]["date"] == "2026-10-01"


def test_empty_page_is_honest(client, ours):
    client.force_login(ours.fellow)
    page = client.get(my_path(ours)).content.decode()
    assert "No milestone ratings yet" in page
    assert "trajectory-data" not in page


def test_homes_link_to_the_page(client, ours):
    client.force_login(ours.fellow)
    for home in (
        f"/programs/{ours.program.pk}/assessments/",
        f"/programs/{ours.program.pk}/my-progress/",
    ):
        assert my_path(ours) in client.get(home).content.decode()
