"""The year's evidence for the annual program evaluation, assembled as plain JSON-safe data.

``year_evidence`` builds every section in a fixed number of queries however many fellows,
entries or assessments the year holds; the result is what the page shows while the review is a
draft and what signing freezes into ``AnnualProgramEvaluation.snapshot`` (so a signed page
renders exactly what was signed). Not scoped: callers check ``can_view_evaluations`` first.

Sections 4-6 are each app's own summary (``surveys``, ``workhours``, ``portfolio``): this app
sits above them all, so it asks them rather than reading their tables.
"""

import datetime
import json
import statistics
from collections import defaultdict
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count

from assessments.models import (
    Assessment,
    AssessmentTemplate,
    CCCReview,
    ConsensusLevel,
    ReviewPeriod,
)
from curriculum.models import Membership, Program
from dashboard.selectors import procedure_progress
from portfolio.selectors import learning_plan_summary, scholarly_summary
from procedures.models import ProcedureLogEntry
from procedures.selectors.progress import target_label
from surveys.selectors import confidential_summary
from trainees.models import AcademicYear, Enrolment
from workhours.program_selectors import compliance_summary

from .models import GraduateOutcome

Status = Assessment.Status
Kind = AssessmentTemplate.Kind
NO_COHORT = "No cohort this year"
# Assessment forms by who fills them (a self-assessment is no evaluation request).
FORM_GROUPS = (
    ("Faculty evaluations", (Kind.END_OF_ROTATION, Kind.DIRECT_OBSERVATION)),
    ("Multi-source evaluations", (Kind.MULTI_SOURCE,)),
)
# Sections other apps provide: key -> their summary (*, program, start, end).
PROVIDED = {
    "confidential": confidential_summary,
    "work_hours": compliance_summary,
    "scholarly": scholarly_summary,
    "learning_plans": learning_plan_summary,
}


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def year_fellows(*, program: Program, year: AcademicYear) -> list[Enrolment]:
    """Enrolments of the program's fellows in training at some time during ``year`` (withdrawn
    ones included: they count in the year's figures), one per fellow, with their cohort."""
    enrolments = (
        Enrolment.objects.filter(
            cohort__program=program,
            start_date__lte=year.end_date,
            end_date__gte=year.start_date,
        )
        .select_related("membership__user", "cohort")
        .order_by("membership__user__full_name", "membership__user__email", "-start_date")
    )
    seen, result = set(), []
    for enrolment in enrolments:
        if enrolment.membership_id not in seen:
            seen.add(enrolment.membership_id)
            result.append(enrolment)
    return result


def milestone_section(*, program: Program, year: AcademicYear, enrolments) -> dict:
    """Per review period of the year and cohort: the share of finalised consensus levels at or
    above the period's expected level, and the fellows with a level below it. Three queries."""
    periods = list(
        ReviewPeriod.objects.filter(program=program, academic_year=year).order_by("ends_on")
    )
    levels = ConsensusLevel.objects.filter(
        review__period__in=periods, review__status=CCCReview.Status.FINALISED
    ).values_list("review__period_id", "review__fellow_id", "level", "not_assessable")
    cohort_of = {e.membership_id: e.cohort.name for e in enrolments}
    names = {e.membership_id: e.membership.user.display_name for e in enrolments}
    levels = list(levels)
    missing = {fellow for _, fellow, _, _ in levels} - names.keys()
    if missing:
        for membership in Membership.objects.filter(pk__in=missing).select_related("user"):
            names[membership.pk] = membership.user.display_name
    # (period, cohort) -> fellow -> [rated, met]
    tally: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    expected = {period.pk: period.expected for period in periods}
    for period_id, fellow_id, level, not_assessable in levels:
        cell = tally[(period_id, cohort_of.get(fellow_id, NO_COHORT))][fellow_id]
        if not_assessable or level is None:
            continue
        cell[0] += 1
        cell[1] += Decimal(level) >= expected[period_id]
    result = []
    for period in periods:
        cohorts = sorted({cohort for (pid, cohort) in tally if pid == period.pk})
        rows = []
        for cohort in cohorts:
            fellows = tally[(period.pk, cohort)]
            rated = sum(cell[0] for cell in fellows.values())
            met = sum(cell[1] for cell in fellows.values())
            below = sorted(
                (
                    {"name": names.get(fid, "?"), "below": cell[0] - cell[1], "rated": cell[0]}
                    for fid, cell in fellows.items()
                    if cell[0] > cell[1]
                ),
                key=lambda row: row["name"],
            )
            rows.append(
                {
                    "cohort": cohort,
                    "fellows": len(fellows),
                    "levels": rated,
                    "at_or_above": met,
                    "percent": _percent(met, rated),
                    "below": below,
                }
            )
        result.append(
            {
                "period": str(period),
                "ends_on": period.ends_on.isoformat(),
                "expected": str(period.expected),
                "cohorts": rows,
            }
        )
    return {"periods": result}


def case_log_section(*, program: Program, year: AcademicYear, enrolments) -> dict:
    """Entries logged in the year by procedure category (verified and pending apart; returned
    entries count for nothing), and how many of the year's fellows meet each of the program's
    targets (``dashboard.selectors.procedure_progress``, the same counting as every progress
    page). Three queries."""
    rows = (
        ProcedureLogEntry.objects.filter(
            program=program,
            performed_on__gte=year.start_date,
            performed_on__lte=year.end_date,
        )
        .exclude(status=ProcedureLogEntry.Status.RETURNED)
        .values("procedure_type__category__name", "procedure_type__category__order", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_category: dict = {}
    for row in rows:
        key = (row["procedure_type__category__order"], row["procedure_type__category__name"])
        cell = by_category.setdefault(key, {"verified": 0, "pending": 0})
        status = "verified" if row["status"] == ProcedureLogEntry.Status.VERIFIED else "pending"
        cell[status] += row["n"]
    categories = [
        {"category": name, **cell, "total": cell["verified"] + cell["pending"]}
        for (_, name), cell in sorted(by_category.items())
    ]
    fellows = [e.membership for e in enrolments]
    targets, progress = procedure_progress(program=program, fellows=fellows)
    target_rows = []
    for index, target in enumerate(targets):
        cells = [row.cells[index] for row in progress]
        target_rows.append(
            {
                "label": target_label(target),
                "minimum": target.minimum,
                "fellows": len(cells),
                "met": sum(cell.met for cell in cells),
                "percent": _percent(sum(cell.met for cell in cells), len(cells)),
            }
        )
    return {
        "categories": categories,
        "total": sum(row["total"] for row in categories),
        "targets": target_rows,
        "fellows": len(fellows),
    }


def completion_section(*, program: Program, year: AcademicYear) -> dict:
    """Assessments of work observed in the year, by kind of form: requested, signed, declined,
    expired, still open; the completion rate and the median days from request to signature.
    Two queries."""
    base = Assessment.objects.filter(
        program=program, observed_on__gte=year.start_date, observed_on__lte=year.end_date
    )
    counts = base.values("template__kind", "status").annotate(n=Count("pk")).order_by()
    signed_times = base.filter(
        status__in=Assessment.LOCKED_STATUSES, signed_at__isnull=False
    ).values_list("template__kind", "created_at", "signed_at")
    tally: dict = defaultdict(lambda: defaultdict(int))
    for row in counts:
        tally[row["template__kind"]][row["status"]] += row["n"]
    days: dict = defaultdict(list)
    for kind, created, signed in signed_times:
        days[kind].append(max((signed - created).total_seconds(), 0) / 86400)
    groups = []
    for label, kinds in FORM_GROUPS:
        status = defaultdict(int)
        for kind in kinds:
            for key, n in tally[kind].items():
                status[key] += n
        waits = [d for kind in kinds for d in days[kind]]
        requested = sum(status.values())
        signed = sum(status[s] for s in Assessment.LOCKED_STATUSES)
        groups.append(
            {
                "label": label,
                "requested": requested,
                "signed": signed,
                "declined": status[Status.DECLINED],
                "expired": status[Status.EXPIRED],
                "open": sum(status[s] for s in Assessment.OPEN_STATUSES),
                "percent": _percent(signed, requested),
                "median_days": round(statistics.median(waits), 1) if waits else None,
            }
        )
    return {"groups": groups}


def outcome_section(*, program: Program, year: AcademicYear) -> dict:
    """Graduates' outcomes entered by hand, up to this year's graduates: per graduation year the
    board results and the pass rate (passed out of those who took it). One query."""
    outcomes = list(
        GraduateOutcome.objects.filter(
            program=program, graduation_year__lte=year.end_date.year
        ).order_by("-graduation_year", "graduate_name", "pk")
    )
    by_year: dict = {}
    for outcome in outcomes:
        row = by_year.setdefault(
            outcome.graduation_year,
            {"year": outcome.graduation_year, "graduates": 0, "passed": 0, "failed": 0},
        )
        row["graduates"] += 1
        if outcome.board_exam == GraduateOutcome.BoardExam.PASSED:
            row["passed"] += 1
        elif outcome.board_exam == GraduateOutcome.BoardExam.FAILED:
            row["failed"] += 1
    years = []
    for row in by_year.values():
        row["percent"] = _percent(row["passed"], row["passed"] + row["failed"])
        years.append(row)
    passed = sum(row["passed"] for row in years)
    taken = passed + sum(row["failed"] for row in years)
    return {
        "years": years,
        "pass_rate": _percent(passed, taken),
        "taken": taken,
        "passed": passed,
        "graduates": [
            {
                "name": outcome.graduate_name,
                "year": outcome.graduation_year,
                "board_exam": outcome.get_board_exam_display(),
                "board_exam_year": outcome.board_exam_year,
                "first_position": outcome.get_first_position_display(),
            }
            for outcome in outcomes
            if outcome.graduation_year == year.end_date.year
        ],
    }


def _json_safe(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def provided_sections(*, program: Program, start: datetime.date, end: datetime.date) -> dict:
    """The sections other apps provide (``PROVIDED``), as JSON-safe data."""
    return {
        key: _json_safe(summary(program=program, start=start, end=end))
        for key, summary in PROVIDED.items()
    }


def year_evidence(*, program: Program, year: AcademicYear) -> dict:
    """Every section of the evidence for ``year`` (see the module's docstring)."""
    enrolments = year_fellows(program=program, year=year)
    evidence = {
        "year": {
            "label": year.label,
            "start": year.start_date.isoformat(),
            "end": year.end_date.isoformat(),
        },
        "fellows": len(enrolments),
        "milestones": milestone_section(program=program, year=year, enrolments=enrolments),
        "case_logs": case_log_section(program=program, year=year, enrolments=enrolments),
        "completion": completion_section(program=program, year=year),
        "outcomes": outcome_section(program=program, year=year),
    }
    evidence |= provided_sections(program=program, start=year.start_date, end=year.end_date)
    return _json_safe(evidence)
