"""Verification queue, bulk sign-off, returning and reopening entries, and progress pages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from core.csv import csv_response
from core.forms import add_service_errors
from core.htmx import is_htmx
from curriculum.access import program_for
from curriculum.models import Membership
from trainees.selectors import cohort_list

from ..forms.verification import ReopenForm, ReturnForm
from ..selectors.progress import (
    cohort_target_progress,
    fellow_target_progress,
    progress_fellow_list,
    progress_table,
)
from ..selectors.verification import verifiable_entry_list, verification_queue
from ..services import verification as services

Role = Membership.Role
QUEUE_PAGE_SIZE = 50


def _queue_url(program) -> str:
    return reverse("procedures:verification_queue", kwargs={"program_id": program.pk})


def _entry_ids(request: HttpRequest) -> list[int]:
    values = request.POST.getlist("entry")
    if not all(value.isdigit() for value in values):
        raise Http404("No such entry.")
    return sorted({int(value) for value in values})


def _service_error(request: HttpRequest, exc: Exception) -> None:
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)


def verification_queue_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """Pending entries the faculty member supervises (every one for the director), oldest first."""
    program = program_for(request.user, program_id, roles=Membership.TEACHING_ROLES)
    queue = Paginator(verification_queue(user=request.user, program=program), QUEUE_PAGE_SIZE)
    context = {"program": program, "entry_page": queue.get_page(request.GET.get("page"))}
    return render(request, "procedures/verification_queue.html", context)


@require_POST
def entry_verify_view(request: HttpRequest, program_id: int, entry_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.TEACHING_ROLES)
    entry = get_object_or_404(
        verifiable_entry_list(user=request.user, program=program), pk=entry_id
    )
    try:
        services.entry_verify(actor=request.user, entry=entry)
    except (ValidationError, PermissionDenied) as exc:
        _service_error(request, exc)
    else:
        messages.success(
            request,
            f"Verified {entry.fellow.user.display_name}'s {entry.procedure_type} "
            f"of {date_format(entry.performed_on, 'M j, Y')}.",
        )
    return redirect(_queue_url(program))


@require_POST
def entry_verify_bulk_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """First a confirmation page listing exactly the selected entries; ``confirm=1`` verifies."""
    program = program_for(request.user, program_id, roles=Membership.TEACHING_ROLES)
    ids = _entry_ids(request)
    if not ids:
        messages.error(request, "Select at least one entry to verify.")
        return redirect(_queue_url(program))
    entries = list(
        verifiable_entry_list(user=request.user, program=program)
        .filter(pk__in=ids)
        .order_by("performed_on", "created_at", "pk")
    )
    if len(entries) != len(ids):
        raise Http404("No such entry.")
    if request.POST.get("confirm") != "1":
        context = {"program": program, "entries": entries}
        return render(request, "procedures/verify_bulk_confirm.html", context)
    try:
        count = services.entry_verify_bulk(actor=request.user, program=program, entry_ids=ids)
    except (ValidationError, PermissionDenied) as exc:
        _service_error(request, exc)
    else:
        messages.success(request, f"Verified {count} entr{'y' if count == 1 else 'ies'}.")
    return redirect(_queue_url(program))


def entry_return_view(request: HttpRequest, program_id: int, entry_id: int) -> HttpResponse:
    """Return a pending entry with a reason: a page, or the form alone for htmx."""
    program = program_for(request.user, program_id, roles=Membership.TEACHING_ROLES)
    entry = get_object_or_404(
        verifiable_entry_list(user=request.user, program=program), pk=entry_id
    )
    form = ReturnForm(request.POST or None, prefix=f"return-{entry.pk}")
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_return(actor=request.user, entry=entry, **form.cleaned_data)
        except PermissionDenied as exc:
            _service_error(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Returned {entry.fellow.user.display_name}'s {entry.procedure_type} "
                "with your reason.",
            )
            return redirect(_queue_url(program))
    context = {"program": program, "entry": entry, "form": form}
    name = "procedures/entry_return.html"
    if is_htmx(request) and request.method == "GET":
        name += "#return_form"
    return render(request, name, context)


def _fellow_log_url(program, fellow_id: int) -> str:
    try:
        return reverse(
            "procedures:fellow_log", kwargs={"program_id": program.pk, "membership_id": fellow_id}
        )
    except NoReverseMatch:  # the log pages are another module; fall back to the cohort table
        return reverse("procedures:cohort_progress", kwargs={"program_id": program.pk})


def entry_reopen_view(request: HttpRequest, program_id: int, entry_id: int) -> HttpResponse:
    """The director unlocks a verified entry, with a reason that is recorded."""
    program = program_for(request.user, program_id, roles=[Role.DIRECTOR])
    entry = get_object_or_404(
        verifiable_entry_list(user=request.user, program=program), pk=entry_id
    )
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_reopen(actor=request.user, entry=entry, **form.cleaned_data)
        except PermissionDenied as exc:
            _service_error(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Reopened {entry.procedure_type}; it is pending again.")
            return redirect(_fellow_log_url(program, entry.fellow_id))
    context = {
        "program": program,
        "entry": entry,
        "form": form,
        "back_url": _fellow_log_url(program, entry.fellow_id),
    }
    return render(request, "procedures/entry_reopen.html", context)


def my_progress_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """The fellow's own counts against every target, as a table and a chart."""
    program = program_for(request.user, program_id, roles=[Role.FELLOW])
    fellow = get_object_or_404(
        progress_fellow_list(user=request.user, program=program), user=request.user
    )
    progress = fellow_target_progress(user=request.user, fellow=fellow)
    chart = {
        "labels": [item.label for item in progress],
        "verified": [item.verified for item in progress],
        "pending": [item.pending for item in progress],
        "needed": [max(item.minimum - item.verified - item.pending, 0) for item in progress],
        "minimum": [item.minimum for item in progress],
    }
    context = {
        "program": program,
        "fellow": fellow,
        "progress": progress,
        "met_count": sum(item.met for item in progress),
        "chart": chart,
    }
    return render(request, "procedures/my_progress.html", context)


def _cohort_progress(request: HttpRequest, program_id: int):
    program = program_for(request.user, program_id, roles=Membership.OVERSIGHT_ROLES)
    cohorts = cohort_list(user=request.user, program=program)
    cohort = None
    cohort_id = request.GET.get("cohort", "")
    if cohort_id:
        if not cohort_id.isdigit():
            raise Http404("No such cohort.")
        cohort = get_object_or_404(cohorts, pk=cohort_id)
    targets, rows = cohort_target_progress(user=request.user, program=program, cohort=cohort)
    return program, cohorts, cohort, targets, rows


def cohort_progress_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """Fellows by targets, shortfalls marked in words and colour, each fellow linking to the log."""
    program, cohorts, cohort, targets, rows = _cohort_progress(request, program_id)
    context = {
        "program": program,
        "cohorts": cohorts,
        "cohort": cohort,
        "targets": targets,
        "rows": rows,
    }
    return render(request, "procedures/cohort_progress.html", context)


def cohort_progress_export(request: HttpRequest, program_id: int) -> HttpResponse:
    """The cohort progress table as CSV, with the same cohort filter."""
    _, _, cohort, targets, rows = _cohort_progress(request, program_id)
    filename = f"procedure-progress-{cohort.pk if cohort else 'active'}.csv"
    header, lines = progress_table(targets, rows)
    return csv_response(filename, header, lines)
