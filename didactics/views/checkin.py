"""Check-in: the presenter or staff run it (code, QR, window), a fellow enters the code."""

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode

from core.forms import add_service_errors
from core.links import absolute_url
from core.once import once_per_submit
from curriculum.access import program_for

from ..forms import CheckinForm, CheckinWindowForm
from ..permissions import FELLOW_ROLES, can_run_checkin
from ..services.checkin import default_window, session_check_in, session_open_checkin
from .common import session_get, url


def _checkin_session(request: HttpRequest, program_id: int, session_id: int):
    program = program_for(request.user, program_id)
    session = session_get(request, program, session_id)
    if not can_run_checkin(request.user, session):
        raise Http404("No such session.")
    return program, session


def _checkin_url(request: HttpRequest, session) -> str:
    path = url("check_in", program_id=session.program_id, session_id=session.pk)
    # The site URL, not the host the presenter's laptop used: fellows' phones must reach it.
    return absolute_url(f"{path}?{urlencode({'code': session.checkin_code})}")


@once_per_submit
def checkin_run(request: HttpRequest, program_id: int, session_id: int) -> HttpResponse:
    """The presenter or coordinator opens check-in: the code, its QR image and the window."""
    program, session = _checkin_session(request, program_id, session_id)
    if session.checkin_is_set_up:
        opens, closes = session.checkin_opens_at, session.checkin_closes_at
    else:
        opens, closes = default_window(session)
    # The request is on the program's clock (program_for): the form shows and reads local times.
    form = CheckinWindowForm(request.POST or None, initial={"opens_at": opens, "closes_at": closes})
    if request.method == "POST" and form.is_valid():
        try:
            session_open_checkin(actor=request.user, session=session, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Check-in is set up. Show the code in the room.")
            return redirect(url("checkin_run", program_id=program.pk, session_id=session.pk))
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
        "opens": opens,
        "closes": closes,
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
    program = program_for(request.user, program_id, roles=FELLOW_ROLES)
    session = session_get(request, program, session_id)
    form = CheckinForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        try:
            result = session_check_in(
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
            return redirect(url("my_attendance", program_id=program.pk))
    return render(
        request, "didactics/check_in.html", {"program": program, "session": session, "form": form}
    )
