"""Attendance: the coordinator's roll corrections, a fellow's own attendance, and the cohort's
attendance for the director and coordinator (page and CSV)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from core.csv import csv_response
from core.forms import add_service_errors
from curriculum.access import program_for
from curriculum.models import Membership

from .. import selectors
from ..forms import RollForm
from ..models import Attendance
from ..permissions import FELLOW_ROLES
from ..services.attendance import attendance_correct
from .common import session_get, url

STAFF = Membership.STAFF_ROLES
EXPORT_HEADER = [
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


def roll_view(request: HttpRequest, program_id: int, session_id: int) -> HttpResponse:
    """The coordinator corrects the roll: each fellow present, absent or excused, with a reason."""
    program = program_for(request.user, program_id, roles=STAFF)
    session = session_get(request, program, session_id)
    form = None
    if request.method == "POST":
        fellow = get_object_or_404(
            selectors.fellow_list(program=program), pk=request.POST.get("fellow") or 0
        )
        form = RollForm(request.POST, prefix=f"roll-{fellow.pk}")
        if form.is_valid():
            try:
                attendance_correct(
                    actor=request.user, session=session, fellow=fellow, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Roll corrected for {fellow.user.display_name}.")
                return redirect(url("roll", program_id=program.pk, session_id=session.pk))
    rows = []
    for fellow, attendance in selectors.roll_rows(session=session):
        row_form = form if form is not None and form.prefix == f"roll-{fellow.pk}" else None
        initial = {"status": attendance.status if attendance else Attendance.Status.PRESENT}
        rows.append(
            (fellow, attendance, row_form or RollForm(prefix=f"roll-{fellow.pk}", initial=initial))
        )
    context = {"program": program, "session": session, "rows": rows}
    return render(request, "didactics/roll.html", context)


def my_attendance(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=FELLOW_ROLES)
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
    program = program_for(request.user, program_id, roles=STAFF)
    series, rows = selectors.cohort_attendance(user=request.user, program=program)
    context = {"program": program, "series": series, "rows": rows}
    return render(request, "didactics/cohort_attendance.html", context)


def cohort_attendance_export(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=STAFF)
    _, rows = selectors.cohort_attendance(user=request.user, program=program)
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
    return csv_response(f"attendance-{program.today():%Y-%m-%d}.csv", EXPORT_HEADER, lines)
