"""A fellow's self-assessment (or a multi-source answer) is never a faculty rating on the
director's heatmap, its export or the fellow home; a signed amendment counts in place of its
original there as everywhere else."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import Assessment, AssessmentTemplate
from dashboard.selectors import milestone_heatmap
from tests.assessments.factories import AssessmentTemplateFactory
from tests.conftest import assert_constant_queries
from tests.dashboard.factories import faculty_of, milestone_subs, signed_assessment
from tests.dashboard.test_views import rows_of
from tests.trainees.factories import EnrolmentFactory

Kind = AssessmentTemplate.Kind


@pytest.fixture
def subs(ours):
    return milestone_subs(ours.program)  # PC1, PC4, MK1


@pytest.fixture
def fellow(enrolment):
    return enrolment.membership


@pytest.fixture
def faculty(ours):
    return faculty_of(ours.program)


def form(subs, kind):
    return AssessmentTemplateFactory(
        program=subs[0].milestone_set.program, milestone_set=subs[0].milestone_set, kind=kind
    )


def day(n: int) -> datetime.date:
    return datetime.date(2026, 9, n)


def faculty_ratings(fellow, faculty, subs):
    signed_assessment(
        fellow,
        faculty,
        observed_on=day(1),
        ratings={subs[0]: Decimal("3.0"), subs[1]: Decimal("2.5")},
        template=form(subs, Kind.DIRECT_OBSERVATION),
    )


def self_and_multi_source(fellow, faculty, subs):
    """A signed self-assessment at 5.0 everywhere (the fellow is their own assessor) and a
    multi-source form at 5.0, both newer than any faculty rating."""
    own = signed_assessment(
        fellow,
        fellow,
        observed_on=day(20),
        ratings={sub: Decimal("5.0") for sub in subs},
        template=form(subs, Kind.SELF),
        narrative="I am ready.",
    )
    signed_assessment(
        fellow,
        faculty,
        observed_on=day(21),
        ratings={sub: Decimal("5.0") for sub in subs},
        template=form(subs, Kind.MULTI_SOURCE),
    )
    return own


def dashboard_url(ours, enrolment) -> str:
    url = reverse("dashboard:cohort_dashboard", kwargs={"program_id": ours.program.pk})
    return f"{url}?cohort={enrolment.cohort_id}"


def cells_of(response, fellow):
    [row] = [row for row in response.context["heatmap"] if row.fellow.pk == fellow.pk]
    return [(cell.level, cell.source) for cell in row.cells]


EXPECTED = [(3.0, "rating"), (2.5, "rating"), (None, "")]


def test_a_self_assessment_does_not_change_the_directors_heatmap(
    client, ours, enrolment, fellow, faculty, subs
):
    faculty_ratings(fellow, faculty, subs)
    client.force_login(ours.director)
    before = client.get(dashboard_url(ours, enrolment))
    assert cells_of(before, fellow) == EXPECTED
    self_and_multi_source(fellow, faculty, subs)
    after = client.get(dashboard_url(ours, enrolment))
    assert cells_of(after, fellow) == EXPECTED
    assert "5.0<span" not in after.content.decode()
    assert [
        (c.level, c.source)
        for c in milestone_heatmap(fellows=[fellow], subcompetencies=subs)[0].cells
    ] == EXPECTED


def test_the_heatmap_export_leaves_them_out_too(client, ours, enrolment, fellow, faculty, subs):
    faculty_ratings(fellow, faculty, subs)
    self_and_multi_source(fellow, faculty, subs)
    client.force_login(ours.director)
    url = reverse(
        "dashboard:panel_export", kwargs={"program_id": ours.program.pk, "panel": "heatmap"}
    )
    rows = rows_of(client.get(f"{url}?cohort={enrolment.cohort_id}"))
    line = next(row for row in rows if row[1] == fellow.user.email)
    assert line[2:8] == ["3.0", "2.5", "", "rating", "rating", ""]


def test_the_fellow_home_shows_the_faculty_rating_not_their_own(
    client, ours, enrolment, fellow, faculty, subs
):
    faculty_ratings(fellow, faculty, subs)
    self_and_multi_source(fellow, faculty, subs)
    client.force_login(fellow.user)
    response = client.get(reverse("dashboard:my_progress", kwargs={"program_id": ours.program.pk}))
    levels = [(row.code, row.rating.level) for row in response.context["levels"]]
    assert levels == [("PC1", 3.0), ("PC4", 2.5)]
    # Their own words are still theirs to read, under their own name and form.
    assert "I am ready." in response.content.decode()


def test_the_heatmap_counts_the_amendment_not_its_original(ours, fellow, faculty, subs):
    template = form(subs, Kind.END_OF_ROTATION)
    original = signed_assessment(
        fellow, faculty, observed_on=day(1), ratings={subs[0]: "4.5"}, template=template
    )
    amendment = signed_assessment(
        fellow, faculty, observed_on=day(1), ratings={subs[0]: "3.0"}, template=template
    )
    Assessment.objects.filter(pk=amendment.pk).update(amends=original)
    still_counted = signed_assessment(
        fellow, faculty, observed_on=day(2), ratings={subs[1]: "3.5"}, template=template
    )
    draft = signed_assessment(
        fellow, faculty, observed_on=day(2), ratings={subs[1]: "5.0"}, template=template
    )
    Assessment.objects.filter(pk=draft.pk).update(
        amends=still_counted, status=Assessment.Status.DRAFT, signed_at=None
    )
    [row] = milestone_heatmap(fellows=[fellow], subcompetencies=subs)
    assert [(c.level, c.source) for c in row.cells] == [
        (3.0, "rating"),  # the signed amendment, not the 4.5 it corrects
        (3.5, "rating"),  # a draft amendment replaces nothing
        (None, ""),
    ]


def test_heatmap_queries_do_not_grow_with_fellows_or_their_self_assessments(
    client, ours, enrolment, fellow, faculty, subs, django_assert_num_queries
):
    faculty_ratings(fellow, faculty, subs)
    client.force_login(ours.director)
    url = dashboard_url(ours, enrolment)
    client.get(url)  # warm the session and the caches
    fellows = [fellow]

    def add_fellows(n):
        for _ in range(n):
            other = EnrolmentFactory(cohort=enrolment.cohort, membership__program=ours.program)
            fellows.append(other.membership)
        if n:
            for member in fellows:
                self_and_multi_source(member, faculty, subs)

    responses = []
    dashboard = lambda: responses.append(client.get(url))  # noqa: E731
    assert_constant_queries(dashboard, add_fellows, sizes=(0, 5))
    assert len(responses[-1].context["heatmap"]) == 6
    with django_assert_num_queries(2):  # CCC levels, then the counted ratings
        rows = milestone_heatmap(fellows=fellows, subcompetencies=subs)
    assert all(cell.level != 5.0 for row in rows for cell in row.cells)
