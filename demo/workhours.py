"""The demo program's work hours: each demo fellow's logged year, a week template, and a few
findings to look at (one 4-week stretch over 80 h a week, one 30-hour call, one short rest),
one of them explained.

A fellow's usual week: weekdays clinical 07:00-17:00 (Thursday 07:00-15:00 then education
15:00-17:00); in-house call about every sixth weeknight (17:00 to 07:00 after a clinical day,
24 hours, then a 3-hour handover and the rest of that day off); a weekend call is taken from
home (3 hours of at-home call time spent working); weekends off otherwise: about 58 hours a
week. Shifts run from the start of the year (2026-07-01) to the end of the last complete week
before today; "today" only decides where the log stops.
"""

from __future__ import annotations

import datetime

from curriculum.models import Membership
from workhours.models import FindingExplanation, Kind, Shift, ShiftTemplate
from workhours.selectors import findings_for_shifts, local_moment, week_start_of

YEAR_START = datetime.date(2026, 7, 1)
T = datetime.time
DAY = datetime.timedelta(days=1)
H = datetime.timedelta(hours=1)
CALL_EVERY = 6  # nights
# The stretch of fellow 1's 86-hour weeks (Monday to Sunday, four weeks).
HEAVY_FROM, HEAVY_TO = datetime.date(2026, 9, 7), datetime.date(2026, 10, 5)
LONG_CALL_DAY = datetime.date(2026, 8, 13)  # fellow 2's call night (a Thursday): 30 hours
SHORT_REST_DAY = datetime.date(2026, 8, 25)  # fellow 3 moonlights to 01:00 before this day
TEMPLATE = [
    *((weekday, T(7), T(17), Kind.CLINICAL) for weekday in (0, 1, 2, 4)),
    (3, T(7), T(15), Kind.CLINICAL),
    (3, T(15), T(17), Kind.EDUCATION),
]
EXPLANATION = "Two emergency admissions at handover; the attending sent me home at 13:00."


def _weekday_shifts(day: datetime.date) -> list[tuple[datetime.date, datetime.time, float, str]]:
    if day.weekday() == 3:
        return [(day, T(7), 8, Kind.CLINICAL), (day, T(15), 2, Kind.EDUCATION)]
    return [(day, T(7), 10, Kind.CLINICAL)]


def _fellow_days(index: int, end: datetime.date):
    """(local day, local start time, hours, kind) of one fellow's year, by the pattern above."""
    rows = []
    post_call = False
    day = YEAR_START
    while day < end:
        weekend = day.weekday() >= 5
        on_call = (day - YEAR_START).days % CALL_EVERY == index % CALL_EVERY
        handover = 6 if index == 1 and day == LONG_CALL_DAY else 3
        if post_call:
            post_call = False  # the day after a call: handover only (added below), then off
        elif on_call and not weekend:
            rows += _weekday_shifts(day)
            rows.append((day, T(17), 14, Kind.IN_HOUSE_CALL))
            rows.append((day + DAY, T(7), handover, Kind.CLINICAL))
            post_call = True
        elif on_call:
            rows.append((day, T(9), 3, Kind.AT_HOME_CALL))  # weekend call from home
        elif not weekend:
            rows += _weekday_shifts(day)
            if index == 0 and HEAVY_FROM <= day < HEAVY_TO:
                rows.append((day, T(17), 6, Kind.MOONLIGHTING))  # to 23:00, 8 h before 07:00
        if index == 2 and day + DAY == SHORT_REST_DAY and not post_call:
            rows.append((day, T(17), 8, Kind.MOONLIGHTING))  # to 01:00; clinical at 07:00
        day += DAY
    return [row for row in rows if row[0] < end]


def fellow_year(zone, index: int, end: datetime.date):
    """UTC (start, end, kind) of demo fellow ``index``'s shifts up to the day before ``end``.
    Ends follow the wall clock too: a 07:00 to 07:00 call is 25 hours when the clocks go back."""

    def utc(moment: datetime.datetime) -> datetime.datetime:
        return moment.replace(tzinfo=zone).astimezone(datetime.UTC)

    shifts = []
    for day, at, hours, kind in _fellow_days(index, end):
        start = datetime.datetime.combine(day, at)
        shifts.append((utc(start), utc(start + hours * H), kind))
    return shifts


def demo_work_hours_seed(*, program) -> None:
    """Idempotent: runs on every ``seed_demo``; a fellow who has shifts is left alone."""
    end = week_start_of(program.today())
    fellows = list(
        Membership.objects.filter(
            program=program, role=Membership.Role.FELLOW, user__email__endswith="@demo.test"
        )
        .select_related("user")
        .order_by("user__email")
    )
    has_shifts = set(
        Shift.objects.filter(fellow__in=fellows).values_list("fellow_id", flat=True).distinct()
    )
    has_template = set(
        ShiftTemplate.objects.filter(fellow__in=fellows)
        .values_list("fellow_id", flat=True)
        .distinct()
    )
    shifts, templates = [], []
    for index, fellow in enumerate(fellows):
        if fellow.pk not in has_shifts:
            for start, end_at, kind in fellow_year(program.zone, index, end):
                shifts.append(
                    Shift(
                        program=program,
                        fellow=fellow,
                        start=start,
                        end=end_at,
                        kind=kind,
                        source=Shift.Source.LOGGED,
                        created_by=fellow.user,
                    )
                )
        if fellow.pk not in has_template:
            templates += [
                ShiftTemplate(
                    program=program,
                    fellow=fellow,
                    weekday=weekday,
                    start_time=start_time,
                    end_time=end_time,
                    kind=kind,
                )
                for weekday, start_time, end_time, kind in TEMPLATE
            ]
    Shift.objects.bulk_create(shifts, batch_size=2000)
    ShiftTemplate.objects.bulk_create(templates)
    if len(fellows) > 1:
        _explain_long_call(program, fellows[1])


def _explain_long_call(program, fellow) -> None:
    if FindingExplanation.objects.filter(fellow=fellow).exists():
        return
    low = local_moment(program, LONG_CALL_DAY, T(0))
    rows = Shift.objects.filter(fellow=fellow, start__gte=low, start__lt=low + 3 * DAY)
    for finding in findings_for_shifts(rows.values("fellow_id", "start", "end", "kind")):
        if finding.rule == "24+4":
            FindingExplanation.objects.create(
                program=program,
                fellow=fellow,
                rule=finding.rule,
                period_start=finding.period_start,
                period_end=finding.period_end,
                text=EXPLANATION,
            )
            return
