"""The cohort dashboard (director and coordinator home) and its CSV exports."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.csv import csv_response, csv_streaming_response
from curriculum.access import program_for
from curriculum.models import Membership
from procedures.selectors.progress import progress_table

from .. import selectors

EXPORT_CHUNK = 2000


def _dashboard_scope(request: HttpRequest, program_id: int):
    """The program (404 unless the user is its director or coordinator), its cohorts, the
    chosen cohort (``?cohort=``, default the current one) and that cohort's enrolments:
    three queries."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    everyone = selectors.dashboard_enrolments(user=request.user, program_id=program.pk)
    cohorts = selectors.cohorts_of(everyone)
    today = program.today()
    wanted = request.GET.get("cohort", "")
    if wanted:
        cohort = next((c for c in cohorts if str(c.pk) == wanted), None)
        if cohort is None:
            raise Http404("No such cohort in this program.")
    else:
        cohort = selectors.default_cohort(cohorts, today)
    enrolments = [e for e in everyone if cohort and e.cohort_id == cohort.pk]
    return program, cohorts, cohort, enrolments, today


def cohort_dashboard(request: HttpRequest, program_id: int) -> HttpResponse:
    """Who needs attention: milestone levels, procedure progress, overdue evaluations, upcoming
    deadlines and fellows on leave for one cohort, in a fixed number of queries."""
    program, cohorts, cohort, enrolments, today = _dashboard_scope(request, program_id)
    fellows = [enrolment.membership for enrolment in enrolments]
    subcompetencies = selectors.current_subcompetencies(program=program) if fellows else []
    expected = (
        selectors.expected_level(academic_year_id=cohort.academic_year_id, today=today)
        if fellows and subcompetencies
        else selectors.GRADUATION
    )
    targets, progress = selectors.procedure_progress(program=program, fellows=fellows)
    overdue, overdue_total = (
        selectors.panel_rows(
            selectors.overdue_assessments(
                program=program, today=today, fellow_ids=[f.pk for f in fellows]
            )
        )
        if fellows
        else ([], 0)
    )
    deadlines, deadline_total = selectors.panel_rows(
        selectors.upcoming_deadlines(program=program, today=today)
    )
    context = {
        "program": program,
        "today": today,
        "cohorts": cohorts,
        "cohort": cohort,
        "q": f"?cohort={cohort.pk}" if cohort else "",
        "fellow_count": len(fellows),
        "subcompetencies": subcompetencies,
        "expected": expected,
        "heatmap": selectors.milestone_heatmap(
            fellows=fellows, subcompetencies=subcompetencies, expected=expected
        ),
        "targets": targets,
        "progress": [(row, selectors.progress_bar(row)) for row in progress],
        "overdue": [(a, selectors.days_overdue(a, today)) for a in overdue],
        "overdue_total": overdue_total,
        "deadlines": deadlines,
        "deadline_total": deadline_total,
        "upcoming_days": selectors.UPCOMING_DAYS,
        "on_leave": [e for e in enrolments if e.status == e.Status.LEAVE],
    }
    return render(request, "dashboard/cohort_dashboard.html", context)


# --- CSV exports, one per panel -------------------------------------------------------------------


def _heatmap_csv(program, cohort, enrolments, today) -> HttpResponse:
    fellows = [enrolment.membership for enrolment in enrolments]
    subcompetencies = selectors.current_subcompetencies(program=program)
    rows = selectors.milestone_heatmap(fellows=fellows, subcompetencies=subcompetencies)
    header = ["fellow", "email"] + [f"{sub.code} level" for sub in subcompetencies]
    header += [f"{sub.code} source" for sub in subcompetencies]
    lines = []
    for row in rows:
        levels = ["" if c.level is None else c.words for c in row.cells]
        sources = [c.source for c in row.cells]
        lines.append([row.fellow.user.display_name, row.fellow.user.email, *levels, *sources])
    return csv_response(f"milestone-levels-{cohort.pk}.csv", header, lines)


def _overdue_csv(program, cohort, enrolments, today) -> HttpResponse:
    queryset = selectors.overdue_assessments(
        program=program, today=today, fellow_ids=[e.membership_id for e in enrolments]
    )
    header = ["fellow", "assessor", "form", "observed_on", "due_date", "days_overdue", "status"]
    lines = (
        [
            a.fellow.user.display_name,
            a.assessor.user.display_name,
            a.template.name,
            a.observed_on.isoformat(),
            a.due_date.isoformat(),
            selectors.days_overdue(a, today),
            a.status,
        ]
        for a in queryset.iterator(chunk_size=EXPORT_CHUNK)
    )
    return csv_response(f"overdue-evaluations-{cohort.pk}.csv", header, lines)


def _deadlines_csv(program, cohort, enrolments, today) -> HttpResponse:
    queryset = selectors.upcoming_deadlines(program=program, today=today)
    header = ["due_date", "kind", "title", "fellow"]
    lines = (
        [
            d.due_date.isoformat(),
            d.kind,
            d.title,
            d.enrolment.membership.user.display_name if d.enrolment_id else "",
        ]
        for d in queryset
    )
    return csv_response("upcoming-deadlines.csv", header, lines)


def _leave_csv(program, cohort, enrolments, today) -> HttpResponse:
    header = [
        "fellow",
        "email",
        "start_date",
        "planned_end",
        "leave_days",
        "extension_days",
        "expected_end",
    ]
    lines = [
        [
            e.membership.user.display_name,
            e.membership.user.email,
            e.start_date.isoformat(),
            e.end_date.isoformat(),
            e.leave_days,
            e.leave_extension_days,
            e.expected_end_date.isoformat(),
        ]
        for e in enrolments
        if e.status == e.Status.LEAVE
    ]
    return csv_response(f"fellows-on-leave-{cohort.pk}.csv", header, lines)


def _progress_csv(program, cohort, enrolments, today) -> HttpResponse:
    fellows = [enrolment.membership for enrolment in enrolments]
    targets, rows = selectors.procedure_progress(program=program, fellows=fellows)
    header, lines = progress_table(targets, rows)
    return csv_response(f"procedure-progress-{cohort.pk}.csv", header, lines)


ENTRY_COLUMNS = (
    "fellow",
    "performed_on",
    "category",
    "procedure",
    "role",
    "guidance",
    "level",
    "laterality",
    "supervisor",
    "supervision_level",
    "complication",
    "age_band",
    "status",
    "id",
    "site",
)


def _procedures_csv(program, cohort, enrolments, today):
    """Every entry of the cohort's fellows, streamed in chunks: memory does not grow with rows."""
    entries = selectors.cohort_entry_rows(
        program=program, fellow_ids=[e.membership_id for e in enrolments]
    )
    rows = (
        (
            fellow_name or fellow_email,
            performed_on.isoformat(),
            category,
            procedure,
            role,
            guidance,
            level,
            laterality,
            supervisor_name or supervisor_email,
            supervision_level,
            complication,
            age_band,
            status,
            entry_id,
            site,
        )
        for (
            fellow_name,
            fellow_email,
            performed_on,
            category,
            procedure,
            role,
            guidance,
            level,
            laterality,
            supervisor_name,
            supervisor_email,
            supervision_level,
            complication,
            age_band,
            status,
            entry_id,
            site,
        ) in entries.iterator(chunk_size=EXPORT_CHUNK)
    )
    return csv_streaming_response(f"procedure-entries-{cohort.pk}.csv", ENTRY_COLUMNS, rows)


EXPORTS = {
    "heatmap": _heatmap_csv,
    "progress": _progress_csv,
    "procedures": _procedures_csv,
    "overdue": _overdue_csv,
    "deadlines": _deadlines_csv,
    "leave": _leave_csv,
}


def panel_export(request: HttpRequest, program_id: int, panel: str) -> HttpResponse:
    """One dashboard panel as CSV, for the same cohort (``?cohort=``) the page shows."""
    export = EXPORTS.get(panel)
    if export is None:
        raise Http404("No such export.")
    program, _, cohort, enrolments, today = _dashboard_scope(request, program_id)
    if cohort is None and panel != "deadlines":
        raise Http404("This program has no cohort yet.")
    return export(program, cohort, enrolments, today)
