"""The program calendar: deadlines by month, their refresh from the schedule, edits, CSV."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.csv import csv_response
from core.forms import add_service_errors
from core.htmx import is_htmx, render_page_or_partial
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership

from ..forms import CalendarFilterForm, DeadlineCreateForm, DeadlineForm
from ..permissions import can_manage_pathway
from ..selectors import academic_year_list, deadline_list
from ..services import calendar as services
from .pathway import form_page

CALENDAR_PAGE_SIZE = 100


def _calendar_filters(request: HttpRequest, program) -> tuple[CalendarFilterForm, dict]:
    """The academic year and kind asked for in the query string, with the defaults filled in:
    the academic year containing today, else the latest one."""
    years = academic_year_list(user=request.user, program=program)
    asked = CalendarFilterForm(request.GET, academic_years=years)
    cleaned = asked.cleaned_data if asked.is_valid() else {}
    year = cleaned.get("academic_year")
    if year is None:
        today = program.today()
        year = years.filter(start_date__lte=today, end_date__gte=today).first() or years.first()
    filters = {"academic_year": year, "kind": cleaned.get("kind") or ""}
    form = CalendarFilterForm(initial=filters, academic_years=years, auto_id="filter_%s")
    return form, filters


def _calendar_url(program, academic_year=None) -> str:
    url = reverse("trainees:calendar", kwargs={"program_id": program.pk})
    if academic_year is not None:
        url += "?" + urlencode({"academic_year": academic_year.pk})
    return url


def calendar_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """The program's deadlines for one academic year, by month, for its staff and faculty."""
    program = program_for(request.user, program_id, roles=Membership.OVERSIGHT_ROLES)
    filter_form, filters = _calendar_filters(request, program)
    year, kind = filters["academic_year"], filters["kind"]
    deadlines = Paginator(
        deadline_list(user=request.user, program=program, academic_year=year, kind=kind),
        CALENDAR_PAGE_SIZE,
    )
    can_manage = can_manage_pathway(request.user, program)
    query = urlencode({"academic_year": year.pk if year else "", "kind": kind})
    context = {
        "program": program,
        "academic_year": year,
        "filter_form": filter_form,
        "filter_query": query,
        "deadline_page": deadlines.get_page(request.GET.get("page")),
        "can_manage": can_manage,
        "create_form": DeadlineCreateForm(
            prefix="new",
            initial={"academic_year": year},
            academic_years=academic_year_list(user=request.user, program=program),
        )
        if can_manage
        else None,
    }
    return render_page_or_partial(request, "trainees/calendar.html", "deadlines", context)


@require_POST
def calendar_generate(request: HttpRequest, program_id: int) -> HttpResponse:
    """Create or refresh the generated deadlines of one academic year from the schedule."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    year_id = request.POST.get("academic_year", "")
    if not year_id.isdigit():
        raise Http404("No such academic year.")
    year = get_object_or_404(academic_year_list(user=request.user, program=program), pk=year_id)
    result = services.calendar_generate(actor=request.user, academic_year=year)
    messages.success(
        request,
        f"Calendar {year.label} refreshed from the schedule: {result.created} created, "
        f"{result.updated} updated, {result.deleted} deleted, "
        f"{result.kept} edited by hand kept as they were.",
    )
    return redirect(_calendar_url(program, year))


@once_per_submit
def deadline_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    form = DeadlineCreateForm(
        request.POST or None,
        prefix="new",
        academic_years=academic_year_list(user=request.user, program=program),
    )
    if request.method == "POST" and form.is_valid():
        try:
            deadline = services.deadline_create(
                actor=request.user, program=program, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Deadline {deadline.title} added.")
            return redirect(_calendar_url(program, deadline.academic_year))
    return form_page(
        request,
        program=program,
        form=form,
        title="Add a deadline",
        back_url=_calendar_url(program),
    )


def deadline_edit(request: HttpRequest, program_id: int, deadline_id: int) -> HttpResponse:
    """Change a deadline's title and date: inline through htmx, or as a plain form page."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    deadline = get_object_or_404(deadline_list(user=request.user, program=program), pk=deadline_id)
    form = DeadlineForm(
        request.POST or None,
        prefix=f"deadline-{deadline.pk}",
        initial={"title": deadline.title, "due_date": deadline.due_date},
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.deadline_update(
                actor=request.user, deadline=deadline, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if is_htmx(request):
                saved = deadline_list(user=request.user, program=program).get(pk=saved.pk)
                context = {"program": program, "deadline": saved, "can_manage": True}
                return render(request, "trainees/calendar.html#deadline_row", context)
            messages.success(request, f"Deadline {saved.title} saved.")
            return redirect(_calendar_url(program, saved.academic_year))
    if is_htmx(request):
        context = {"program": program, "deadline": deadline, "form": form}
        return render(request, "trainees/calendar.html#deadline_edit", context)
    return form_page(
        request,
        program=program,
        form=form,
        title=f"Edit {deadline.title}",
        back_url=_calendar_url(program, deadline.academic_year),
    )


@require_POST
def deadline_delete(request: HttpRequest, program_id: int, deadline_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    deadline = get_object_or_404(deadline_list(user=request.user, program=program), pk=deadline_id)
    try:
        services.deadline_delete(actor=request.user, deadline=deadline)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Deadline {deadline.title} deleted.")
    return redirect(_calendar_url(program, deadline.academic_year))


def calendar_export(request: HttpRequest, program_id: int) -> HttpResponse:
    """The calendar as CSV, with the same filters as the page and no pagination."""
    program = program_for(request.user, program_id, roles=Membership.OVERSIGHT_ROLES)
    _, filters = _calendar_filters(request, program)
    year = filters["academic_year"]
    deadlines = deadline_list(
        user=request.user, program=program, academic_year=year, kind=filters["kind"]
    )
    filename = f"calendar-{year.label if year else 'empty'}.csv"
    rows = (
        (
            deadline.kind,
            deadline.title,
            deadline.due_date.isoformat(),
            deadline.enrolment.membership.user.display_name if deadline.enrolment else "",
            deadline.enrolment.cohort.name if deadline.enrolment else "",
            "yes" if deadline.is_edited else "no",
        )
        for deadline in deadlines
    )
    header = ["kind", "title", "due_date", "fellow", "cohort", "edited"]
    return csv_response(filename, header, rows)
