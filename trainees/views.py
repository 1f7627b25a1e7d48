from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core.htmx import render_page_or_partial
from curriculum.models import Membership
from curriculum.selectors import program_list

from . import services
from .forms import AcademicYearForm, CohortForm, EnrolmentForm
from .permissions import COHORT_VIEWER_ROLES, can_manage_pathway
from .selectors import (
    academic_year_list,
    cohort_enrolment_list,
    cohort_list,
    fellow_membership_list,
    fellowable_membership_list,
)

COHORT_PAGE_SIZE = 50


def _form_errors_from(form, exc: ValidationError) -> None:
    """Put a service's ValidationError back on the form, on the field it names when it can."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def my_progress(request: HttpRequest, program_id: int) -> HttpResponse:
    """Fellow home: their own progress toward graduation, and nobody else's."""
    program = get_object_or_404(
        program_list(user=request.user, roles=[Membership.Role.FELLOW]), pk=program_id
    )
    return render(request, "trainees/my_progress.html", {"program": program})


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
    fellows = Paginator(cohort_enrolment_list(user=request.user, cohort=cohort), COHORT_PAGE_SIZE)
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
        {"program": program, "fellow": fellow, "is_self": fellow.user_id == request.user.pk},
    )


def my_pathway(request: HttpRequest, program_id: int) -> HttpResponse:
    """The fellow's own pathway: medical education, residency and enrolment (read only)."""
    program = get_object_or_404(
        program_list(user=request.user, roles=[Membership.Role.FELLOW]), pk=program_id
    )
    fellow = get_object_or_404(
        fellow_membership_list(user=request.user, program=program), user=request.user
    )
    return render(
        request,
        "trainees/my_pathway.html",
        {"program": program, "fellow": fellow, "is_self": True},
    )


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
            _form_errors_from(form, exc)
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
            _form_errors_from(form, exc)
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
            _form_errors_from(form, exc)
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
