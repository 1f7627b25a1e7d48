"""CSV downloads of the program's work hours (director and coordinators): every shift in a
period, and every finding with the fellow's explanation. Times are in the program's zone.

Both are streamed (``core.csv.csv_streaming_response``), the shifts read with ``iterator()``."""

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.csv import csv_streaming_response
from curriculum.access import program_for
from curriculum.models import Membership

from . import rules
from .program_forms import ExportPeriodForm
from .program_selectors import compliance, recent_weeks, shifts_for_export

SHIFT_HEADER = ("fellow", "email", "start", "end", "kind", "hours", "source")
FINDING_HEADER = (
    "fellow",
    "email",
    "rule",
    "severity",
    "period_start",
    "period_end",
    "detail",
    "explanation",
)
LOCAL = "%Y-%m-%d %H:%M"


def _period(request: HttpRequest, program):
    """The period asked for (GET ``start`` and ``end``; the last 12 weeks by default), or the
    bound form with its errors."""
    if "start" not in request.GET and "end" not in request.GET:
        return recent_weeks(program), None
    form = ExportPeriodForm(request.GET)
    if form.is_valid():
        return (form.cleaned_data["start"], form.cleaned_data["end"]), None
    return None, form


def _refused(request, program, form, name: str) -> HttpResponse:
    context = {"program": program, "form": form, "export": name}
    return render(request, "workhours/program_export_error.html", context, status=400)


def shifts_export(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    period, form = _period(request, program)
    if period is None:
        return _refused(request, program, form, "shifts")
    first, last = period
    zone = program.zone

    def rows():
        for name, email, start, end, kind, source in shifts_for_export(
            program=program, first=first, last=last
        ):
            yield (
                name or email,
                email,
                start.astimezone(zone).strftime(LOCAL),
                end.astimezone(zone).strftime(LOCAL),
                kind,
                rules.hours(end - start),
                source,
            )

    return csv_streaming_response(f"work-hours-{first}-{last}.csv", SHIFT_HEADER, rows())


def findings_export(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    period, form = _period(request, program)
    if period is None:
        return _refused(request, program, form, "findings")
    first, last = period
    zone = program.zone
    result = compliance(program=program, first=first, last=last)

    def when(moment: datetime.datetime) -> str:
        return moment.astimezone(zone).strftime(LOCAL)

    rows = (
        (
            row.fellow.name,
            row.fellow.email,
            row.finding.rule,
            row.finding.severity,
            when(row.finding.period_start),
            when(row.finding.period_end),
            row.finding.detail,
            row.explanation,
        )
        for row in result.findings
    )
    return csv_streaming_response(f"work-hour-findings-{first}-{last}.csv", FINDING_HEADER, rows)
