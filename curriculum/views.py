from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.htmx import is_htmx, render_page_or_partial
from trainees.models import ScheduleBlock
from trainees.selectors import managed_enrolment_list

from . import milestones
from .forms import MilestoneSetImportForm, RotationForm, ScheduleBlockForm
from .models import Membership
from .permissions import can_manage_curriculum, can_manage_schedule
from .schedule import Span, find_gaps, find_overlaps, grid_row, weeks_between
from .selectors import (
    membership_list,
    milestone_set_full_list,
    milestone_set_list,
    program_list,
    program_member_list,
    program_role_counts,
    rotation_list,
    schedule_academic_year_list,
    schedule_enrolment_list,
)
from .services import (
    milestone_set_import,
    milestone_set_load_default,
    rotation_create,
    rotation_update,
    schedule_block_create,
    schedule_block_delete,
)

ROSTER_PAGE_SIZE = 25
DEFAULT_BLOCK_DAYS = 27  # a new block defaults to four weeks
SCHEDULE_VIEWER_ROLES = (*Membership.STAFF_ROLES, Membership.Role.FACULTY)


def home(request: HttpRequest) -> HttpResponse:
    """Send a person with one role straight to that role's home; otherwise let them choose."""
    memberships = list(membership_list(user=request.user))
    if len(memberships) == 1:
        return redirect(memberships[0].get_absolute_url())
    return render(request, "curriculum/home.html", {"memberships": memberships})


def program_overview(request: HttpRequest, program_id: int) -> HttpResponse:
    """Director and coordinator home: who is in the program, and what is still to set up."""
    program = get_object_or_404(
        program_list(user=request.user, roles=Membership.STAFF_ROLES), pk=program_id
    )
    roster = Paginator(program_member_list(user=request.user, program=program), ROSTER_PAGE_SIZE)
    context = {
        "program": program,
        "role_counts": program_role_counts(program=program),
        "roster_page": roster.get_page(request.GET.get("page")),
    }
    return render_page_or_partial(request, "curriculum/program_overview.html", "roster", context)


MILESTONE_CONTENT_TYPES = {
    "yaml": "application/yaml; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


def _milestone_set_list_response(
    request: HttpRequest, program, import_form: MilestoneSetImportForm | None = None
) -> HttpResponse:
    milestone_sets = list(milestone_set_list(user=request.user, program=program))
    can_manage = can_manage_curriculum(request.user, program)
    context = {
        "program": program,
        "milestone_sets": milestone_sets,
        "can_manage": can_manage,
        "default_loaded": any(
            (ms.specialty, ms.version) == (milestones.DEFAULT_SPECIALTY, milestones.DEFAULT_VERSION)
            for ms in milestone_sets
        ),
        "default_name": f"{milestones.DEFAULT_SPECIALTY} {milestones.DEFAULT_VERSION}",
    }
    if can_manage:
        context["import_form"] = import_form or MilestoneSetImportForm(program_id=program.pk)
    return render(request, "curriculum/milestone_set_list.html", context)


def milestone_set_list_page(request: HttpRequest, program_id: int) -> HttpResponse:
    """Every member sees the program's milestone sets; the director also loads and imports."""
    program = get_object_or_404(program_list(user=request.user), pk=program_id)
    return _milestone_set_list_response(request, program)


@require_POST
def milestone_set_import_page(request: HttpRequest, program_id: int) -> HttpResponse:
    program = get_object_or_404(program_list(user=request.user), pk=program_id)
    if not can_manage_curriculum(request.user, program):
        raise PermissionDenied
    form = MilestoneSetImportForm(request.POST, request.FILES, program_id=program.pk)
    if form.is_valid():
        try:
            milestone_set = milestone_set_import(
                actor=request.user,
                program=program,
                content=form.cleaned_data["content"],
                file_format=form.cleaned_data["file_format"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Imported {milestone_set}.")
            return redirect(milestone_set.get_absolute_url())
    return _milestone_set_list_response(request, program, import_form=form)


@require_POST
def milestone_set_load_default_page(request: HttpRequest, program_id: int) -> HttpResponse:
    program = get_object_or_404(program_list(user=request.user), pk=program_id)
    if not can_manage_curriculum(request.user, program):
        raise PermissionDenied
    milestone_set = milestone_set_load_default(actor=request.user, program=program)
    messages.success(request, f"{milestone_set} is loaded.")
    return redirect(milestone_set.get_absolute_url())


def milestone_set_detail_page(request: HttpRequest, program_id: int, set_id: int) -> HttpResponse:
    """Competencies, subcompetencies, their seed domains and level descriptors."""
    program = get_object_or_404(program_list(user=request.user), pk=program_id)
    milestone_set = get_object_or_404(
        milestone_set_full_list(user=request.user, program=program), pk=set_id
    )
    context = {"program": program, "milestone_set": milestone_set}
    return render(request, "curriculum/milestone_set_detail.html", context)


def milestone_set_export(
    request: HttpRequest, program_id: int, set_id: int, file_format: str
) -> HttpResponse:
    program = get_object_or_404(program_list(user=request.user), pk=program_id)
    milestone_set = get_object_or_404(
        milestone_set_full_list(user=request.user, program=program), pk=set_id
    )
    content = milestones.dump(milestones.milestone_set_to_data(milestone_set), file_format)
    filename = (
        f"{slugify(milestone_set.specialty)}-milestones-{milestone_set.version}.{file_format}"
    )
    response = HttpResponse(content, content_type=MILESTONE_CONTENT_TYPES[file_format])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- Rotations ---------------------------------------------------------------------------------


def _member_program(request: HttpRequest, program_id: int):
    return get_object_or_404(program_list(user=request.user), pk=program_id)


def _schedule_manager_program(request: HttpRequest, program_id: int):
    program = get_object_or_404(
        program_list(user=request.user, roles=Membership.STAFF_ROLES), pk=program_id
    )
    if not can_manage_schedule(request.user, program):
        raise Http404
    return program


def rotation_list_page(request: HttpRequest, program_id: int) -> HttpResponse:
    """The program's rotations; any member reads them, directors and coordinators edit."""
    program = _member_program(request, program_id)
    context = {
        "program": program,
        "rotations": rotation_list(user=request.user, program=program),
        "can_edit": can_manage_schedule(request.user, program),
    }
    return render(request, "curriculum/rotation_list.html", context)


def rotation_form_page(
    request: HttpRequest, program_id: int, rotation_id: int | None = None
) -> HttpResponse:
    program = _schedule_manager_program(request, program_id)
    rotation = None
    if rotation_id is not None:
        rotation = get_object_or_404(
            rotation_list(user=request.user, program=program), pk=rotation_id
        )
    initial = {"is_active": True}
    if rotation is not None:
        initial = {
            field: getattr(rotation, field)
            for field in (
                "name",
                "short_name",
                "discipline",
                "site",
                "is_longitudinal",
                "is_active",
            )
        } | {"subcompetencies": list(rotation.subcompetencies.all())}
    form = RotationForm(request.POST or None, initial=initial, program=program)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if rotation is None:
                data.pop("is_active")
                rotation = rotation_create(actor=request.user, program=program, **data)
            else:
                rotation = rotation_update(actor=request.user, rotation=rotation, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Rotation {rotation} saved.")
            return redirect("curriculum:rotation_list", program_id=program.pk)
    context = {"program": program, "form": form, "rotation": rotation}
    return render(request, "curriculum/rotation_form.html", context)


# --- Schedule grid -----------------------------------------------------------------------------


def _schedule_rows(enrolments, weeks) -> list[dict]:
    rows = []
    for enrolment in enrolments:
        spans = [
            Span(b.start_date, b.end_date, b.rotation.short_name, b.rotation.is_longitudinal, b.pk)
            for b in enrolment.blocks.all()
        ]
        end = enrolment.expected_end_date
        cells = grid_row(spans, weeks, enrolled_from=enrolment.start_date, enrolled_to=end)
        rows.append(
            {
                "enrolment": enrolment,
                "cells": cells,
                "gap_weeks": sum(cell.is_gap for cell in cells),
                "gaps": find_gaps(spans, enrolment.start_date, end),
                "overlaps": find_overlaps(spans),
            }
        )
    return rows


def _schedule_context(request: HttpRequest, program, academic_year, **extra) -> dict:
    weeks = weeks_between(academic_year.start_date, academic_year.end_date)
    enrolments = schedule_enrolment_list(
        user=request.user, program=program, academic_year=academic_year
    )
    return {
        "program": program,
        "academic_year": academic_year,
        "academic_years": schedule_academic_year_list(user=request.user, program=program),
        "weeks": weeks,
        "rows": _schedule_rows(enrolments, weeks),
        "can_edit": can_manage_schedule(request.user, program),
        "block_form": None,
        "editing": None,
    } | extra


def _schedule_program_and_year(request: HttpRequest, program_id: int, year_id=None):
    program = get_object_or_404(
        program_list(user=request.user, roles=SCHEDULE_VIEWER_ROLES), pk=program_id
    )
    years = schedule_academic_year_list(user=request.user, program=program)
    if year_id:
        return program, get_object_or_404(years, pk=year_id)
    today = program.today()
    current = years.filter(start_date__lte=today, end_date__gte=today).first()
    return program, current or years.first()


def schedule_page(request: HttpRequest, program_id: int) -> HttpResponse:
    """Fellows by weeks for one academic year: what each fellow is on, where the gaps and
    overlaps are. Directors and coordinators add and remove blocks from here."""
    year_id = request.GET.get("year")
    program, academic_year = _schedule_program_and_year(
        request, program_id, int(year_id) if year_id and year_id.isdigit() else None
    )
    if academic_year is None:
        return render(request, "curriculum/schedule.html", {"program": program})
    context = _schedule_context(request, program, academic_year)
    return render_page_or_partial(request, "curriculum/schedule.html", "grid", context)


def _block_form_response(request: HttpRequest, program, enrolment, form=None) -> HttpResponse:
    if form is None:
        start = parse_date(request.GET.get("start") or "") or enrolment.start_date
        form = ScheduleBlockForm(
            program=program,
            initial={"start_date": start, "end_date": start + timedelta(days=DEFAULT_BLOCK_DAYS)},
        )
    context = _schedule_context(
        request, program, enrolment.cohort.academic_year, block_form=form, editing=enrolment
    )
    if is_htmx(request) and request.method == "GET":
        return render(request, "curriculum/schedule.html#block_editor", context)
    return render_page_or_partial(request, "curriculum/schedule.html", "grid", context)


def schedule_block_form_page(
    request: HttpRequest, program_id: int, enrolment_id: int
) -> HttpResponse:
    """Add a block for one fellow. With htmx the form opens above the grid and a save swaps the
    whole grid; without JavaScript the same URL is an ordinary page."""
    program = _schedule_manager_program(request, program_id)
    enrolment = get_object_or_404(
        managed_enrolment_list(user=request.user, program=program), pk=enrolment_id
    )
    if request.method != "POST":
        return _block_form_response(request, program, enrolment)
    form = ScheduleBlockForm(request.POST, program=program)
    if form.is_valid():
        try:
            block = schedule_block_create(
                actor=request.user, enrolment=enrolment, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{enrolment.membership.user}: {block} added.")
            return _schedule_saved(request, program, enrolment)
    return _block_form_response(request, program, enrolment, form=form)


def _schedule_saved(request: HttpRequest, program, enrolment) -> HttpResponse:
    if is_htmx(request):
        context = _schedule_context(request, program, enrolment.cohort.academic_year)
        return render(request, "curriculum/schedule.html#grid", context)
    url = reverse("curriculum:schedule", kwargs={"program_id": program.pk})
    return redirect(f"{url}?year={enrolment.cohort.academic_year_id}")


@require_POST
def schedule_block_delete_page(
    request: HttpRequest, program_id: int, block_id: int
) -> HttpResponse:
    program = _schedule_manager_program(request, program_id)
    block = get_object_or_404(
        ScheduleBlock.objects.filter(
            enrolment__in=managed_enrolment_list(user=request.user, program=program)
        ).select_related(
            "rotation", "enrolment__cohort__academic_year", "enrolment__membership__user"
        ),
        pk=block_id,
    )
    enrolment = block.enrolment
    try:
        schedule_block_delete(actor=request.user, block=block)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{enrolment.membership.user}: {block} removed.")
    return _schedule_saved(request, program, enrolment)
