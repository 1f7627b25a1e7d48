"""Rotation schedule arithmetic: weeks of a year, overlaps and gaps. Pure functions, no queries.

A fellow's main rotations (blocks) must not overlap and should cover their whole enrolment;
longitudinal clinics run beside them and are ignored by both checks.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

WEEK = timedelta(days=7)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Span:
    """One scheduled block: inclusive dates."""

    start: date
    end: date
    label: str = ""
    longitudinal: bool = False
    key: int | None = None

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and start <= self.end


@dataclass
class Week:
    start: date

    @property
    def end(self) -> date:
        return self.start + WEEK - DAY


@dataclass
class Cell:
    """One fellow-week of the grid."""

    week: Week
    spans: list[Span] = field(default_factory=list)
    in_enrolment: bool = True

    @property
    def main_spans(self) -> list[Span]:
        return [s for s in self.spans if not s.longitudinal]

    @property
    def is_gap(self) -> bool:
        return self.in_enrolment and not self.main_spans

    @property
    def longitudinal_spans(self) -> list[Span]:
        return [s for s in self.spans if s.longitudinal]

    @property
    def is_conflict(self) -> bool:
        """Two main blocks share a day of this week (a hand-over mid-week is not a conflict)."""
        main = self.main_spans
        return any(
            a.overlaps(b.start, b.end)
            and max(a.start, b.start, self.week.start) <= min(a.end, b.end, self.week.end)
            for i, a in enumerate(main)
            for b in main[i + 1 :]
        )


def monday_on_or_before(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_between(start: date, end: date) -> list[Week]:
    """Monday-based weeks that touch the period [start, end]."""
    weeks, current = [], monday_on_or_before(start)
    while current <= end:
        weeks.append(Week(current))
        current += WEEK
    return weeks


def find_overlaps(spans: Iterable[Span]) -> list[tuple[Span, Span]]:
    """Pairs of main (non-longitudinal) blocks that share at least one day."""
    main = sorted((s for s in spans if not s.longitudinal), key=lambda s: (s.start, s.end))
    pairs = []
    for i, first in enumerate(main):
        for second in main[i + 1 :]:
            if second.start > first.end:
                break
            pairs.append((first, second))
    return pairs


def find_gaps(
    spans: Iterable[Span], period_start: date, period_end: date
) -> list[tuple[date, date]]:
    """Inclusive date ranges in the period that no main block covers."""
    gaps, cursor = [], period_start
    main = sorted((s for s in spans if not s.longitudinal), key=lambda s: s.start)
    for span in main:
        if span.end < cursor:
            continue
        if span.start > cursor:
            gaps.append((cursor, min(span.start - DAY, period_end)))
        cursor = max(cursor, span.end + DAY)
        if cursor > period_end:
            break
    if cursor <= period_end:
        gaps.append((cursor, period_end))
    return [(a, b) for a, b in gaps if a <= b]


def grid_row(
    spans: Sequence[Span], weeks: Sequence[Week], enrolled_from: date, enrolled_to: date
) -> list[Cell]:
    """The cells of one fellow's row: what runs each week, and whether the week is a gap."""
    cells = []
    for week in weeks:
        in_enrolment = week.start <= enrolled_to and enrolled_from <= week.end
        active = [s for s in spans if s.overlaps(week.start, week.end)]
        cells.append(Cell(week=week, spans=active, in_enrolment=in_enrolment))
    return cells
