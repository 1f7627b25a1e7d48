"""The fellow's work-hour pages: the week (phone first), add/edit/delete a shift, "same as last
week", the week template, explanations. The director and coordinator read a fellow's week.
Thin: gate with ``program_for`` and a scoped selector (out of scope is a 404), call a service."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership

from . import rules, services
from .forms import ExplanationForm, ShiftForm, TemplateFormSet
from .models import Shift
from .permissions import READER_ROLES
from .selectors import (
    WEEK,
    fellow_findings,
    fellow_shifts,
    last_kind,
    own_fellowship,
    shift_templates,
    viewable_fellows,
    week_bounds,
    week_start_of,
    week_summary,
)

Role = Membership.Role
FELLOW = [Role.FELLOW]

# The rules in plain words, for the fellow's page (the finding's detail gives the numbers).
RULE_WORDS = {
    rules.RULE_80H: "More than 80 hours a week, averaged over four weeks",
    rules.RULE_1IN7: "Fewer than one day in seven free, averaged over four weeks",
    rules.RULE_24_4: "A continuous period longer than 24 hours plus 4 for handover",
    rules.RULE_14H: "Less than 14 hours free after 24 hours of in-house call",
    rules.RULE_8H: "Less than 8 hours off between shifts (advised, a warning)",
    rules.RULE_Q3: "In-house call more often than every third night",
}


def _fellow(request, program) -> Membership:
    fellow = own_fellowship(user=request.user, program=program)
    if fellow is None:
        raise Http404("No such page.")
    return fellow


def _week(request, program) -> datetime.date:
    """The Monday of ``?week=`` (any day of it), or of today on the program's clock."""
    raw = request.GET.get("week") or request.POST.get("week") or ""
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        day = program.today()
    if not datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 1, 1):
        day = program.today()
    return week_start_of(day)


def _week_url(program, week: datetime.date, fellow: Membership | None = None) -> str:
    if fellow is None:
        url = reverse("workhours:my_week", kwargs={"program_id": program.pk})
    else:
        url = reverse(
            "workhours:fellow_week", kwargs={"program_id": program.pk, "membership_id": fellow.pk}
        )
    return f"{url}?week={week.isoformat()}"


def _week_page(request, program, fellow, week, *, editable, form=None):
    low, high = week_bounds(program, week)
    shifts = list(fellow_shifts(user=request.user, fellow=fellow, start=low, end=high))
    summary = week_summary(fellow=fellow, week_start=week, shifts=shifts)
    findings = fellow_findings(fellow=fellow, start=low, end=high)
    for shown in findings:
        shown.words = RULE_WORDS[shown.finding.rule]
        if editable:
            shown.form = ExplanationForm(
                initial={
                    "rule": shown.finding.rule,
                    "period_start": shown.finding.period_start.isoformat(),
                    "period_end": shown.finding.period_end.isoformat(),
                    "text": shown.explanation.text if shown.explanation else "",
                },
                prefix=f"x{shown.finding.rule}-{shown.finding.period_start:%Y%m%d%H%M}",
            )
    if editable and form is None:
        form = ShiftForm(
            initial={
                "date": min(program.today(), week + datetime.timedelta(days=6)),
                "kind": last_kind(fellow=fellow),
            }
        )
    context = {
        "program": program,
        "fellow": fellow,
        "week": week,
        "week_end": week + datetime.timedelta(days=6),
        "summary": summary,
        "findings": findings,
        "editable": editable,
        "form": form,
        "prev_url": _week_url(program, week - WEEK, None if editable else fellow),
        "next_url": _week_url(program, week + WEEK, None if editable else fellow),
        "is_current": week == week_start_of(program.today()),
        "has_template": editable and shift_templates(fellow=fellow).exists(),
    }
    return render(request, "workhours/week.html", context)


def my_week(request: HttpRequest, program_id: int) -> HttpResponse:
    """The fellow's own week: days and shifts, total, findings, one-tap fills, add a shift."""
    program = program_for(request.user, program_id, roles=FELLOW)
    fellow = _fellow(request, program)
    return _week_page(request, program, fellow, _week(request, program), editable=True)


def fellow_week(request: HttpRequest, program_id: int, membership_id: int) -> HttpResponse:
    """One fellow's week as the director or coordinator reads it (read only); a fellow opening
    their own id is sent to their own page, another fellow's is a 404."""
    program = program_for(request.user, program_id, roles=[*READER_ROLES, Role.FELLOW])
    fellow = get_object_or_404(
        viewable_fellows(user=request.user, program=program), pk=membership_id
    )
    week = _week(request, program)
    if fellow.user_id == request.user.pk and fellow.is_active:
        return redirect(_week_url(program, week))
    return _week_page(request, program, fellow, week, editable=False)


def _span(program, data: dict):
    """The shift form's local date and times as a UTC [start, end) (see services.local_span)."""
    return services.local_span(
        program=program, day=data["date"], start_time=data["start_time"], end_time=data["end_time"]
    )


@require_POST
@once_per_submit
def shift_add(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=FELLOW)
    fellow = _fellow(request, program)
    week = _week(request, program)
    form = ShiftForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        start, end = _span(program, data)
        try:
            services.shift_add(
                actor=request.user, fellow=fellow, start=start, end=end, kind=data["kind"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Shift added.")
            return redirect(_week_url(program, week_start_of(data["date"])))
    return _week_page(request, program, fellow, week, editable=True, form=form)


def _own_shift(request, program, shift_id) -> Shift:
    fellow = _fellow(request, program)
    return get_object_or_404(fellow_shifts(user=request.user, fellow=fellow), pk=shift_id)


def shift_edit(request: HttpRequest, program_id: int, shift_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=FELLOW)
    shift = _own_shift(request, program, shift_id)
    local_start, local_end = program.localtime(shift.start), program.localtime(shift.end)
    week = week_start_of(local_start.date())
    if request.method == "POST":
        form = ShiftForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            start, end = _span(program, data)
            try:
                services.shift_edit(
                    actor=request.user, shift=shift, start=start, end=end, kind=data["kind"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Shift changed.")
                return redirect(_week_url(program, week_start_of(data["date"])))
    else:
        form = ShiftForm(
            initial={
                "date": local_start.date(),
                "start_time": local_start.time().replace(second=0, microsecond=0),
                "end_time": local_end.time().replace(second=0, microsecond=0),
                "kind": shift.kind,
            }
        )
    context = {
        "program": program,
        "shift": shift,
        "form": form,
        "week_url": _week_url(program, week),
    }
    return render(request, "workhours/shift_form.html", context)


@require_POST
def shift_delete(request: HttpRequest, program_id: int, shift_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=FELLOW)
    shift = _own_shift(request, program, shift_id)
    week = week_start_of(program.localtime(shift.start).date())
    services.shift_delete(actor=request.user, shift=shift)
    messages.success(request, "Shift deleted.")
    return redirect(_week_url(program, week))


@require_POST
def week_copy(request: HttpRequest, program_id: int) -> HttpResponse:
    """ "Same as last week": one tap; a second tap copies nothing (every copy would overlap)."""
    program = program_for(request.user, program_id, roles=FELLOW)
    fellow = _fellow(request, program)
    week = _week(request, program)
    count = services.week_copy_previous(actor=request.user, fellow=fellow, week_start=week)
    _filled(request, count, "from last week")
    return redirect(_week_url(program, week))


@require_POST
def week_template_apply(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=FELLOW)
    fellow = _fellow(request, program)
    week = _week(request, program)
    count = services.week_apply_template(actor=request.user, fellow=fellow, week_start=week)
    _filled(request, count, "from your template")
    return redirect(_week_url(program, week))


def _filled(request, count: int, where: str) -> None:
    if count:
        noun = "shift" if count == 1 else "shifts"
        messages.success(request, f"{count} {noun} added {where}.")
    else:
        messages.info(
            request, f"No shifts added {where}: none to copy, or they overlap shifts you logged."
        )


@require_POST
def explanation_save(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=FELLOW)
    fellow = _fellow(request, program)
    week = _week(request, program)
    prefix = request.POST.get("prefix", "")
    form = ExplanationForm(request.POST, prefix=prefix or None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.explanation_save(
                actor=request.user,
                fellow=fellow,
                rule=data["rule"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                text=data["text"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except PermissionDenied:
            raise Http404("No such page.") from None
        else:
            messages.success(request, "Explanation saved.")
    else:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, f"Explanation not saved: {message}")
    return redirect(_week_url(program, week))


def template_edit(request: HttpRequest, program_id: int) -> HttpResponse:
    """The fellow's usual week: rows of day, start, end, kind (add a row, delete a row)."""
    program = program_for(request.user, program_id, roles=FELLOW)
    fellow = _fellow(request, program)
    refused: list[str] = []
    if request.method == "POST":
        formset = TemplateFormSet(request.POST, prefix="rows")
        if formset.is_valid():
            rows = [
                {key: row[key] for key in ("weekday", "start_time", "end_time", "kind")}
                for row in formset.cleaned_data
                if row and not row.get("DELETE")
            ]
            try:
                services.template_save(actor=request.user, fellow=fellow, rows=rows)
            except ValidationError as error:
                refused = error.messages
            else:
                messages.success(request, "Template saved.")
                return redirect("workhours:template", program_id=program.pk)
    else:
        initial = [
            {
                "weekday": row.weekday,
                "start_time": row.start_time,
                "end_time": row.end_time,
                "kind": row.kind,
            }
            for row in shift_templates(fellow=fellow)
        ]
        formset = TemplateFormSet(initial=initial, prefix="rows")
    context = {
        "program": program,
        "formset": formset,
        "refused": refused,
        "week_url": _week_url(program, _week(request, program)),
    }
    return render(request, "workhours/template_form.html", context)
