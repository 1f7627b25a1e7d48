"""The work-hour rules, as pure functions over shifts (no database, no Django).

Source: ACGME Common Program Requirements, section VI.F (Clinical Experience and Education:
clinical and educational work hours; numbering as in the 2023 edition). Each rule has a
stable code:

- ``80h-4wk`` (VI.F.1): at most 80 hours a week, averaged over four weeks: more than 320 hours
  in a 28-day window is a violation. Every kind of shift counts, moonlighting and at-home call
  time spent working included.
- ``1in7-4wk`` (VI.F.2.d): one day in seven free of clinical work and education, averaged over
  four weeks: fewer than 4 free days in a 28-day window is a violation.
- ``24+4`` (VI.F.3): no continuous period over 24 hours plus up to 4 hours for transitions: a
  continuous period longer than 28 hours is a violation (exactly 28 hours is compliant).
- ``14h-after-24`` (VI.F.2.c): at least 14 hours free after 24 hours of in-house call: a
  continuous period holding at least 24 hours of in-house call must be followed by at least
  14 hours without work.
- ``8h-rest`` (VI.F.2.b): residents *should* have 8 hours off between periods: a gap under 8
  hours is a warning, not a violation.
- ``q3-call`` (VI.F.7): in-house call no more often than every third night, averaged over four
  weeks: more than 10 in-house calls beginning in a 28-day window is a violation (a strict
  every-third-night schedule has 10 calls in a window that opens on a call night, ⌈28/3⌉).

How the engine reads the shifts (``docs/work-hours.md`` says the same at more length):

- **Time.** Every instant is compared in UTC, so daylight-saving changes never add or lose an
  hour; nothing depends on calendar days, weeks or a time zone.
- **Continuous periods.** A person's shifts that overlap or touch (one ends exactly when the
  next starts), of any kind, merge into one continuous period. Gaps between periods are rest.
- **Four-week windows.** Rolling 28-day windows anchored to the shifts themselves: for each
  person, one window ``[t, t + 28 days)`` opens at the start ``t`` of each of their shifts
  (equal starts give one window). A window's hours are the worked time inside it (a shift
  crossing its edge counts only the part inside). The busiest 28-day stretch always opens at
  the start of some continuous period, so these windows find the true maximum of hours over
  *every* 28-day window, and adding hours can never lower it. Because the windows move with the
  shifts, shifting all shifts by a constant shifts the findings by the same constant and
  changes nothing else. Overlapping windows that break one rule are reported as one finding
  whose period is the union of those windows; its detail gives the worst window.
- **Days free.** A day free is a 24-hour period without work: inside a window, each gap
  between periods (and between the window's edges and the first and last period) gives
  ``floor(gap / 24 h)`` days free. Time with no shift logged counts as free.
- **In-house calls.** Overlapping or touching in-house-call shifts form one call; a call counts
  in the window where it begins.
- **Not modelled yet.** Leave and vacation (which ACGME excludes from averaging) are not
  modelled: a day without shifts is a day free.

``check(shifts)`` returns the findings sorted by person, period start, rule, period end and
detail, so the same shifts always give the same list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby, pairwise

KINDS = ("clinical", "education", "in-house-call", "at-home-call", "moonlighting")
IN_HOUSE_CALL = "in-house-call"

VIOLATION = "violation"
WARNING = "warning"

RULE_80H = "80h-4wk"
RULE_1IN7 = "1in7-4wk"
RULE_24_4 = "24+4"
RULE_14H = "14h-after-24"
RULE_8H = "8h-rest"
RULE_Q3 = "q3-call"
RULES = (RULE_80H, RULE_1IN7, RULE_24_4, RULE_14H, RULE_8H, RULE_Q3)

WINDOW = timedelta(days=28)
DAY = timedelta(hours=24)
MAX_WINDOW_HOURS = timedelta(hours=80 * 4)
MIN_FREE_DAYS = 4
MAX_CONTINUOUS = timedelta(hours=24 + 4)
CALL_TRIGGER = timedelta(hours=24)
REST_AFTER_CALL = timedelta(hours=14)
REST_BETWEEN = timedelta(hours=8)
MAX_CALLS = 10


@dataclass(frozen=True)
class Shift:
    """One stretch of work by one person. ``start`` and ``end`` are aware datetimes."""

    person: str
    start: datetime
    end: datetime
    kind: str

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("A shift's start and end must be aware datetimes.")
        if self.end <= self.start:
            raise ValueError("A shift must end after it starts.")
        if self.kind not in KINDS:
            raise ValueError(f"Unknown shift kind {self.kind!r}; one of {', '.join(KINDS)}.")


@dataclass(frozen=True)
class Finding:
    """One rule broken (or, for ``8h-rest``, a warning) by one person over one period (UTC)."""

    person: str
    rule: str
    period_start: datetime
    period_end: datetime
    detail: str
    severity: str = VIOLATION

    def sort_key(self) -> tuple:
        return (self.person, self.period_start, self.rule, self.period_end, self.detail)


@dataclass(frozen=True)
class _Period:
    """A continuous stretch of work: merged overlapping or touching shifts."""

    start: datetime
    end: datetime
    call: timedelta  # how much of it is in-house call


def hours(span: timedelta) -> str:
    """``28.25`` for 28 h 15 min: at most two decimals, no trailing zeros."""
    return f"{span / timedelta(hours=1):.2f}".rstrip("0").rstrip(".")


def _utc(shift: Shift) -> Shift:
    return Shift(shift.person, shift.start.astimezone(UTC), shift.end.astimezone(UTC), shift.kind)


def _merge(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[list[datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _overlap(start: datetime, end: datetime, low: datetime, high: datetime) -> timedelta:
    return max(timedelta(0), min(end, high) - max(start, low))


def _periods(shifts: list[Shift]) -> list[_Period]:
    calls = _merge([(s.start, s.end) for s in shifts if s.kind == IN_HOUSE_CALL])
    return [
        _Period(start, end, sum((_overlap(*c, start, end) for c in calls), timedelta(0)))
        for start, end in _merge([(s.start, s.end) for s in shifts])
    ]


def _windows(shifts: list[Shift]) -> list[tuple[datetime, datetime]]:
    return [(start, start + WINDOW) for start in sorted({s.start for s in shifts})]


def _clustered(
    person: str, rule: str, breaches: list[tuple[datetime, datetime, object]], describe
) -> list[Finding]:
    """One finding per run of overlapping breaching windows; ``describe`` gets their scores."""
    findings = []
    run: list[tuple[datetime, datetime, object]] = []
    for breach in [*breaches, None]:
        if run and (breach is None or breach[0] >= max(end for _, end, _ in run)):
            end = max(end for _, end, _ in run)
            findings.append(Finding(person, rule, run[0][0], end, describe([s for *_, s in run])))
            run = []
        if breach is not None:
            run.append(breach)
    return findings


def _check_80h(person, shifts, periods) -> list[Finding]:
    breaches = []
    for low, high in _windows(shifts):
        worked = sum((_overlap(p.start, p.end, low, high) for p in periods), timedelta(0))
        if worked > MAX_WINDOW_HOURS:
            breaches.append((low, high, worked))

    def describe(scores):
        worst = max(scores)
        return f"{hours(worst)} h in 28 days, {hours(worst / 4)} h a week on average (limit 80)"

    return _clustered(person, RULE_80H, breaches, describe)


def _free_days(periods: list[_Period], low: datetime, high: datetime) -> int:
    free = 0
    cursor = low
    for period in periods:
        if period.end <= low or period.start >= high:
            continue
        if period.start > cursor:
            free += (period.start - cursor) // DAY
        cursor = max(cursor, period.end)
    if high > cursor:
        free += (high - cursor) // DAY
    return free


def _check_1in7(person, shifts, periods) -> list[Finding]:
    breaches = []
    for low, high in _windows(shifts):
        free = _free_days(periods, low, high)
        if free < MIN_FREE_DAYS:
            breaches.append((low, high, free))

    def describe(scores):
        return f"{min(scores)} days free in 28 days (at least {MIN_FREE_DAYS} required)"

    return _clustered(person, RULE_1IN7, breaches, describe)


def _check_q3(person, shifts, periods) -> list[Finding]:
    in_house = [(s.start, s.end) for s in shifts if s.kind == IN_HOUSE_CALL]
    calls = [start for start, _ in _merge(in_house)]
    breaches = []
    for low, high in _windows(shifts):
        count = sum(1 for start in calls if low <= start < high)
        if count > MAX_CALLS:
            breaches.append((low, high, count))

    def describe(scores):
        return f"{max(scores)} in-house calls in 28 days (at most {MAX_CALLS}: every third night)"

    return _clustered(person, RULE_Q3, breaches, describe)


def _check_periods(person, periods) -> list[Finding]:
    findings = []
    for period in periods:
        length = period.end - period.start
        if length > MAX_CONTINUOUS:
            findings.append(
                Finding(
                    person,
                    RULE_24_4,
                    period.start,
                    period.end,
                    f"continuous period of {hours(length)} h (limit 24 + 4)",
                )
            )
    for before, after in pairwise(periods):
        rest = after.start - before.end
        if before.call >= CALL_TRIGGER and rest < REST_AFTER_CALL:
            findings.append(
                Finding(
                    person,
                    RULE_14H,
                    before.end,
                    after.start,
                    f"{hours(rest)} h free after {hours(before.call)} h of in-house call "
                    f"(at least 14 required)",
                )
            )
        if rest < REST_BETWEEN:
            findings.append(
                Finding(
                    person,
                    RULE_8H,
                    before.end,
                    after.start,
                    f"{hours(rest)} h off between periods (8 advised; a warning)",
                    WARNING,
                )
            )
    return findings


def check(shifts: Iterable[Shift]) -> list[Finding]:
    """Every finding of every rule for every person in ``shifts``, sorted deterministically."""
    utc = sorted((_utc(s) for s in shifts), key=lambda s: (s.person, s.start, s.end, s.kind))
    findings: list[Finding] = []
    for person, group in groupby(utc, key=lambda s: s.person):
        own = list(group)
        periods = _periods(own)
        findings += _check_80h(person, own, periods)
        findings += _check_1in7(person, own, periods)
        findings += _check_q3(person, own, periods)
        findings += _check_periods(person, periods)
    return sorted(findings, key=Finding.sort_key)
