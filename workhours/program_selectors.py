"""Program-wide work-hour reads: compliance by fellow and week, the trend, the findings, exports.

Everything is computed from the shifts of all the program's fellows, read in ONE query
(``values_list``), and the pure rule engine (``workhours.rules``); the query count does not grow
with fellows, shifts or weeks. Weeks run Monday to Sunday in the program's time zone.
"""

from __future__ import annotations

import bisect
import datetime
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from curriculum.models import Membership, Program
from trainees.models import Enrolment

from . import rules
from .models import FindingExplanation, Shift
from .selectors import day_start, findings_for_shifts, week_start_of

WEEK = datetime.timedelta(days=7)
TREND_WEEKS = 4
RECENT_WEEKS = 12

# A cell of the grid: what the week shows (colour is never the only signal: each has words).
VIOLATION, WARNING, COMPLIANT, UNLOGGED, OUTSIDE, THIS_WEEK = (
    "violation",
    "warning",
    "compliant",
    "unlogged",
    "outside",
    "this_week",  # the week still running, nothing found yet: neither logged nor missed
)
# Weeks that say nothing about compliance (left out of every rate).
NOT_COUNTED = (OUTSIDE, THIS_WEEK)
RULE_WORDS = {
    rules.RULE_80H: "80 hours a week, averaged over 4 weeks",
    rules.RULE_1IN7: "One day free in seven, averaged over 4 weeks",
    rules.RULE_24_4: "At most 24 + 4 hours continuous",
    rules.RULE_14H: "14 hours free after 24 hours of in-house call",
    rules.RULE_8H: "8 hours off between periods (advised)",
    rules.RULE_Q3: "In-house call at most every third night",
}


def recent_weeks(program: Program, today: datetime.date | None = None) -> tuple:
    """``(first Monday, last day)`` of the last ``RECENT_WEEKS`` weeks, this week included."""
    today = today or program.today()
    return week_start_of(today) - WEEK * (RECENT_WEEKS - 1), today


@dataclass
class Cell:
    monday: datetime.date
    hours: float = 0.0
    status: str = UNLOGGED

    @property
    def hours_text(self) -> str:
        return rules.hours(datetime.timedelta(hours=self.hours)) if self.hours else "0"


@dataclass
class FellowWeeks:
    membership_id: int
    name: str
    email: str
    start_date: datetime.date
    end_date: datetime.date
    cells: list[Cell] = field(default_factory=list)


@dataclass
class FindingRow:
    fellow: FellowWeeks
    finding: rules.Finding
    explanation: str = ""

    @property
    def rule_words(self) -> str:
        return RULE_WORDS[self.finding.rule]


@dataclass
class TrendBlock:
    first_monday: datetime.date
    violations: int
    fellow_weeks: int
    compliant_weeks: int

    @property
    def compliance_rate(self) -> int | None:
        return _rate(self.compliant_weeks, self.fellow_weeks)


@dataclass
class Compliance:
    program: Program
    first_monday: datetime.date
    last_day: datetime.date
    mondays: list[datetime.date]
    fellows: list[FellowWeeks]
    findings: list[FindingRow]

    def cells(self) -> Iterator[tuple[FellowWeeks, Cell]]:
        for fellow in self.fellows:
            for cell in fellow.cells:
                yield fellow, cell

    def trend(self) -> list[TrendBlock]:
        blocks = []
        for index in range(0, len(self.mondays), TREND_WEEKS):
            first = self.mondays[index]
            last = self.mondays[min(index + TREND_WEEKS, len(self.mondays)) - 1] + WEEK
            statuses = [
                cell.status
                for _, cell in self.cells()
                if first <= cell.monday < last and cell.status not in NOT_COUNTED
            ]
            low, high = day_start(self.program, first), day_start(self.program, last)
            violations = sum(
                1
                for row in self.findings
                if row.finding.severity == rules.VIOLATION
                and low <= row.finding.period_start < high
            )
            compliant = statuses.count(COMPLIANT) + statuses.count(WARNING)
            blocks.append(TrendBlock(first, violations, len(statuses), compliant))
        return blocks


def _rate(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _enrolled(program: Program, first: datetime.date, last: datetime.date) -> list[FellowWeeks]:
    """Fellows enrolled at some point in ``[first, last]``, one row each (one query)."""
    rows = (
        Enrolment.objects.filter(
            cohort__program=program,
            membership__role=Membership.Role.FELLOW,
            start_date__lte=last,
            end_date__gte=first - datetime.timedelta(days=366),
        )
        .values(
            "membership_id",
            "membership__user__full_name",
            "membership__user__email",
            "start_date",
            "end_date",
            "leave_extension_days",
        )
        .order_by("membership__user__full_name", "membership_id", "start_date")
    )
    fellows: dict[int, FellowWeeks] = {}
    for row in rows:
        end = row["end_date"] + datetime.timedelta(days=row["leave_extension_days"])
        if end < first:
            continue
        known = fellows.get(row["membership_id"])
        if known is None:
            email = row["membership__user__email"]
            fellows[row["membership_id"]] = FellowWeeks(
                row["membership_id"],
                row["membership__user__full_name"] or email,
                email,
                row["start_date"],
                end,
            )
        else:
            known.start_date = min(known.start_date, row["start_date"])
            known.end_date = max(known.end_date, end)
    return list(fellows.values())


def _inside(start, end, low, high) -> datetime.timedelta:
    return max(datetime.timedelta(0), min(end, high) - max(start, low))


def _overlaps(finding: rules.Finding, low, high) -> bool:
    return finding.period_start < high and finding.period_end > low


def compliance(
    *, program: Program, first: datetime.date, last: datetime.date, explanations: bool = True
) -> Compliance:
    """Compliance of every fellow enrolled in ``[first, last]`` (dates in the program's zone),
    week by week from the Monday of ``first``. Three queries (two without explanations)."""
    first_monday = week_start_of(first)
    mondays = []
    monday = first_monday
    while monday <= last:
        mondays.append(monday)
        monday += WEEK
    edges = [day_start(program, m) for m in [*mondays, monday]]
    low, high = edges[0], edges[-1]
    fellows = _enrolled(program, first, last)
    by_id = {fellow.membership_id: fellow for fellow in fellows}
    shifts = list(
        Shift.objects.filter(
            program=program,
            fellow_id__in=list(by_id),
            start__lt=high + rules.WINDOW,
            end__gt=low - rules.WINDOW,
        ).values("fellow_id", "start", "end", "kind")
    )
    worked: dict[int, list[datetime.timedelta]] = defaultdict(
        lambda: [datetime.timedelta(0)] * len(mondays)
    )
    for shift in shifts:
        fellow_id, start, end = shift["fellow_id"], shift["start"], shift["end"]
        index = max(bisect.bisect_right(edges, start) - 1, 0)
        while index < len(mondays) and edges[index] < end:
            worked[fellow_id][index] += _inside(start, end, edges[index], edges[index + 1])
            index += 1
    found = [f for f in findings_for_shifts(shifts) if _overlaps(f, low, high)]
    texts = _explanations(found) if explanations and found else {}
    rows = [
        FindingRow(by_id[int(f.person)], f, texts.get((int(f.person), f.rule, f.period_start), ""))
        for f in found
    ]
    this_monday = week_start_of(program.today())
    own_findings = defaultdict(list)
    for row in rows:
        own_findings[row.fellow.membership_id].append(row.finding)
    for fellow in fellows:
        hours = worked.get(fellow.membership_id)
        for index, monday in enumerate(mondays):
            cell = Cell(monday, hours[index] / datetime.timedelta(hours=1) if hours else 0.0)
            # A week counts for a fellow when one of its days is in the period and enrolled.
            if monday + WEEK <= max(first, fellow.start_date) or monday > min(
                last, fellow.end_date
            ):
                cell.status = OUTSIDE
            else:
                week = [
                    f
                    for f in own_findings[fellow.membership_id]
                    if _overlaps(f, edges[index], edges[index + 1])
                ]
                if any(f.severity == rules.VIOLATION for f in week):
                    cell.status = VIOLATION
                elif week:
                    cell.status = WARNING
                elif monday >= this_monday:
                    cell.status = THIS_WEEK
                elif cell.hours:
                    cell.status = COMPLIANT
            fellow.cells.append(cell)
    return Compliance(program, first_monday, last, mondays, fellows, rows)


def _explanations(found: list[rules.Finding]) -> dict[tuple, str]:
    rows = FindingExplanation.objects.filter(
        fellow_id__in={int(f.person) for f in found},
        period_start__in={f.period_start for f in found},
    ).values_list("fellow_id", "rule", "period_start", "text")
    return {(fellow_id, rule, start): text for fellow_id, rule, start, text in rows}


def compliance_summary(*, program: Program, start: datetime.date, end: datetime.date) -> dict:
    """Work-hour compliance in ``[start, end]`` for the annual program evaluation: fellows
    enrolled, fellow-weeks (weeks enrolled, up to today: weeks still to come are not "not
    logged"), weeks logged, weeks logged without a violation (a warning still counts as
    compliant), the rate of compliant weeks among the weeks logged (the unlogged ones are a
    separate figure, not a breach), the violations by rule, the warnings and how many findings
    the fellows explained. Three queries.
    """
    end = min(end, program.today())
    result = compliance(program=program, first=start, last=end)
    statuses = [cell.status for _, cell in result.cells() if cell.status not in NOT_COUNTED]
    compliant = statuses.count(COMPLIANT) + statuses.count(WARNING)
    violations = Counter(
        row.finding.rule for row in result.findings if row.finding.severity == rules.VIOLATION
    )
    return {
        "fellows": len(result.fellows),
        "fellow_weeks": len(statuses),
        "logged_weeks": len(statuses) - statuses.count(UNLOGGED),
        "compliant_weeks": compliant,
        "compliance_rate": _rate(compliant, len(statuses) - statuses.count(UNLOGGED)),
        "violations": [
            {"rule": rule, "label": RULE_WORDS[rule], "count": violations[rule]}
            for rule in rules.RULES
            if violations[rule]
        ],
        "warnings": sum(1 for row in result.findings if row.finding.severity == rules.WARNING),
        "explained": sum(1 for row in result.findings if row.explanation),
    }


def shifts_for_export(*, program: Program, first: datetime.date, last: datetime.date):
    """Every shift starting in ``[first, last]`` (program zone), with its fellow: one query,
    read with ``iterator()`` so a long export streams."""
    return (
        Shift.objects.filter(
            program=program,
            start__gte=day_start(program, first),
            start__lt=day_start(program, last + datetime.timedelta(days=1)),
        )
        .order_by("fellow__user__full_name", "fellow_id", "start", "pk")
        .values_list(
            "fellow__user__full_name", "fellow__user__email", "start", "end", "kind", "source"
        )
        .iterator(chunk_size=2000)
    )
