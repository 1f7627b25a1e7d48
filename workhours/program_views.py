"""The program's work-hour pages for the director and coordinators: import shifts from a
scheduling system's CSV, and compliance by fellow and week."""

import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import content_disposition_header

from core.csv import upload_stash, upload_stashed
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership, Program
from trainees.models import AcademicYear

from .imports import IMPORT_SHAPE, TEMPLATE_CSV, shift_import, shift_import_preview
from .program_forms import ComplianceFilterForm, ShiftImportForm
from .program_selectors import (
    COMPLIANT,
    OUTSIDE,
    THIS_WEEK,
    UNLOGGED,
    VIOLATION,
    WARNING,
    compliance,
    recent_weeks,
)

FINDINGS_PAGE_SIZE = 25
STAFF = Membership.STAFF_ROLES


def _session_key(program: Program) -> str:
    return f"shift_import:{program.pk}"


def _import_page(
    request: HttpRequest, program: Program, *, form=None, preview=None, digest="", zone=""
) -> HttpResponse:
    context = {
        "program": program,
        "form": form or ShiftImportForm(program=program),
        "preview": preview,
        "digest": digest,
        "zone": zone,
        "columns": IMPORT_SHAPE.columns,
        "max_rows": IMPORT_SHAPE.max_rows,
    }
    return render(request, "workhours/import_shifts.html", context)


def _preview(request: HttpRequest, program: Program, content: bytes, zone: str) -> HttpResponse:
    """Check ``content``; keep it (with its zone) in the session only when it is clean."""
    preview = shift_import_preview(
        actor=request.user, program=program, content=content, zone=zoneinfo.ZoneInfo(zone)
    )
    key = _session_key(program)
    digest = upload_stash(request.session, key, content, keep=preview.is_clean)
    if preview.is_clean:
        request.session[key] = {**request.session[key], "zone": zone}
    return _import_page(request, program, preview=preview, digest=digest, zone=zone)


@once_per_submit
def shift_import_page(request: HttpRequest, program_id: int) -> HttpResponse:
    """Director and coordinators: upload shifts, see every problem, then import all or none."""
    program = program_for(request.user, program_id, roles=STAFF)
    if request.method != "POST":
        return _import_page(request, program)
    if request.POST.get("step") == "confirm":
        return _confirm(request, program)
    form = ShiftImportForm(request.POST, request.FILES, program=program)
    if not form.is_valid():
        return _import_page(request, program, form=form)
    return _preview(request, program, form.cleaned_data["content"], form.cleaned_data["timezone"])


def _confirm(request: HttpRequest, program: Program) -> HttpResponse:
    key = _session_key(program)
    stashed = upload_stashed(request.session, key)
    if stashed is None:
        messages.error(
            request, "There is no checked file waiting to be imported. Upload the file again."
        )
        return _import_page(request, program)
    content, digest = stashed
    zone = request.session[key].get("zone") or program.timezone
    if digest != request.POST.get("digest"):
        messages.warning(
            request, "The file changed since this page was shown. Check it again below."
        )
        return _preview(request, program, content, zone)
    # Drop the stash and save the session before writing (as the roster import does), so a
    # second submit finds nothing waiting and the answer reports what was saved.
    request.session.pop(key, None)
    request.session.save()
    request.session.modified = False
    try:
        done = shift_import(
            actor=request.user, program=program, content=content, zone=zoneinfo.ZoneInfo(zone)
        )
    except ValidationError:
        # Something changed since the preview (a fellow logged a shift): show the problems now.
        return _preview(request, program, content, zone)
    count, skipped = done.new_count, done.skipped_count
    already = f" {skipped} already there, skipped." if skipped else ""
    messages.success(request, f"{count} shift{pluralize(count)} imported.{already}")
    return redirect("workhours:program_compliance", program_id=program.pk)


def shift_import_template(request: HttpRequest, program_id: int) -> HttpResponse:
    """The header row and two examples, ready to fill in."""
    program_for(request.user, program_id, roles=STAFF)
    response = HttpResponse(TEMPLATE_CSV, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="shifts-template.csv"
    )
    return response


def selected_period(program: Program, year_id: str, years):
    """``(first day, last day, year or None)``: the academic year chosen, else the last 12
    weeks. Future days are never shown."""
    today = program.today()
    year = next((y for y in years if str(y.pk) == year_id), None)
    if year is None:
        first, last = recent_weeks(program, today)
        return first, last, None
    return year.start_date, min(year.end_date, today), year


def program_compliance(request: HttpRequest, program_id: int) -> HttpResponse:
    """Director and coordinators: a fellows x weeks grid, the trend and the findings."""
    program = program_for(request.user, program_id, roles=STAFF)
    years = list(AcademicYear.objects.filter(program=program).order_by("-start_date"))
    first, last, year = selected_period(program, request.GET.get("year", ""), years)
    if last < first:  # an academic year that has not begun
        first = last = program.today()
    result = compliance(program=program, first=first, last=last)
    form = ComplianceFilterForm(request.GET or None, years=years, fellows=result.fellows)
    wanted_fellow, wanted_rule = None, ""
    if form.is_bound and form.is_valid():
        wanted_fellow, wanted_rule = form.cleaned_data["fellow"], form.cleaned_data["rule"]
    findings = [
        row
        for row in result.findings
        if (wanted_fellow is None or row.fellow.membership_id == wanted_fellow)
        and (not wanted_rule or row.finding.rule == wanted_rule)
    ]
    for fellow in result.fellows:
        fellow.week_url = reverse(
            "workhours:fellow_week",
            kwargs={"program_id": program.pk, "membership_id": fellow.membership_id},
        )
    page = Paginator(findings, FINDINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "program": program,
        "result": result,
        "year": year,
        "form": form,
        "trend": result.trend(),
        "findings_page": page,
        "findings_count": len(findings),
        "page_query": query.urlencode(),
        "export_query": f"start={first.isoformat()}&end={last.isoformat()}",
        "statuses": {
            "violation": VIOLATION,
            "warning": WARNING,
            "compliant": COMPLIANT,
            "unlogged": UNLOGGED,
            "outside": OUTSIDE,
            "this_week": THIS_WEEK,
        },
    }
    return render(request, "workhours/program_compliance.html", context)
