"""Reads of work hours: a fellow's shifts and week, and the findings the rules give for them.

Weeks run Monday to Sunday on the program's clock (``week_bounds``). Findings are computed by
``workhours.rules.check`` every time, never stored; ``findings_for_shifts`` is the one place that
turns stored shifts into the engine's shifts (person = ``str(fellow_id)``), so the program-wide
pages compute exactly what the fellow sees.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import QuerySet

from curriculum.models import Membership, Program

from . import rules
from .models import FindingExplanation, Kind, Shift, ShiftTemplate
from .permissions import READER_ROLES

Role = Membership.Role
WEEK = datetime.timedelta(days=7)


def week_start_of(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def local_moment(program: Program, day: datetime.date, at: datetime.time) -> datetime.datetime:
    """``day`` at wall-clock time ``at`` in the program's zone, as UTC. A time that the clock
    skips (spring forward) or repeats (fall back) resolves as ``zoneinfo`` does (fold 0)."""
    return datetime.datetime.combine(day, at, tzinfo=program.zone).astimezone(datetime.UTC)


def day_start(program: Program, day: datetime.date) -> datetime.datetime:
    """Midnight starting ``day`` on the program's clock, in UTC."""
    return local_moment(program, day, datetime.time(0))


def week_bounds(program: Program, week_start: datetime.date):
    """UTC [start, end) of the week that begins on Monday ``week_start`` in the program's zone
    (167 or 169 hours long in a week where the clocks change)."""
    return day_start(program, week_start), day_start(program, week_start + WEEK)


def viewable_fellows(*, user, program: Program) -> QuerySet[Membership]:
    """The fellow memberships of ``program`` whose hours ``user`` may read: all of them for the
    director and coordinator, their own for a fellow, none otherwise."""
    fellows = Membership.objects.filter(program=program, role=Role.FELLOW).select_related("user")
    if Membership.objects.filter(
        user=user, program=program, role__in=READER_ROLES, is_active=True
    ).exists():
        return fellows
    return fellows.filter(user=user, is_active=True)


def own_fellowship(*, user, program: Program) -> Membership | None:
    """``user``'s active fellow membership in ``program``, if any."""
    return (
        Membership.objects.filter(user=user, program=program, role=Role.FELLOW, is_active=True)
        .select_related("user", "program")
        .first()
    )


def fellow_shifts(
    *,
    user,
    fellow: Membership,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
) -> QuerySet[Shift]:
    """``fellow``'s shifts that ``user`` may see, overlapping [start, end) when given."""
    shifts = Shift.objects.filter(
        fellow=fellow, fellow__in=viewable_fellows(user=user, program=fellow.program)
    )
    if start is not None:
        shifts = shifts.filter(end__gt=start)
    if end is not None:
        shifts = shifts.filter(start__lt=end)
    return shifts.order_by("start", "end")


def shift_templates(*, fellow: Membership) -> QuerySet[ShiftTemplate]:
    return ShiftTemplate.objects.filter(fellow=fellow).order_by("weekday", "start_time")


def _as_rule_shift(shift) -> rules.Shift:
    if isinstance(shift, Mapping):
        return rules.Shift(str(shift["fellow_id"]), shift["start"], shift["end"], shift["kind"])
    return rules.Shift(str(shift.fellow_id), shift.start, shift.end, shift.kind)


def findings_for_shifts(shifts: Iterable[Shift | Mapping]) -> list[rules.Finding]:
    """The rule engine's findings for stored shifts (models, or ``values()`` rows with
    ``fellow_id``, ``start``, ``end``, ``kind``); each finding's person is ``str(fellow_id)``."""
    return rules.check(_as_rule_shift(shift) for shift in shifts)


@dataclass
class ShownFinding:
    """A finding with the fellow's explanation of it (or None)."""

    finding: rules.Finding
    explanation: FindingExplanation | None

    @property
    def is_violation(self) -> bool:
        return self.finding.severity == rules.VIOLATION


def explanations_by_key(fellow_ids) -> dict[tuple[int, str, datetime.datetime], FindingExplanation]:
    """Explanations keyed by (fellow id, rule, period start): how a finding finds its own."""
    return {
        (e.fellow_id, e.rule, e.period_start): e
        for e in FindingExplanation.objects.filter(fellow_id__in=list(fellow_ids))
    }


def fellow_findings(
    *, fellow: Membership, start: datetime.datetime, end: datetime.datetime
) -> list[ShownFinding]:
    """Findings of ``fellow`` whose period overlaps [start, end), with explanations.

    Shifts from 28 days before ``start`` to 28 days after ``end`` are read, so every four-week
    window touching the range is complete. Two queries.
    """
    shifts = Shift.objects.filter(
        fellow=fellow, end__gt=start - rules.WINDOW, start__lt=end + rules.WINDOW
    ).values("fellow_id", "start", "end", "kind")
    found = [
        f for f in findings_for_shifts(shifts) if f.period_start < end and f.period_end > start
    ]
    if not found:
        return []
    explained = explanations_by_key([fellow.pk])
    return [ShownFinding(f, explained.get((fellow.pk, f.rule, f.period_start))) for f in found]


@dataclass
class Day:
    date: datetime.date
    shifts: list[Shift] = field(default_factory=list)

    @property
    def hours(self) -> float:
        worked = sum((s.duration for s in self.shifts), datetime.timedelta(0))
        return worked / datetime.timedelta(hours=1)


@dataclass
class WeekSummary:
    """A fellow's week: its days (Monday first) with the shifts that start on them, and the
    hours per kind and in total. A shift counts whole on the day it starts (a night call that
    starts Sunday counts in this week), so the totals add up to what the fellow logged."""

    week_start: datetime.date
    days: list[Day]
    by_kind: list[tuple[str, float]]

    @property
    def total(self) -> float:
        return sum(day.hours for day in self.days)

    @property
    def shift_count(self) -> int:
        return sum(len(day.shifts) for day in self.days)


def week_summary(*, fellow: Membership, week_start: datetime.date, shifts=None) -> WeekSummary:
    """The week from Monday ``week_start``; ``shifts`` may be passed in (already read), else one
    query reads the shifts starting in the week."""
    program = fellow.program
    low, high = week_bounds(program, week_start)
    if shifts is None:
        shifts = Shift.objects.filter(fellow=fellow, start__gte=low, start__lt=high)
    days = [Day(week_start + datetime.timedelta(days=n)) for n in range(7)]
    totals = dict.fromkeys(Kind.values, datetime.timedelta(0))
    for shift in sorted(shifts, key=lambda s: (s.start, s.end)):
        if not low <= shift.start < high:
            continue
        local_day = program.localtime(shift.start).date()
        days[(local_day - week_start).days].shifts.append(shift)
        totals[shift.kind] += shift.duration
    hour = datetime.timedelta(hours=1)
    by_kind = [(Kind(kind).label, span / hour) for kind, span in totals.items() if span]
    return WeekSummary(week_start=week_start, days=days, by_kind=by_kind)


def last_kind(*, fellow: Membership) -> str:
    """The kind of the fellow's most recently logged shift (the add form's default)."""
    latest = Shift.objects.filter(fellow=fellow).order_by("-created_at", "-pk").first()
    return latest.kind if latest else Kind.CLINICAL


@dataclass(frozen=True)
class HomeWeeks:
    """The fellow home's work-hours card: this week and last so far, and the last four weeks'
    violations (warnings are left to the week page)."""

    this_week: float
    last_week: float
    last_week_logged: bool
    recent_violations: int
    week_start: datetime.date


def home_week_summary(*, fellow: Membership) -> HomeWeeks:
    """One query: the shifts of the last eight weeks, enough for every four-week window that
    touches the last four (``rules.WINDOW``)."""
    program = fellow.program
    this_monday = week_start_of(program.today())
    low, high = (
        week_bounds(program, this_monday - 8 * WEEK)[0],
        week_bounds(program, this_monday)[1],
    )
    shifts = list(
        Shift.objects.filter(fellow=fellow, start__gte=low, start__lt=high).values(
            "fellow_id", "start", "end", "kind"
        )
    )
    this_low, this_high = week_bounds(program, this_monday)
    last_low = week_bounds(program, this_monday - WEEK)[0]
    hour = datetime.timedelta(hours=1)

    def hours(start, end) -> float:
        return sum(
            ((s["end"] - s["start"]) / hour for s in shifts if start <= s["start"] < end), 0.0
        )

    recent_low = week_bounds(program, this_monday - 4 * WEEK)[0]
    violations = [
        f
        for f in findings_for_shifts(shifts)
        if f.severity == rules.VIOLATION and f.period_end > recent_low
    ]
    return HomeWeeks(
        this_week=hours(this_low, this_high),
        last_week=hours(last_low, this_low),
        last_week_logged=any(last_low <= s["start"] < this_low for s in shifts),
        recent_violations=len(violations),
        week_start=this_monday,
    )
