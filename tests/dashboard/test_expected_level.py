"""The level expected at a review period and the cohort heatmap's bands against it: the defaults
by kind, the program's own level on the period form, which period a dashboard compares with,
the fallback to the graduation target, the December example, and the procedure progress bar."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from assessments.models import (
    GRADUATION_TARGET,
    MIDYEAR_EXPECTED_LEVEL,
    YEAR_END_EXPECTED_LEVEL,
    ReviewPeriod,
)
from assessments.services.ccc import review_period_update, review_periods_create
from audit.models import AuditEvent
from dashboard.selectors import GRADUATION, HeatCell, expected_level, expected_period
from tests.conftest import page_ok
from tests.dashboard.factories import faculty_of, milestone_subs, signed_assessment
from tests.procedures.factories import ProcedureLogEntryFactory, ProcedureTargetFactory
from tests.trainees.factories import AcademicYearFactory, CohortFactory, EnrolmentFactory

D = datetime.date
# Noon in the Americas, the same day in UTC: the program's "today" is December 15.
DECEMBER_15 = datetime.datetime(2026, 12, 15, 18, 0, tzinfo=datetime.UTC)


@pytest.fixture
def year(ours):
    return AcademicYearFactory(
        program=ours.program, start_date=D(2026, 7, 1), end_date=D(2027, 6, 30)
    )


@pytest.fixture
def periods(ours, year):
    midyear, year_end = review_periods_create(actor=ours.director, academic_year=year)
    return midyear, year_end


def dashboard_url(program) -> str:
    return f"/programs/{program.pk}/dashboard/"


# --- ReviewPeriod.expected -----------------------------------------------------------------------


def test_defaults_by_kind_and_the_programs_own_level(periods):
    midyear, year_end = periods
    assert Decimal("2.5") == MIDYEAR_EXPECTED_LEVEL
    assert YEAR_END_EXPECTED_LEVEL == GRADUATION_TARGET
    assert (midyear.expected, year_end.expected) == (Decimal("2.5"), Decimal("4.0"))
    midyear.expected_level = Decimal("2.0")
    assert midyear.expected == Decimal("2.0")


def test_the_period_form_sets_and_clears_the_expected_level_audited(client, ours, periods):
    midyear, _ = periods
    client.force_login(ours.coordinator)
    edit = f"/programs/{ours.program.pk}/ccc/periods/{midyear.pk}/edit/"
    assert "Expected level at this review" in page_ok(client, edit).content.decode()
    data = {"starts_on": "2026-07-01", "ends_on": "2026-12-31", "meeting_date": ""}
    assert client.post(edit, {**data, "expected_level": "3.0"}).status_code == 302
    midyear.refresh_from_db()
    assert (midyear.expected_level, midyear.expected) == (Decimal("3.0"), Decimal("3.0"))
    event = AuditEvent.objects.get(action="review_period.update")
    assert event.changes == {"expected_level": [None, "3.0"]}
    # The form shows the saved value; empty means the default again.
    form = page_ok(client, edit).context["form"]
    assert form["expected_level"].value() == "3.0"
    assert client.post(edit, {**data, "expected_level": ""}).status_code == 302
    midyear.refresh_from_db()
    assert (midyear.expected_level, midyear.expected) == (None, Decimal("2.5"))


@pytest.mark.parametrize("value", ["2.25", "0.5", "5.5", "abc"])
def test_the_form_refuses_anything_but_a_half_level(client, ours, periods, value):
    midyear, _ = periods
    client.force_login(ours.director)
    edit = f"/programs/{ours.program.pk}/ccc/periods/{midyear.pk}/edit/"
    response = client.post(
        edit,
        {
            "starts_on": "2026-07-01",
            "ends_on": "2026-12-31",
            "meeting_date": "",
            "expected_level": value,
        },
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    midyear.refresh_from_db()
    assert midyear.expected_level is None


def test_the_service_validates_and_keeps_the_level_when_not_given(ours, periods):
    midyear, _ = periods
    dates = {"starts_on": midyear.starts_on, "ends_on": midyear.ends_on, "meeting_date": None}
    with pytest.raises(ValidationError) as excinfo:
        review_period_update(
            actor=ours.director, period=midyear, expected_level=Decimal("2.25"), **dates
        )
    assert "expected_level" in excinfo.value.message_dict
    review_period_update(
        actor=ours.director, period=midyear, expected_level=Decimal("2.0"), **dates
    )
    review_period_update(actor=ours.director, period=midyear, **dates)  # dates only
    midyear.refresh_from_db()
    assert midyear.expected_level == Decimal("2.0")


# --- Which period, and the bands -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "kind"),
    [
        (D(2026, 12, 15), "midyear"),  # under way
        (D(2027, 3, 1), "year_end"),  # under way
        (D(2027, 7, 10), "year_end"),  # after the year: the most recently ended
        (D(2026, 6, 1), "midyear"),  # before the year: the next one
    ],
)
def test_the_period_compared_with(year, periods, today, kind):
    assert expected_period(academic_year_id=year.pk, today=today).kind == kind


def test_the_most_recently_ended_period_between_two(ours, year, periods):
    midyear, _ = periods
    ReviewPeriod.objects.filter(pk=midyear.pk).update(ends_on=D(2026, 11, 30))
    found = expected_level(academic_year_id=year.pk, today=D(2026, 12, 15))
    assert (found.period.pk, found.level) == (midyear.pk, 2.5)


def test_without_a_period_the_graduation_target(year):
    assert expected_level(academic_year_id=year.pk, today=D(2026, 12, 15)) == GRADUATION
    assert expected_level(academic_year_id=None, today=D(2026, 12, 15)) == GRADUATION
    assert GRADUATION.level == 4.0 and GRADUATION.period is None


@pytest.mark.parametrize(
    ("level", "expected", "band"),
    [
        (2.5, 2.5, "met"),
        (3.0, 2.5, "met"),
        (2.0, 2.5, "near"),
        (1.5, 2.5, "near"),  # exactly one level below is still near
        (1.0, 2.5, "below"),
        (2.5, 4.0, "below"),  # the same level against the graduation target
        (3.0, 4.0, "near"),
        (None, 2.5, "none"),
    ],
)
def test_bands_against_the_expected_level(level, expected, band):
    cell = HeatCell(level=level, source="rating" if level else "", expected=expected)
    assert cell.band == band
    if level is not None:  # the band is in words, not colour alone
        words = {"met": "on track", "near": "near", "below": "below expected"}[band]
        assert f", {words}</span>" in cell.html


@pytest.fixture
def december(ours, year, periods):
    """A fellow rated 2.5 / 2.0 / 1.0 on three subcompetencies in the mid-year period."""
    cohort = CohortFactory(program=ours.program, academic_year=year)
    fellow = EnrolmentFactory(cohort=cohort, membership__program=ours.program).membership
    subs = milestone_subs(ours.program)
    levels = dict(zip(subs, (Decimal("2.5"), Decimal("2.0"), Decimal("1.0")), strict=True))
    signed_assessment(fellow, faculty_of(ours.program), observed_on=D(2026, 11, 2), ratings=levels)
    return fellow


def test_december_example_where_25_is_on_track(client, ours, december, periods):
    with time_machine.travel(DECEMBER_15):
        client.force_login(ours.director)  # a session of that day
        response = page_ok(client, dashboard_url(ours.program))
    assert response.context["expected"].period.pk == periods[0].pk
    [row] = response.context["heatmap"]
    assert [cell.band for cell in row.cells] == ["met", "near", "below"]
    assert row.met_count == 1
    page = response.content.decode()
    assert f"Expected at {periods[0]}: 2.5" in page
    assert "On track" in page


def test_the_programs_level_on_the_period_moves_the_bands(client, ours, december, periods):
    ReviewPeriod.objects.filter(pk=periods[0].pk).update(expected_level=Decimal("2.0"))
    with time_machine.travel(DECEMBER_15):
        client.force_login(ours.director)  # a session of that day
        response = page_ok(client, dashboard_url(ours.program))
    [row] = response.context["heatmap"]
    assert [cell.band for cell in row.cells] == ["met", "met", "near"]
    assert ": 2.0" in response.content.decode()


def test_without_a_period_the_dashboard_compares_with_graduation(client, ours, december, periods):
    ReviewPeriod.objects.all().delete()
    with time_machine.travel(DECEMBER_15):
        client.force_login(ours.director)  # a session of that day
        response = page_ok(client, dashboard_url(ours.program))
    [row] = response.context["heatmap"]
    assert [cell.band for cell in row.cells] == ["below", "below", "below"]
    assert "compared with the level-4 graduation target" in response.content.decode()


# --- Procedure progress: one bar per fellow ------------------------------------------------------


def test_procedure_progress_is_one_bar_per_fellow(client, ours, december):
    done = ProcedureTargetFactory(program=ours.program, minimum=1)
    half = ProcedureTargetFactory(program=ours.program, minimum=4)
    for target, count in ((done, 3), (half, 2)):  # 3 of 1: counts as 1, so 3 of 5 required
        for _ in range(count):
            ProcedureLogEntryFactory(
                program=ours.program,
                fellow=december,
                procedure_type=target.procedure_type,
                status="verified",
                verified_at="2026-10-02T10:00:00Z",
            )
    with time_machine.travel(DECEMBER_15):
        client.force_login(ours.director)  # a session of that day
        response = page_ok(client, dashboard_url(ours.program))
    [(_, bar)] = response.context["progress"]
    assert (bar.met, bar.targets, bar.done, bar.required, bar.percent) == (1, 2, 3, 5, 60)
    page = response.content.decode()
    assert '<progress class="w-100 d-block" value="60" max="100"' in page
    assert "1 of 2 targets met · 60% of required counts" in page
    assert "Furthest behind" not in page
