"""The program's compliance view (fellows x weeks, trend, findings) and compliance_summary."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from tests.conftest import assert_constant_queries
from tests.trainees.factories import AcademicYearFactory, CohortFactory, EnrolmentFactory
from workhours.program_selectors import (
    COMPLIANT,
    OUTSIDE,
    THIS_WEEK,
    UNLOGGED,
    VIOLATION,
    WARNING,
    compliance,
    compliance_summary,
)
from workhours.selectors import week_start_of

from .factories import FindingExplanationFactory, ShiftFactory

NY = zoneinfo.ZoneInfo("America/New_York")
# A year that is over whatever the clock says, so nothing depends on today.
YEAR_START, YEAR_END = datetime.date(2024, 7, 1), datetime.date(2025, 6, 30)
MONDAY = datetime.date(2024, 9, 2)  # the ninth week of the year


def at(day: datetime.date, hour: float) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=NY) + datetime.timedelta(
        hours=hour
    )


@pytest.fixture
def year(ours):
    return AcademicYearFactory(program=ours.program, start_date=YEAR_START, end_date=YEAR_END)


@pytest.fixture
def cohort(ours, year):
    return CohortFactory(program=ours.program, academic_year=year)


def enrol(cohort, name: str):
    return EnrolmentFactory(cohort=cohort, membership__user__full_name=name).membership


def shift(fellow, day: datetime.date, hour: float, length: float, kind="clinical"):
    return ShiftFactory(
        program=fellow.program,
        fellow=fellow,
        start=at(day, hour),
        end=at(day, hour + length),
        kind=kind,
    )


@pytest.fixture
def world(cohort):
    """Ann: a compliant week; Ben: a 30-hour shift (24+4); Cy: a 6-hour rest (8h-rest warning);
    Di: nothing logged."""
    ann, ben, cy, di = (enrol(cohort, n) for n in ("Ann", "Ben", "Cy", "Di"))
    for offset in range(5):
        shift(ann, MONDAY + datetime.timedelta(days=offset), 7, 10)
    shift(ben, MONDAY, 7, 30)
    shift(cy, MONDAY, 7, 10)
    shift(cy, MONDAY, 23, 8)
    return {"ann": ann, "ben": ben, "cy": cy, "di": di}


def _week(result, fellow, monday=MONDAY):
    row = next(f for f in result.fellows if f.membership_id == fellow.pk)
    return next(c for c in row.cells if c.monday == monday)


def test_grid_marks_each_week(ours, world):
    result = compliance(program=ours.program, first=YEAR_START, last=YEAR_END)
    assert [f.name for f in result.fellows] == ["Ann", "Ben", "Cy", "Di"]
    assert result.mondays[0] == datetime.date(2024, 7, 1) and len(result.mondays) == 53
    ann = _week(result, world["ann"])
    assert (ann.hours, ann.status) == (50, COMPLIANT)
    assert _week(result, world["ben"]).status == VIOLATION
    assert (_week(result, world["cy"]).status, _week(result, world["cy"]).hours) == (WARNING, 18)
    assert _week(result, world["di"]).status == UNLOGGED
    assert _week(result, world["ann"], MONDAY + datetime.timedelta(days=7)).status == UNLOGGED


def test_hours_split_at_the_week_edge_in_the_program_zone(ours, cohort):
    fellow = enrol(cohort, "Ed")
    shift(fellow, MONDAY - datetime.timedelta(days=1), 20, 8)  # Sunday 20:00 to Monday 04:00
    result = compliance(program=ours.program, first=YEAR_START, last=YEAR_END)
    before = _week(result, fellow, MONDAY - datetime.timedelta(days=7))
    assert (before.hours, _week(result, fellow).hours) == (4, 4)


def test_weeks_outside_the_enrolment_are_not_counted(ours, year):
    cohort = CohortFactory(program=ours.program, academic_year=year)
    late = EnrolmentFactory(cohort=cohort, start_date=datetime.date(2025, 1, 6)).membership
    result = compliance(program=ours.program, first=YEAR_START, last=YEAR_END)
    assert _week(result, late).status == OUTSIDE
    assert _week(result, late, datetime.date(2025, 1, 6)).status == UNLOGGED


def test_trend_counts_violations_and_compliant_weeks(ours, world):
    result = compliance(program=ours.program, first=MONDAY, last=MONDAY + datetime.timedelta(27))
    (block,) = result.trend()
    assert block.violations == 1
    # 4 fellows x 4 weeks; Ann's and Cy's first weeks are compliant (a warning still is).
    assert (block.fellow_weeks, block.compliant_weeks, block.compliance_rate) == (16, 2, 12)


def test_summary_for_the_program_evaluation(ours, world):
    FindingExplanationFactory(
        program=ours.program,
        fellow=world["cy"],
        rule="8h-rest",
        period_start=at(MONDAY, 17),
        period_end=at(MONDAY, 23),
    )
    summary = compliance_summary(
        program=ours.program, start=MONDAY, end=MONDAY + datetime.timedelta(days=6)
    )
    assert summary == {
        "fellows": 4,
        "fellow_weeks": 4,
        "logged_weeks": 3,
        "compliant_weeks": 2,
        "compliance_rate": 67,  # of the weeks logged
        "violations": [{"rule": "24+4", "label": "At most 24 + 4 hours continuous", "count": 1}],
        "warnings": 1,
        "explained": 1,
    }


def test_summary_without_fellows(ours):
    summary = compliance_summary(program=ours.program, start=YEAR_START, end=YEAR_END)
    assert summary["fellows"] == 0 and summary["compliance_rate"] is None


def _url(people, **query):
    url = reverse("workhours:program_compliance", kwargs={"program_id": people.program.pk})
    return url, query


def test_page_shows_grid_trend_and_findings_with_explanations(client, ours, year, world):
    FindingExplanationFactory(
        program=ours.program,
        fellow=world["cy"],
        rule="8h-rest",
        period_start=at(MONDAY, 17),
        period_end=at(MONDAY, 23),
        text="The list overran.",
    )
    client.force_login(ours.coordinator)
    url, query = _url(ours, year=year.pk)
    page = client.get(url, query)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-status="violation"' in text and 'data-status="warning"' in text
    assert "continuous period of 30 h" in text and "The list overran." in text
    week_url = reverse(
        "workhours:fellow_week",
        kwargs={"program_id": ours.program.pk, "membership_id": world["ben"].pk},
    )
    assert f"{week_url}?week=2024-09-02" in text
    assert page.context["findings_count"] == 2


def test_page_filters_findings_by_fellow_and_rule(client, ours, year, world):
    client.force_login(ours.director)
    url, query = _url(ours, year=year.pk, fellow=world["ben"].pk)
    page = client.get(url, query)
    assert [row.finding.rule for row in page.context["findings_page"]] == ["24+4"]
    url, query = _url(ours, year=year.pk, rule="8h-rest")
    page = client.get(url, query)
    assert [row.fellow.name for row in page.context["findings_page"]] == ["Cy"]


def test_page_defaults_to_the_last_12_weeks(client, ours, cohort):
    client.force_login(ours.coordinator)
    url, _ = _url(ours)
    page = client.get(url)
    assert page.status_code == 200
    assert len(page.context["result"].mondays) == 12
    assert page.context["result"].last_day == ours.program.today()


def test_page_queries_do_not_grow_with_fellows_or_shifts(client, ours, year, cohort):
    client.force_login(ours.coordinator)
    url, query = _url(ours, year=year.pk)

    def grow(n):
        for index in range(n):
            fellow = enrol(cohort, f"Fellow {index}")
            FindingExplanationFactory(
                program=ours.program,
                fellow=fellow,
                rule="24+4",
                period_start=at(MONDAY, 7),
                period_end=at(MONDAY, 37),
            )
            shift(fellow, MONDAY, 7, 30)
            for offset in range(1, 6):
                shift(fellow, MONDAY + datetime.timedelta(days=offset), 12, 10)

    assert_constant_queries(lambda: client.get(url, query), grow, sizes=(1, 5))


def test_summary_counts_only_fellows_enrolled_in_the_period(ours, year):
    """A fellow whose enrolment ended on the Sunday before: not in a summary from Monday."""
    cohort = CohortFactory(program=ours.program, academic_year=year)
    EnrolmentFactory(cohort=cohort, end_date=MONDAY - datetime.timedelta(days=1))
    EnrolmentFactory(cohort=cohort, end_date=MONDAY + datetime.timedelta(days=1))
    # 3 September (a Tuesday) to the end of the year: the first week is a partial one.
    summary = compliance_summary(
        program=ours.program, start=MONDAY + datetime.timedelta(days=1), end=YEAR_END
    )
    assert (summary["fellows"], summary["fellow_weeks"]) == (1, 1)


def test_the_running_week_is_neither_logged_nor_missed_and_counts_in_no_rate(ours):
    """Monday morning, nothing logged yet this week: not "not logged", and out of the rates."""
    today = ours.program.today()
    year = AcademicYearFactory(
        program=ours.program,
        start_date=today - datetime.timedelta(days=200),
        end_date=today + datetime.timedelta(days=160),
    )
    fellow = EnrolmentFactory(
        cohort=CohortFactory(program=ours.program, academic_year=year)
    ).membership
    last_monday = week_start_of(today) - datetime.timedelta(days=7)
    shift(fellow, last_monday, 7, 10)
    result = compliance(program=ours.program, first=last_monday, last=today)
    assert _week(result, fellow, last_monday).status == COMPLIANT
    assert _week(result, fellow, week_start_of(today)).status == THIS_WEEK
    (block,) = result.trend()
    assert (block.fellow_weeks, block.compliant_weeks) == (1, 1)
    summary = compliance_summary(program=ours.program, start=last_monday, end=today)
    assert (summary["fellow_weeks"], summary["compliance_rate"]) == (1, 100)
