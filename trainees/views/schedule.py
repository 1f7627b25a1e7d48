"""The rotation schedule grid: fellows by weeks for one academic year, with its block editor."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.htmx import is_htmx, render_page_or_partial
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership
from curriculum.permissions import can_manage_schedule
from trainees.schedule import Span, find_gaps, find_overlaps, grid_row, weeks_between

from ..forms import ScheduleBlockForm
from ..selectors import (
    academic_year_list,
    managed_enrolment_list,
    managed_schedule_block_list,
    schedule_enrolment_list,
)
from ..services.schedule import (
    schedule_block_create,
    schedule_block_delete,
    schedule_block_update,
)

DEFAULT_BLOCK_DAYS = 27  # a new block defaults to four weeks


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


def _rotation_legend(enrolments) -> list:
    """Each rotation the grid shows, by its code: the grid cells carry only the short name."""
    rotations = {b.rotation_id: b.rotation for e in enrolments for b in e.blocks.all()}
    return sorted(rotations.values(), key=lambda r: (r.short_name.casefold(), r.name))


def _schedule_context(request: HttpRequest, program, academic_year, **extra) -> dict:
    weeks = weeks_between(academic_year.start_date, academic_year.end_date)
    enrolments = schedule_enrolment_list(
        user=request.user, program=program, academic_year=academic_year
    )
    today = program.today()
    return {
        "program": program,
        "academic_year": academic_year,
        "academic_years": academic_year_list(user=request.user, program=program),
        "weeks": weeks,
        # The grid opens at this week (marked "This week"; static/js/schedule_grid.js scrolls
        # to it); None when the year shown is not the current one.
        "this_week": next((w.start for w in weeks if w.start <= today <= w.end), None),
        "rows": _schedule_rows(enrolments, weeks),
        "legend": _rotation_legend(enrolments),
        "can_edit": can_manage_schedule(request.user, program),
        "block_form": None,
        "editing": None,
        "editing_block": None,
    } | extra


def _schedule_program_and_year(request: HttpRequest, program_id: int, year_id=None):
    program = program_for(request.user, program_id, roles=Membership.OVERSIGHT_ROLES)
    years = academic_year_list(user=request.user, program=program)
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
        return render(request, "trainees/schedule.html", {"program": program})
    context = _schedule_context(request, program, academic_year)
    return render_page_or_partial(request, "trainees/schedule.html", "grid", context)


def _block_form_response(
    request: HttpRequest, program, enrolment, form=None, block=None
) -> HttpResponse:
    """The block editor above the grid: adding a block for ``enrolment``, or editing ``block``."""
    if form is None and block is not None:
        form = ScheduleBlockForm(
            program=program,
            current_rotation=block.rotation,
            initial={
                "rotation": block.rotation_id,
                "start_date": block.start_date,
                "end_date": block.end_date,
            },
        )
    elif form is None:
        start = parse_date(request.GET.get("start") or "") or enrolment.start_date
        form = ScheduleBlockForm(
            program=program,
            initial={"start_date": start, "end_date": start + timedelta(days=DEFAULT_BLOCK_DAYS)},
        )
    context = _schedule_context(
        request,
        program,
        enrolment.cohort.academic_year,
        block_form=form,
        editing=enrolment,
        editing_block=block,
    )
    if is_htmx(request) and request.method == "GET":
        return render(request, "trainees/schedule.html#block_editor", context)
    return render_page_or_partial(request, "trainees/schedule.html", "grid", context)


@once_per_submit
def schedule_block_form_page(
    request: HttpRequest, program_id: int, enrolment_id: int
) -> HttpResponse:
    """Add a block for one fellow. With htmx the form opens above the grid and a save swaps the
    whole grid; without JavaScript the same URL is an ordinary page."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
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


def schedule_block_edit_page(request: HttpRequest, program_id: int, block_id: int) -> HttpResponse:
    """Change a block's rotation or dates in place (the block, and what is linked to it, stays).
    With htmx the form opens above the grid; without JavaScript it is an ordinary page."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    block = get_object_or_404(
        managed_schedule_block_list(user=request.user, program=program), pk=block_id
    )
    enrolment = block.enrolment
    if request.method != "POST":
        return _block_form_response(request, program, enrolment, block=block)
    form = ScheduleBlockForm(request.POST, program=program, current_rotation=block.rotation)
    if form.is_valid():
        try:
            block = schedule_block_update(actor=request.user, block=block, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{enrolment.membership.user}: {block} saved.")
            return _schedule_saved(request, program, enrolment)
    return _block_form_response(request, program, enrolment, form=form, block=block)


def _schedule_saved(request: HttpRequest, program, enrolment) -> HttpResponse:
    if is_htmx(request):
        context = _schedule_context(request, program, enrolment.cohort.academic_year)
        return render(request, "trainees/schedule.html#grid", context)
    url = reverse("trainees:schedule", kwargs={"program_id": program.pk})
    return redirect(f"{url}?year={enrolment.cohort.academic_year_id}")


@require_POST
def schedule_block_delete_page(
    request: HttpRequest, program_id: int, block_id: int
) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    block = get_object_or_404(
        managed_schedule_block_list(user=request.user, program=program), pk=block_id
    )
    enrolment = block.enrolment
    try:
        schedule_block_delete(actor=request.user, block=block)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{enrolment.membership.user}: {block} removed.")
    return _schedule_saved(request, program, enrolment)
