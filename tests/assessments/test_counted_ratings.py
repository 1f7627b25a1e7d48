"""What counts as a faculty rating: one rule (signed, not replaced by a signed amendment, a
faculty-kind form filled by someone other than the fellow) used by the selectors, the milestone
trajectory and the CCC packet. Self-assessments and multi-source answers are listed apart."""

import datetime

import pytest
from django.urls import reverse

from assessments.models import Assessment, AssessmentTemplate
from assessments.selectors.ccc import ccc_packet_build
from assessments.selectors.trajectory import milestone_trajectory
from assessments.selectors.unscoped import (
    counted_assessments,
    counted_ratings,
    recorded_assessments,
)
from curriculum.models import Membership
from tests.assessments.test_ccc_factories import ccc_setup, member, signed_assessment, template
from tests.curriculum.factories import MembershipFactory

Role = Membership.Role
Kind = AssessmentTemplate.Kind
D = datetime.date


@pytest.fixture
def ccc(ours):
    return ccc_setup(ours)


@pytest.fixture
def faculty_form(ccc):
    return template(ccc, Kind.DIRECT_OBSERVATION, codes=("PC1", "PC4"))


def self_assessment(ccc, observed_on, levels, **fields):
    """A signed self-assessment as the app makes it: the fellow is their own assessor."""
    assessment = signed_assessment(
        ccc,
        template(ccc, Kind.SELF, codes=tuple(levels)),
        observed_on,
        levels,
        narrative=fields.pop("narrative", "I feel ready for more."),
        **fields,
    )
    Assessment.objects.filter(pk=assessment.pk).update(assessor=ccc.fellow)
    return assessment


def pks(queryset):
    return sorted(queryset.values_list("pk", flat=True))


# --- The rule ------------------------------------------------------------------------------------


def test_only_faculty_forms_filled_by_someone_else_count(ccc, faculty_form):
    faculty = signed_assessment(ccc, faculty_form, D(2026, 9, 1), {"PC1": "3.0"})
    end_of_rotation = signed_assessment(ccc, template(ccc), D(2026, 9, 2), {"PC1": "3.5"})
    own = self_assessment(ccc, D(2026, 10, 1), {"PC1": "5.0", "PC4": "5.0"})
    multi_source = signed_assessment(
        ccc, template(ccc, Kind.MULTI_SOURCE), D(2026, 10, 2), {"PC1": "5.0"}
    )
    # The fellow also holds a faculty membership: filling a faculty form about themself is still
    # their own rating.
    second_hat = MembershipFactory(
        program=ccc.people.program, user=ccc.people.fellow, role=Role.FACULTY
    )
    by_themself = signed_assessment(ccc, faculty_form, D(2026, 10, 3), {"PC1": "5.0"})
    Assessment.objects.filter(pk=by_themself.pk).update(assessor=second_hat)

    assert pks(counted_assessments(fellow=ccc.fellow)) == sorted([faculty.pk, end_of_rotation.pk])
    levels = counted_ratings(fellow_ids=[ccc.fellow.pk]).values_list("level", flat=True)
    assert sorted(str(level) for level in levels) == ["3.0", "3.5"]
    # Every signed one is still on record, to be listed apart by kind.
    assert pks(recorded_assessments(fellow=ccc.fellow)) == sorted(
        [faculty.pk, end_of_rotation.pk, own.pk, multi_source.pk, by_themself.pk]
    )


def test_a_signed_amendment_counts_in_place_of_its_original(ccc, faculty_form):
    original = signed_assessment(ccc, faculty_form, D(2026, 9, 1), {"PC1": "2.0"})
    amendment = signed_assessment(ccc, faculty_form, D(2026, 9, 1), {"PC1": "3.0"}, amends=original)
    still_counted = signed_assessment(ccc, faculty_form, D(2026, 9, 8), {"PC1": "3.5"})
    draft = signed_assessment(
        ccc, faculty_form, D(2026, 9, 8), {"PC1": "5.0"}, amends=still_counted, status="draft"
    )
    signed_assessment(ccc, faculty_form, D(2026, 9, 9), {"PC1": "5.0"}, status="returned")

    assert pks(counted_assessments(fellow=ccc.fellow)) == sorted([amendment.pk, still_counted.pk])
    assert draft.pk not in pks(recorded_assessments(fellow=ccc.fellow))
    ratings = counted_ratings(fellow_ids=[ccc.fellow.pk])
    assert sorted(ratings.values_list("assessment_id", flat=True)) == sorted(
        [amendment.pk, still_counted.pk]
    )


def test_an_amended_self_assessment_still_does_not_count(ccc):
    original = self_assessment(ccc, D(2026, 9, 1), {"PC1": "4.0"})
    self_assessment(ccc, D(2026, 9, 1), {"PC1": "5.0"}, amends=original)
    assert not counted_assessments(fellow=ccc.fellow).exists()
    assert not counted_ratings(fellow_ids=[ccc.fellow.pk]).exists()


def test_counted_ratings_is_one_query_for_many_fellows(
    ccc, faculty_form, django_assert_num_queries
):
    others = [MembershipFactory(program=ccc.people.program, role=Role.FELLOW) for _ in range(5)]
    for fellow in [ccc.fellow, *others]:
        signed_assessment(ccc, faculty_form, D(2026, 9, 1), {"PC1": "3.0"}, fellow=fellow)
    with django_assert_num_queries(1):
        rows = list(counted_ratings(fellow_ids=[f.pk for f in [ccc.fellow, *others]]))
    assert len(rows) == 6


# --- Milestone trajectory ------------------------------------------------------------------------


def trajectory_url(ccc) -> str:
    return reverse(
        "assessments:fellow_milestones",
        kwargs={"program_id": ccc.people.program.pk, "membership_id": ccc.fellow.pk},
    )


def test_a_self_assessment_does_not_change_the_trajectory_latest(client, ccc, faculty_form):
    signed_assessment(ccc, faculty_form, D(2026, 9, 1), {"PC1": "3.0", "PC4": "2.5"})
    client.force_login(ccc.people.director)
    before = client.get(trajectory_url(ccc))
    self_assessment(ccc, D(2026, 10, 1), {"PC1": "5.0", "PC4": "5.0"})
    signed_assessment(
        ccc, template(ccc, Kind.MULTI_SOURCE), D(2026, 10, 2), {"PC1": "5.0", "PC4": "5.0"}
    )
    after = client.get(trajectory_url(ccc))

    for response in (before, after):
        rows = {row.code: row for row in response.context["rows"]}
        assert [(p.level, p.template_kind) for p in rows["PC1"].ratings] == [
            (3.0, Kind.DIRECT_OBSERVATION)
        ]
        assert (rows["PC1"].latest.level, rows["PC1"].target_met) == (3.0, False)
        assert rows["PC4"].latest.level == 2.5
        points = [p["level"] for s in response.context["chart"]["series"] for p in s["points"]]
        assert sorted(points) == [2.5, 3.0]
        table = response.content.decode().split('id="trajectory-table"')[1].split("</table>")[0]
        assert "<td>3.0</td>" in table and "<td>2.5</td>" in table
        assert "5.0" not in table and "<td>Met</td>" not in table
    # The self-assessment's own words stay on the page, under its form and author.
    assert "I feel ready for more." in after.content.decode()


def test_the_trajectory_counts_the_amendment_not_its_original(ccc, faculty_form):
    original = signed_assessment(ccc, faculty_form, D(2026, 9, 1), {"PC1": "4.5"})
    amendment = signed_assessment(ccc, faculty_form, D(2026, 9, 1), {"PC1": "3.0"}, amends=original)
    [pc1] = [
        row
        for row in milestone_trajectory(user=ccc.people.director, fellow=ccc.fellow)
        if row.code == "PC1"
    ]
    assert [(p.assessment_id, p.level) for p in pc1.ratings] == [(amendment.pk, 3.0)]
    assert not pc1.target_met


# --- CCC packet ----------------------------------------------------------------------------------


def build(ccc):
    return ccc_packet_build(user=ccc.people.director, review=ccc.review, subcompetencies=ccc.subs)


def test_the_packet_lists_self_and_multi_source_apart_from_faculty_ratings(ccc, faculty_form):
    signed_assessment(ccc, faculty_form, D(2026, 9, 1), {"PC1": "3.0"})
    self_assessment(ccc, D(2026, 10, 1), {"PC1": "5.0", "PC4": "5.0"})
    multi = template(ccc, Kind.MULTI_SOURCE, codes=("PC1",))
    signed_assessment(ccc, multi, D(2026, 10, 2), {"PC1": "4.5"}, narrative="Kind to patients.")

    packet = build(ccc)
    rows = {row["code"]: row for row in packet["subcompetencies"]}
    assert (rows["PC1"]["levels"], rows["PC1"]["mean"]) == (["3.0"], "3.00")
    assert rows["PC4"]["count"] == 0
    assert packet["assessment_count"] == 1
    assert [n["narrative"] for n in packet["narratives"]] == ["Careful and safe; work on consent."]
    [own] = packet["self_assessments"]
    assert own["ratings"] == [["PC1", "5.0"], ["PC4", "5.0"]]
    assert own["narrative"] == "I feel ready for more."
    [answer] = packet["multi_source"]
    faculty_name = member(ccc.people, Role.FACULTY).user.display_name
    assert answer["role"] == f"{faculty_name} ({multi.name})"
    assert (answer["submitted_on"], answer["ratings"]) == ("2026-10-02", [["PC1", "4.5"]])
    assert answer["narrative"] == "Kind to patients."


def test_the_packet_page_shows_them_under_their_own_headings(client, ccc, faculty_form):
    signed_assessment(ccc, faculty_form, D(2026, 9, 1), {"PC1": "3.0"})
    self_assessment(ccc, D(2026, 10, 1), {"PC1": "5.0"})
    multi = template(ccc, Kind.MULTI_SOURCE, codes=("PC1",))
    signed_assessment(ccc, multi, D(2026, 10, 2), {"PC1": "4.5"})
    client.force_login(ccc.people.director)
    url = reverse(
        "assessments:ccc_packet",
        kwargs={"program_id": ccc.people.program.pk, "review_id": ccc.review.pk},
    )
    response = client.get(url)
    assert [row["levels"] for row in response.context["rows"] if row["code"] == "PC1"] == [["3.0"]]
    page = response.content.decode()
    assert "From 1 signed assessment observed" in page
    own = page.split('id="self-heading"')[1].split("</section>")[0]
    assert "PC1: 5.0" in own
    multi_source = page.split('id="multi-source-heading"')[1].split("</section>")[0]
    assert "PC1: 4.5" in multi_source and multi.name in multi_source


def test_the_packet_counts_the_amendment_not_its_original(ccc, faculty_form):
    original = signed_assessment(ccc, faculty_form, D(2026, 9, 1), {"PC1": "1.0"})
    signed_assessment(ccc, faculty_form, D(2026, 9, 1), {"PC1": "3.5"}, amends=original)
    rows = {row["code"]: row for row in build(ccc)["subcompetencies"]}
    assert rows["PC1"]["levels"] == ["3.5"]


# --- Every page that counts, with an amended assessment -------------------------------------------
# One rule (``assessments.selectors.unscoped``): each page below counts the signed amendment in
# place of its original, never both.


@pytest.fixture
def amended(ccc, faculty_form):
    original = signed_assessment(
        ccc, faculty_form, D(2026, 9, 1), {"PC1": "1.0"}, narrative="First version."
    )
    amendment = signed_assessment(
        ccc,
        faculty_form,
        D(2026, 9, 1),
        {"PC1": "3.5"},
        amends=original,
        narrative="Corrected version.",
    )
    return original, amendment


def test_the_packet_number_and_narratives_count_the_amendment_once(ccc, amended):
    packet = build(ccc)
    assert packet["assessment_count"] == 1
    assert [n["assessment"] for n in packet["narratives"]] == [amended[1].pk]
    assert {row["code"]: row["count"] for row in packet["subcompetencies"]}["PC1"] == 1


def test_the_packet_page_says_one_signed_assessment(client, ccc, amended):
    client.force_login(ccc.people.director)
    page = client.get(
        reverse("assessments:ccc_packet", args=[ccc.people.program.pk, ccc.review.pk])
    ).content.decode()
    assert "From 1 signed assessment observed" in page
    assert "Corrected version." in page and "First version." not in page


def test_the_milestone_page_lists_the_amendment_not_its_original(client, ccc, amended):
    from assessments.selectors.trajectory import narratives_received

    assert [a.pk for a in narratives_received(user=ccc.people.director, fellow=ccc.fellow)] == [
        amended[1].pk
    ]
    client.force_login(ccc.people.director)
    page = client.get(
        reverse("assessments:fellow_milestones", args=[ccc.people.program.pk, ccc.fellow.pk])
    ).content.decode()
    assert "Corrected version." in page and "First version." not in page


def test_the_fellow_home_feedback_shows_the_amendment_not_its_original(ccc, amended):
    from dashboard.selectors import latest_feedback, latest_ratings

    assert [a.pk for a in latest_feedback(fellow=ccc.fellow)] == [amended[1].pk]
    cell = latest_ratings(fellow_ids=[ccc.fellow.pk])[ccc.fellow.pk][ccc.sub("PC1").pk]
    assert cell.level == 3.5
