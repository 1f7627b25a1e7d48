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
from curriculum.models import Membership
from curriculum.selectors import program_list
from dashboard import selectors as dashboard_selectors
from procedures.selectors.progress import fellow_target_progress, progress_fellow_list

from . import services
from .forms import (
    AcademicYearForm,
    CalendarFilterForm,
    CohortForm,
    DeadlineCreateForm,
    DeadlineForm,
    EnrolmentForm,
    EnrolmentStatusForm,
    PathwayForm,
)
from .permissions import COHORT_VIEWER_ROLES, can_manage_pathway
from .selectors import (
    academic_year_list,
    cohort_enrolment_list,
    cohort_list,
    deadline_list,
    fellow_membership_list,
    fellowable_membership_list,
    managed_enrolment_list,
)

COHORT_PAGE_SIZE = 50


def my_progress(request: HttpRequest, program_id: int) -> HttpResponse:
    """Fellow home: their own progress toward graduation (procedure targets, CCC levels, latest
    ratings), what is due, and their latest feedback; nobody else's. A fixed number of queries."""
    program = get_object_or_404(
        program_list(user=request.user, roles=[Membership.Role.FELLOW]), pk=program_id
    )
    fellow = get_object_or_404(
        progress_fellow_list(user=request.user, program=program), user=request.user
    )
    today = program.today()
    procedures = fellow_target_progress(user=request.user, fellow=fellow)
    levels = dashboard_selectors.fellow_levels(
        fellow=fellow, subcompetencies=dashboard_selectors.current_subcompetencies(program=program)
    )
    context = {
        "program": program,
        "today": today,
        "procedures": procedures,
        "procedure_targets_met": sum(item.met for item in procedures),
        "procedure_targets_total": len(procedures),
        "levels": [row for row in levels if row.ccc or row.rating],
        "has_ccc": any(row.ccc for row in levels),
        "due": dashboard_selectors.fellow_due(fellow=fellow, today=today),
        "upcoming_days": dashboard_selectors.UPCOMING_DAYS,
        "feedback": dashboard_selectors.latest_feedback(fellow=fellow),
    }
    return render(request, "trainees/my_progress.html", context)


def cohort_list_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """The program's cohorts by academic year, with how many fellows each holds."""
    program = get_object_or_404(
        program_list(user=request.user, roles=COHORT_VIEWER_ROLES), pk=program_id
    )
    context = {
        "program": program,
        "cohorts": cohort_list(user=request.user, program=program),
        "can_manage": can_manage_pathway(request.user, program),
    }
    return render(request, "trainees/cohort_list.html", context)


def cohort_detail(request: HttpRequest, program_id: int, cohort_id: int) -> HttpResponse:
    """One cohort's fellows with status, start and expected end."""
    program = get_object_or_404(
        program_list(user=request.user, roles=COHORT_VIEWER_ROLES), pk=program_id
    )
    cohort = get_object_or_404(cohort_list(user=request.user, program=program), pk=cohort_id)
    today = program.today()
    fellows = Paginator(
        cohort_enrolment_list(user=request.user, cohort=cohort, on=today), COHORT_PAGE_SIZE
    )
    context = {
        "program": program,
        "cohort": cohort,
        "enrolment_page": fellows.get_page(request.GET.get("page")),
        "can_manage": can_manage_pathway(request.user, program),
    }
    return render_page_or_partial(request, "trainees/cohort_detail.html", "fellows", context)


def fellow_profile(request: HttpRequest, program_id: int, membership_id: int) -> HttpResponse:
    """A fellow's pathway, for the program's staff and faculty and for the fellow themself."""
    program = get_object_or_404(program_list(user=request.user), pk=program_id)
    fellow = get_object_or_404(
        fellow_membership_list(user=request.user, program=program), pk=membership_id
    )
    return render(
        request,
        "trainees/fellow_profile.html",
        {
            "program": program,
            "fellow": fellow,
            "is_self": fellow.user_id == request.user.pk,
            "today": program.today(),
            "scheduled_enrolments": _scheduled_enrolments(fellow),
            "can_manage": can_manage_pathway(request.user, program),
        },
    )


def my_pathway(request: HttpRequest, program_id: int) -> HttpResponse:
    """The fellow's own pathway: medical education, residency and enrolment (read only)."""
    program = get_object_or_404(
        program_list(user=request.user, roles=[Membership.Role.FELLOW]), pk=program_id
    )
    fellow = get_object_or_404(
        fellow_membership_list(user=request.user, program=program), user=request.user
    )
    today = program.today()
    upcoming = deadline_list(user=request.user, program=program).filter(due_date__gte=today)[
        :UPCOMING_DEADLINES_SHOWN
    ]
    context = {
        "program": program,
        "fellow": fellow,
        "is_self": True,
        "deadlines": upcoming,
        "today": today,
        "scheduled_enrolments": _scheduled_enrolments(fellow),
    }
    return render(request, "trainees/my_pathway.html", context)


def _scheduled_enrolments(fellow: Membership) -> list:
    """The fellow's enrolments that have blocks, newest first (all prefetched by the selector)."""
    return [enrolment for enrolment in fellow.enrolments.all() if enrolment.blocks.all()]


def _staff_program(request: HttpRequest, program_id: int):
    return get_object_or_404(
        program_list(user=request.user, roles=Membership.STAFF_ROLES), pk=program_id
    )


def _form_page(request, *, program, form, title: str, back_url: str) -> HttpResponse:
    return render(
        request,
        "trainees/pathway_form.html",
        {"program": program, "form": form, "title": title, "back_url": back_url},
    )


def academic_year_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _staff_program(request, program_id)
    back_url = reverse("trainees:cohort_list", kwargs={"program_id": program.pk})
    form = AcademicYearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            year = services.academic_year_create(
                actor=request.user, program=program, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Academic year {year.label} added.")
            return redirect(back_url)
    return _form_page(
        request, program=program, form=form, title="New academic year", back_url=back_url
    )


def cohort_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _staff_program(request, program_id)
    back_url = reverse("trainees:cohort_list", kwargs={"program_id": program.pk})
    form = CohortForm(
        request.POST or None,
        academic_years=academic_year_list(user=request.user, program=program),
    )
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_create(
                actor=request.user, program=program, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Cohort {cohort.name} added.")
            return redirect(cohort.get_absolute_url())
    return _form_page(request, program=program, form=form, title="New cohort", back_url=back_url)


def enrolment_create(request: HttpRequest, program_id: int, cohort_id: int) -> HttpResponse:
    program = _staff_program(request, program_id)
    cohort = get_object_or_404(cohort_list(user=request.user, program=program), pk=cohort_id)
    form = EnrolmentForm(
        request.POST or None,
        fellows=fellowable_membership_list(user=request.user, program=program),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.enrolment_create(actor=request.user, cohort=cohort, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['membership'].user} enrolled.")
            return redirect(cohort.get_absolute_url())
    return _form_page(
        request,
        program=program,
        form=form,
        title=f"Enrol a fellow in {cohort.name}",
        back_url=cohort.get_absolute_url(),
    )


def pathway_edit(request: HttpRequest, program_id: int, membership_id: int) -> HttpResponse:
    """The director or coordinator records a fellow's medical education and residency."""
    program = _staff_program(request, program_id)
    fellow = get_object_or_404(
        fellow_membership_list(user=request.user, program=program), pk=membership_id
    )
    initial = {}
    for record, fields in (
        (getattr(fellow, "medical_education", None), PathwayForm.EDUCATION_FIELDS),
        (getattr(fellow, "residency", None), PathwayForm.RESIDENCY_FIELDS),
    ):
        if record is not None:
            initial |= {field: getattr(record, field) for field in fields}
    form = PathwayForm(request.POST or None, initial=initial)
    back_url = reverse(
        "trainees:fellow_profile", kwargs={"program_id": program.pk, "membership_id": fellow.pk}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.pathway_update(
                actor=request.user,
                membership=fellow,
                medical_education={f: data[f] for f in PathwayForm.EDUCATION_FIELDS},
                residency={f: data[f] for f in PathwayForm.RESIDENCY_FIELDS},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Pathway of {fellow.user} saved.")
            return redirect(back_url)
    title = f"Pathway of {fellow.user}"
    return _form_page(request, program=program, form=form, title=title, back_url=back_url)


def enrolment_status(request: HttpRequest, program_id: int, enrolment_id: int) -> HttpResponse:
    """Record a leave of absence (which extends the end date), completion or withdrawal."""
    program = _staff_program(request, program_id)
    enrolment = get_object_or_404(
        managed_enrolment_list(user=request.user, program=program), pk=enrolment_id
    )
    form = EnrolmentStatusForm(request.POST or None, initial={"status": enrolment.status})
    back_url = enrolment.get_absolute_url()
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_set_status(
                actor=request.user, enrolment=enrolment, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"{enrolment.membership.user}: {enrolment.get_status_display().lower()}, "
                f"expected end {enrolment.expected_end_date:%b %d, %Y}.",
            )
            return redirect(back_url)
    title = f"Status of {enrolment.membership.user} in {enrolment.cohort.name}"
    return _form_page(request, program=program, form=form, title=title, back_url=back_url)


# --- Program calendar -------------------------------------------------------------------------

CALENDAR_PAGE_SIZE = 100
UPCOMING_DEADLINES_SHOWN = 10


def _calendar_program(request: HttpRequest, program_id: int):
    return get_object_or_404(
        program_list(user=request.user, roles=COHORT_VIEWER_ROLES), pk=program_id
    )


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
    program = _calendar_program(request, program_id)
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
    program = _staff_program(request, program_id)
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


def deadline_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _staff_program(request, program_id)
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
    return _form_page(
        request,
        program=program,
        form=form,
        title="Add a deadline",
        back_url=_calendar_url(program),
    )


def deadline_edit(request: HttpRequest, program_id: int, deadline_id: int) -> HttpResponse:
    """Change a deadline's title and date: inline through htmx, or as a plain form page."""
    program = _staff_program(request, program_id)
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
    return _form_page(
        request,
        program=program,
        form=form,
        title=f"Edit {deadline.title}",
        back_url=_calendar_url(program, deadline.academic_year),
    )


@require_POST
def deadline_delete(request: HttpRequest, program_id: int, deadline_id: int) -> HttpResponse:
    program = _staff_program(request, program_id)
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
    program = _calendar_program(request, program_id)
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
