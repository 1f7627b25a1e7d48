"""The conference calendar: the month view, a session, series and their requirements, and new
sessions one by one or as a recurring run."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode

from core.forms import add_service_errors
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership

from .. import selectors
from ..forms import RecurringForm, RequirementForm, SeriesForm, SessionForm
from ..permissions import can_manage_calendar, can_run_checkin, is_fellow
from ..services.attendance import requirement_set
from ..services.schedule import (
    recurring_dates,
    session_create_recurring,
)
from ..services.schedule import (
    series_create as series_create_service,
)
from ..services.schedule import (
    session_create as session_create_service,
)
from .common import form_page, session_get, url

STAFF = Membership.STAFF_ROLES
SESSIONS_PER_PAGE = 25


def _month(request: HttpRequest, program) -> datetime.date:
    try:
        return datetime.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        return program.today().replace(day=1)


def calendar_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """The program's sessions month by month, for every member."""
    program = program_for(request.user, program_id)
    month = _month(request, program)
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    previous_month = (month - datetime.timedelta(days=1)).replace(day=1)
    sessions = selectors.session_list(user=request.user, program=program).filter(
        date__gte=month, date__lt=next_month
    )
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "program": program,
        "month": month,
        "session_page": page,
        "previous_query": urlencode({"month": f"{previous_month:%Y-%m}"}),
        "next_query": urlencode({"month": f"{next_month:%Y-%m}"}),
        "month_query": f"month={month:%Y-%m}&",
        "today": program.today(),
        "can_manage": can_manage_calendar(request.user, program),
        "is_fellow": is_fellow(request.user, program),
    }
    return render(request, "didactics/calendar.html", context)


def session_detail(request: HttpRequest, program_id: int, session_id: int) -> HttpResponse:
    program = program_for(request.user, program_id)
    session = session_get(request, program, session_id)
    context = {
        "program": program,
        "session": session,
        "subcompetencies": session.subcompetencies.order_by("competency__order", "order"),
        "can_run_checkin": can_run_checkin(request.user, session),
        "can_manage": can_manage_calendar(request.user, program),
        "is_fellow": is_fellow(request.user, program),
    }
    return render(request, "didactics/session_detail.html", context)


def series_list_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """Series and the attendance requirement per kind, for the coordinator and director."""
    program = program_for(request.user, program_id, roles=STAFF)
    form = RequirementForm(
        request.POST or None, requirements=selectors.requirement_map(program=program)
    )
    if request.method == "POST" and form.is_valid():
        try:
            for kind, percent in form.cleaned_data.items():
                requirement_set(
                    actor=request.user, program=program, kind=kind, required_percent=percent
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Attendance requirements saved.")
            return redirect(url("series_list", program_id=program.pk))
    context = {
        "program": program,
        "series_list": selectors.series_list(user=request.user, program=program),
        "form": form,
    }
    return render(request, "didactics/series_list.html", context)


@once_per_submit
def series_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=STAFF)
    form = SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            series = series_create_service(actor=request.user, program=program, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Series “{series.name}” created.")
            return redirect(url("series_list", program_id=program.pk))
    back = url("series_list", program_id=program.pk)
    return form_page(request, program=program, form=form, title="New series", back_url=back)


@once_per_submit
def session_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=STAFF)
    form = SessionForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            session = session_create_service(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Session on {session.date:%b %d, %Y} added.")
            return redirect(session.get_absolute_url())
    back = url("calendar", program_id=program.pk)
    return form_page(request, program=program, form=form, title="New session", back_url=back)


@once_per_submit
def session_recurring(request: HttpRequest, program_id: int) -> HttpResponse:
    """A recurring run of sessions: "Preview" shows the dates, "Create" saves all or none."""
    program = program_for(request.user, program_id, roles=STAFF)
    form = RecurringForm(request.POST or None, program=program)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if "confirm" in request.POST:
                created = session_create_recurring(actor=request.user, **data)
                messages.success(
                    request, f"{len(created)} sessions of {data['series']} added to the calendar."
                )
                month = f"{created[0].date:%Y-%m}"
                return redirect(f"{url('calendar', program_id=program.pk)}?month={month}")
            preview = recurring_dates(
                first_date=data["first_date"],
                last_date=data["last_date"],
                every_weeks=data["every_weeks"],
                skip_dates=data["skip_dates"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    back = url("calendar", program_id=program.pk)
    return form_page(
        request,
        program=program,
        form=form,
        title="New recurring sessions",
        back_url=back,
        preview=preview,
        submit_label="Preview the dates",
    )
