"""Thin views: gate on the role in the URL's program, read through a selector, write through a
service. Anything outside the user's role or program is a 404."""

import datetime
import zoneinfo

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from core.csv import csv_response
from core.forms import add_service_errors
from curriculum.models import Membership, Rotation
from curriculum.selectors import program_list

from . import selectors, services
from .forms import (
    CheckinForm,
    CheckinWindowForm,
    MarkMetForm,
    ObjectiveForm,
    RecurringForm,
    RequirementForm,
    ResourceForm,
    RollForm,
    SeriesForm,
    SessionForm,
    TeacherForm,
)
from .models import Attendance, LearningObjective, ObjectiveProgress, RotationTeacher
from .permissions import (
    can_confirm_objective,
    can_manage_calendar,
    can_manage_objectives,
    can_manage_teachers,
    can_run_checkin,
    is_fellow,
)

Role = Membership.Role
STAFF = Membership.STAFF_ROLES
SESSIONS_PER_PAGE = 25


def _program(request: HttpRequest, program_id: int, roles=None):
    return get_object_or_404(program_list(user=request.user, roles=roles), pk=program_id)


def _session(request: HttpRequest, program, session_id: int):
    return get_object_or_404(
        selectors.session_list(user=request.user, program=program), pk=session_id
    )


def _zone(program) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(program.timezone)


def _url(name: str, **kwargs) -> str:
    return reverse(f"didactics:{name}", kwargs=kwargs)


def _error_text(exc: Exception) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def _form_page(request, *, program, form, title: str, back_url: str, **extra) -> HttpResponse:
    context = {"program": program, "form": form, "title": title, "back_url": back_url, **extra}
    return render(request, "didactics/form.html", context)


# --- Calendar -----------------------------------------------------------------------------------


def _month(request: HttpRequest, program) -> datetime.date:
    try:
        return datetime.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        return program.today().replace(day=1)


def calendar_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """The program's sessions month by month, for every member."""
    program = _program(request, program_id)
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
    program = _program(request, program_id)
    session = _session(request, program, session_id)
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
    program = _program(request, program_id, STAFF)
    form = RequirementForm(
        request.POST or None, requirements=selectors.requirement_map(program=program)
    )
    if request.method == "POST" and form.is_valid():
        try:
            for kind, percent in form.cleaned_data.items():
                services.requirement_set(
                    actor=request.user, program=program, kind=kind, required_percent=percent
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Attendance requirements saved.")
            return redirect(_url("series_list", program_id=program.pk))
    context = {
        "program": program,
        "series_list": selectors.series_list(user=request.user, program=program),
        "form": form,
    }
    return render(request, "didactics/series_list.html", context)


def series_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id, STAFF)
    form = SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            series = services.series_create(
                actor=request.user, program=program, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Series “{series.name}” created.")
            return redirect(_url("series_list", program_id=program.pk))
    back = _url("series_list", program_id=program.pk)
    return _form_page(request, program=program, form=form, title="New series", back_url=back)


def session_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id, STAFF)
    form = SessionForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Session on {session.date:%b %d, %Y} added.")
            return redirect(session.get_absolute_url())
    back = _url("calendar", program_id=program.pk)
    return _form_page(request, program=program, form=form, title="New session", back_url=back)


def session_recurring(request: HttpRequest, program_id: int) -> HttpResponse:
    """A recurring run of sessions: "Preview" shows the dates, "Create" saves all or none."""
    program = _program(request, program_id, STAFF)
    form = RecurringForm(request.POST or None, program=program)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if "confirm" in request.POST:
                created = services.session_create_recurring(actor=request.user, **data)
                messages.success(
                    request, f"{len(created)} sessions of {data['series']} added to the calendar."
                )
                month = f"{created[0].date:%Y-%m}"
                return redirect(f"{_url('calendar', program_id=program.pk)}?month={month}")
            preview = services.recurring_dates(
                first_date=data["first_date"],
                last_date=data["last_date"],
                every_weeks=data["every_weeks"],
                skip_dates=data["skip_dates"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    back = _url("calendar", program_id=program.pk)
    return _form_page(
        request,
        program=program,
        form=form,
        title="New recurring sessions",
        back_url=back,
        preview=preview,
        submit_label="Preview the dates",
    )


# --- Check-in -----------------------------------------------------------------------------------


def _checkin_session(request: HttpRequest, program_id: int, session_id: int):
    program = _program(request, program_id)
    session = _session(request, program, session_id)
    if not can_run_checkin(request.user, session):
        raise Http404("No such session.")
    return program, session


def _checkin_url(request: HttpRequest, session) -> str:
    path = _url("check_in", program_id=session.program_id, session_id=session.pk)
    return request.build_absolute_uri(f"{path}?{urlencode({'code': session.checkin_code})}")


def checkin_run(request: HttpRequest, program_id: int, session_id: int) -> HttpResponse:
    """The presenter or coordinator opens check-in: the code, its QR image and the window."""
    program, session = _checkin_session(request, program_id, session_id)
    zone = _zone(program)
    if session.checkin_is_set_up:
        opens, closes = session.checkin_opens_at, session.checkin_closes_at
    else:
        opens, closes = services.default_window(session)
    initial = {
        "opens_at": timezone.localtime(opens, zone).replace(tzinfo=None),
        "closes_at": timezone.localtime(closes, zone).replace(tzinfo=None),
    }
    form = CheckinWindowForm(request.POST or None, initial=initial)
    if request.method == "POST":
        with timezone.override(zone):
            valid = form.is_valid()
        if valid:
            try:
                services.session_open_checkin(
                    actor=request.user, session=session, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Check-in is set up. Show the code in the room.")
                return redirect(_url("checkin_run", program_id=program.pk, session_id=session.pk))
    qr = None
    if session.checkin_is_set_up:
        qr = segno.make(_checkin_url(request, session), error="m").svg_data_uri(
            scale=6, border=2, title="QR code of the check-in link"
        )
    context = {
        "program": program,
        "session": session,
        "form": form,
        "qr": qr,
        "checkin_url": _checkin_url(request, session) if session.checkin_is_set_up else "",
        "opens": timezone.localtime(opens, zone),
        "closes": timezone.localtime(closes, zone),
    }
    return render(request, "didactics/checkin_run.html", context)


def checkin_qr(request: HttpRequest, program_id: int, session_id: int) -> HttpResponse:
    """The QR image alone (SVG), e.g. to put on a slide."""
    _, session = _checkin_session(request, program_id, session_id)
    if not session.checkin_is_set_up:
        raise Http404("Check-in is not set up.")
    svg = segno.make(_checkin_url(request, session), error="m").svg_inline(scale=8, border=2)
    return HttpResponse(svg, content_type="image/svg+xml")


def check_in(request: HttpRequest, program_id: int, session_id: int) -> HttpResponse:
    """A fellow enters the session's code on their phone."""
    program = _program(request, program_id, [Role.FELLOW])
    session = _session(request, program, session_id)
    form = CheckinForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        try:
            result = services.session_check_in(
                actor=request.user, session=session, code=form.cleaned_data["code"]
            )
        except PermissionDenied as exc:
            raise Http404("No such session.") from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if result.already:
                messages.info(request, f"You are already checked in to “{session.topic}”.")
            else:
                messages.success(request, f"Checked in to “{session.topic}”. Thank you.")
            return redirect(_url("my_attendance", program_id=program.pk))
    return render(
        request, "didactics/check_in.html", {"program": program, "session": session, "form": form}
    )


def roll_view(request: HttpRequest, program_id: int, session_id: int) -> HttpResponse:
    """The coordinator corrects the roll: each fellow present, absent or excused, with a reason."""
    program = _program(request, program_id, STAFF)
    session = _session(request, program, session_id)
    form = None
    if request.method == "POST":
        fellow = get_object_or_404(
            selectors.fellow_list(program=program), pk=request.POST.get("fellow") or 0
        )
        form = RollForm(request.POST, prefix=f"roll-{fellow.pk}")
        if form.is_valid():
            try:
                services.attendance_correct(
                    actor=request.user, session=session, fellow=fellow, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Roll corrected for {fellow.user.display_name}.")
                return redirect(_url("roll", program_id=program.pk, session_id=session.pk))
    rows = []
    for fellow, attendance in selectors.roll_rows(session=session):
        row_form = form if form is not None and form.prefix == f"roll-{fellow.pk}" else None
        initial = {"status": attendance.status if attendance else Attendance.Status.PRESENT}
        rows.append(
            (fellow, attendance, row_form or RollForm(prefix=f"roll-{fellow.pk}", initial=initial))
        )
    context = {"program": program, "session": session, "rows": rows}
    return render(request, "didactics/roll.html", context)


# --- Attendance pages ---------------------------------------------------------------------------


def my_attendance(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id, [Role.FELLOW])
    fellow = get_object_or_404(selectors.fellow_list(program=program), user=request.user)
    now = timezone.now()
    open_now = (
        selectors.session_list(user=request.user, program=program)
        .filter(checkin_opens_at__lte=now, checkin_closes_at__gte=now)
        .exclude(attendances__fellow=fellow, attendances__status=Attendance.Status.PRESENT)
    )
    context = {
        "program": program,
        "summary": selectors.attendance_summary(fellow=fellow),
        "open_now": open_now,
    }
    return render(request, "didactics/my_attendance.html", context)


def cohort_attendance(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id, STAFF)
    series, rows = selectors.cohort_attendance(user=request.user, program=program)
    context = {"program": program, "series": series, "rows": rows}
    return render(request, "didactics/cohort_attendance.html", context)


def cohort_attendance_export(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id, STAFF)
    _, rows = selectors.cohort_attendance(user=request.user, program=program)
    header = [
        "fellow",
        "email",
        "series",
        "kind",
        "past_sessions",
        "present",
        "excused",
        "absent",
        "percent",
        "required_percent",
        "shortfall",
    ]
    lines = (
        [
            row.fellow.user.display_name,
            row.fellow.user.email,
            item.series.name,
            item.series.get_kind_display(),
            item.past_sessions,
            item.present,
            item.excused,
            item.absent,
            "" if item.percent is None else item.percent,
            "" if item.required_percent is None else item.required_percent,
            "yes" if item.shortfall else "no",
        ]
        for row in rows
        for item in row.series
    )
    return csv_response(f"attendance-{program.today():%Y-%m-%d}.csv", header, lines)


# --- Learning objectives ------------------------------------------------------------------------


def objectives_view(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _program(request, program_id)
    fellow = selectors.fellow_list(program=program).filter(user=request.user).first()
    mine = {p.rotation.pk: p for p in selectors.objective_progress(fellow=fellow)} if fellow else {}
    rotations = selectors.rotation_list(user=request.user, program=program)
    context = {"program": program, "rows": [(r, mine.get(r.pk)) for r in rotations]}
    return render(request, "didactics/objectives.html", context)


def _rotation(request: HttpRequest, program, rotation_id: int) -> Rotation:
    return get_object_or_404(
        selectors.rotation_list(user=request.user, program=program), pk=rotation_id
    )


def rotation_objectives(request: HttpRequest, program_id: int, rotation_id: int) -> HttpResponse:
    program = _program(request, program_id)
    rotation = _rotation(request, program, rotation_id)
    fellow = selectors.fellow_list(program=program).filter(user=request.user).first()
    can_confirm = can_confirm_objective(request.user, rotation)
    context = {
        "program": program,
        "rotation": rotation,
        "objectives": selectors.objective_list(rotation=rotation, fellow=fellow),
        "fellow": fellow,
        "can_manage": can_manage_objectives(request.user, program),
        "can_manage_teachers": can_manage_teachers(request.user, program),
        "can_confirm": can_confirm,
        "pending": selectors.pending_confirmation_list(rotation=rotation) if can_confirm else [],
        "teachers": selectors.teacher_list(rotation=rotation),
        "teacher_form": TeacherForm(program=program),
    }
    return render(request, "didactics/rotation_objectives.html", context)


def objective_create(request: HttpRequest, program_id: int, rotation_id: int) -> HttpResponse:
    program = _program(request, program_id, STAFF)
    rotation = _rotation(request, program, rotation_id)
    form = ObjectiveForm(request.POST or None)
    back = _url("rotation_objectives", program_id=program.pk, rotation_id=rotation.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_create(actor=request.user, rotation=rotation, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Objective added.")
            return redirect(back)
    title = f"New objective for {rotation.name}"
    return _form_page(request, program=program, form=form, title=title, back_url=back)


def resource_create(request: HttpRequest, program_id: int, objective_id: int) -> HttpResponse:
    program = _program(request, program_id, STAFF)
    objective = get_object_or_404(
        LearningObjective.objects.filter(rotation__program=program).select_related(
            "rotation__program"
        ),
        pk=objective_id,
    )
    form = ResourceForm(request.POST or None, request.FILES or None)
    back = objective.get_absolute_url()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.resource_add(
                actor=request.user,
                objective=objective,
                title=data["title"],
                url=data["url"],
                upload=data["file"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Resource added.")
            return redirect(back)
    title = f"New resource for “{objective.text}”"
    return _form_page(
        request, program=program, form=form, title=title, back_url=back, multipart=True
    )


def resource_file(request: HttpRequest, program_id: int, resource_id: int) -> FileResponse:
    """An uploaded resource, to the program's members only (never a public media URL)."""
    program = _program(request, program_id)
    resource = get_object_or_404(
        selectors.resource_list(user=request.user, program=program).exclude(file=""),
        pk=resource_id,
    )
    suffix = "." + resource.file.name.rsplit(".", 1)[-1].lower()
    content_type = services.RESOURCE_TYPES.get(suffix, ("application/octet-stream",))[0]
    return FileResponse(
        resource.file.open("rb"),
        as_attachment=True,
        filename=resource.original_name or resource.file.name,
        content_type=content_type,
    )


def _objective_for_fellow(request: HttpRequest, program_id: int, objective_id: int):
    program = _program(request, program_id, [Role.FELLOW])
    objective = get_object_or_404(
        LearningObjective.objects.filter(rotation__program=program).select_related(
            "rotation__program"
        ),
        pk=objective_id,
    )
    return program, objective


@require_POST
def objective_mark_met(request: HttpRequest, program_id: int, objective_id: int) -> HttpResponse:
    _, objective = _objective_for_fellow(request, program_id, objective_id)
    form = MarkMetForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Keep the note to 500 characters.")
        services.objective_mark_met(
            actor=request.user, objective=objective, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"Marked met: {objective.text}. Faculty will confirm it.")
    return redirect(objective.get_absolute_url())


@require_POST
def objective_unmark(request: HttpRequest, program_id: int, objective_id: int) -> HttpResponse:
    _, objective = _objective_for_fellow(request, program_id, objective_id)
    progress = get_object_or_404(
        ObjectiveProgress.objects.filter(objective=objective, fellow__user=request.user)
    )
    try:
        services.objective_unmark(actor=request.user, progress=progress)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"No longer marked met: {objective.text}.")
    return redirect(objective.get_absolute_url())


@require_POST
def progress_confirm(request: HttpRequest, program_id: int, progress_id: int) -> HttpResponse:
    program = _program(request, program_id, [Role.DIRECTOR, Role.FACULTY])
    progress = get_object_or_404(selectors.progress_list(program=program), pk=progress_id)
    if not can_confirm_objective(request.user, progress.objective.rotation):
        raise Http404("No such objective.")
    services.objective_confirm(actor=request.user, progress=progress)
    messages.success(request, f"Confirmed for {progress.fellow.user}: {progress.objective.text}.")
    return redirect(progress.objective.get_absolute_url())


@require_POST
def teacher_add(request: HttpRequest, program_id: int, rotation_id: int) -> HttpResponse:
    program = _program(request, program_id, [Role.DIRECTOR])
    rotation = _rotation(request, program, rotation_id)
    form = TeacherForm(request.POST, program=program)
    back = _url("rotation_objectives", program_id=program.pk, rotation_id=rotation.pk)
    if form.is_valid():
        teacher = services.teacher_add(
            actor=request.user, rotation=rotation, faculty=form.cleaned_data["faculty"]
        )
        messages.success(
            request, f"{teacher.faculty.user} now confirms {rotation.name} objectives."
        )
    else:
        messages.error(request, "Choose a faculty member of this program.")
    return redirect(back)


@require_POST
def teacher_remove(request: HttpRequest, program_id: int, teacher_id: int) -> HttpResponse:
    program = _program(request, program_id, [Role.DIRECTOR])
    teacher = get_object_or_404(
        RotationTeacher.objects.filter(rotation__program=program).select_related(
            "rotation__program", "faculty__user"
        ),
        pk=teacher_id,
    )
    services.teacher_remove(actor=request.user, teacher=teacher)
    messages.success(request, f"{teacher.faculty.user} removed from {teacher.rotation.name}.")
    return redirect(
        _url("rotation_objectives", program_id=program.pk, rotation_id=teacher.rotation_id)
    )
