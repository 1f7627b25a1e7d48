"""Cohorts, enrolments and a fellow's pathway (medical education, residency, status)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.htmx import render_page_or_partial
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership

from ..forms import (
    AcademicYearForm,
    CohortForm,
    EnrolmentForm,
    EnrolmentStatusForm,
    LeavePeriodForm,
    LeavePolicyForm,
    PathwayForm,
)
from ..permissions import can_manage_pathway
from ..selectors import (
    academic_year_list,
    cohort_enrolment_list,
    cohort_list,
    deadline_list,
    fellow_membership_list,
    fellowable_membership_list,
    managed_enrolment_list,
    managed_leave_period_list,
)
from ..services import leave as leave_services
from ..services import pathway as services

COHORT_PAGE_SIZE = 50
UPCOMING_DEADLINES_SHOWN = 10


def cohort_list_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """The program's cohorts by academic year, with how many fellows each holds."""
    program = program_for(request.user, program_id, roles=Membership.OVERSIGHT_ROLES)
    context = {
        "program": program,
        "cohorts": cohort_list(user=request.user, program=program),
        "can_manage": can_manage_pathway(request.user, program),
    }
    return render(request, "trainees/cohort_list.html", context)


def cohort_detail(request: HttpRequest, program_id: int, cohort_id: int) -> HttpResponse:
    """One cohort's fellows with status, start and expected end."""
    program = program_for(request.user, program_id, roles=Membership.OVERSIGHT_ROLES)
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
    program = program_for(request.user, program_id)
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
    program = program_for(request.user, program_id, roles=[Membership.Role.FELLOW])
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


def form_page(request, *, program, form, title: str, back_url: str) -> HttpResponse:
    """The one plain form page of the pathway and the calendar (no JavaScript needed)."""
    return render(
        request,
        "trainees/pathway_form.html",
        {"program": program, "form": form, "title": title, "back_url": back_url},
    )


@once_per_submit
def academic_year_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
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
    return form_page(
        request, program=program, form=form, title="New academic year", back_url=back_url
    )


@once_per_submit
def cohort_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
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
    return form_page(request, program=program, form=form, title="New cohort", back_url=back_url)


@once_per_submit
def enrolment_create(request: HttpRequest, program_id: int, cohort_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
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
    return form_page(
        request,
        program=program,
        form=form,
        title=f"Enrol a fellow in {cohort.name}",
        back_url=cohort.get_absolute_url(),
    )


def pathway_edit(request: HttpRequest, program_id: int, membership_id: int) -> HttpResponse:
    """The director or coordinator records a fellow's medical education and residency."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
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
    return form_page(request, program=program, form=form, title=title, back_url=back_url)


def enrolment_status(request: HttpRequest, program_id: int, enrolment_id: int) -> HttpResponse:
    """Record a leave of absence (its dates are leave periods), completion or withdrawal."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
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
    return form_page(request, program=program, form=form, title=title, back_url=back_url)


# --- Leave periods ----------------------------------------------------------------------------


def _leave_done(request, enrolment, text: str) -> HttpResponse:
    enrolment.refresh_from_db(fields=["leave_days", "leave_extension_days"])
    messages.success(
        request,
        f"{enrolment.membership.user}: {text}; expected end "
        f"{enrolment.expected_end_date:%b %d, %Y}.",
    )
    return redirect(f"{enrolment.get_absolute_url()}#leave-heading")


@once_per_submit
def leave_period_create(request: HttpRequest, program_id: int, enrolment_id: int) -> HttpResponse:
    """The director or coordinator records a dated leave of absence."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    enrolment = get_object_or_404(
        managed_enrolment_list(user=request.user, program=program), pk=enrolment_id
    )
    form = LeavePeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period = leave_services.leave_period_add(
                actor=request.user, enrolment=enrolment, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _leave_done(request, enrolment, f"{period} added")
    title = f"Leave of {enrolment.membership.user} in {enrolment.cohort.name}"
    back_url = enrolment.get_absolute_url()
    return form_page(request, program=program, form=form, title=title, back_url=back_url)


def leave_period_edit(request: HttpRequest, program_id: int, leave_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    period = get_object_or_404(
        managed_leave_period_list(user=request.user, program=program), pk=leave_id
    )
    enrolment = period.enrolment
    form = LeavePeriodForm(
        request.POST or None,
        initial={f: getattr(period, f) for f in ("kind", "start", "end", "note")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            period = leave_services.leave_period_update(
                actor=request.user, enrolment=enrolment, period=period, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _leave_done(request, enrolment, f"{period} saved")
    title = f"Leave of {enrolment.membership.user}: {period}"
    back_url = enrolment.get_absolute_url()
    return form_page(request, program=program, form=form, title=title, back_url=back_url)


@require_POST
def leave_period_delete(request: HttpRequest, program_id: int, leave_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    period = get_object_or_404(
        managed_leave_period_list(user=request.user, program=program), pk=leave_id
    )
    enrolment = period.enrolment
    leave_services.leave_period_remove(actor=request.user, enrolment=enrolment, period=period)
    return _leave_done(request, enrolment, f"{period} removed")


def leave_policy(request: HttpRequest, program_id: int) -> HttpResponse:
    """The program's leave policy: the allowance that does not extend training; saving it
    recomputes every fellow's expected end."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    policy = leave_services.leave_policy_get(program=program)
    form = LeavePolicyForm(
        request.POST or None,
        initial={
            "allowance_days": policy.allowance_days,
            "vacation_counts": policy.vacation_counts,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            leave_services.leave_policy_update(
                actor=request.user, program=program, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Leave policy saved; expected end dates follow it.")
            return redirect("dashboard:program_settings", program_id=program.pk)
    back_url = reverse("dashboard:program_settings", kwargs={"program_id": program.pk})
    return form_page(request, program=program, form=form, title="Leave policy", back_url=back_url)
