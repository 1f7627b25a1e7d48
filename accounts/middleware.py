"""Session limits and the two-factor requirement, checked on every signed-in request.

Both read a small stamp kept in the session and touch the database only when the stamp is due for
a refresh (every ``STAMP_REFRESH_SECONDS``) or while a person is held at the two-factor setup, so
an ordinary page costs no extra query and no session write.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .selectors import mfa_requiring_program

STAMP_KEY = "fellowship_auth"
STAMP_REFRESH_SECONDS = 5 * 60  # also how soon a program's new MFA rule reaches signed-in people


def _now() -> float:
    return time.time()


def _signed_in(request: HttpRequest) -> bool:
    # The session alone says so: no user query for the requests that would not make one.
    return SESSION_KEY in request.session


def stamp_mfa(request: HttpRequest, user, *, now: float | None = None) -> str:
    """Record in the session which program (if any) holds ``user`` at the two-factor setup."""
    program = mfa_requiring_program(user=user)
    stamp = request.session.get(STAMP_KEY) or {}
    stamp["mfa_checked"] = now or _now()
    stamp["mfa_program"] = program.name if program else ""
    request.session[STAMP_KEY] = stamp
    return stamp["mfa_program"]


def stamp_login(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: start the session clocks and look up the MFA rule once."""
    if request is None or not hasattr(request, "session"):
        return
    now = _now()
    request.session[STAMP_KEY] = {"started": now, "seen": now}
    stamp_mfa(request, user, now=now)


class SessionTimeoutMiddleware:
    """Sign out after ``SESSION_IDLE_TIMEOUT`` seconds without a request, and in any case
    ``SESSION_COOKIE_AGE`` seconds after signing in (writing the stamp would otherwise push
    Django's own expiry forward). LoginRequiredMiddleware then sends the person to sign in."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _signed_in(request):
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        now = _now()
        stamp = request.session.get(STAMP_KEY)
        if not stamp or "started" not in stamp:
            request.session[STAMP_KEY] = {**(stamp or {}), "started": now, "seen": now}
            return
        idle = now - stamp["seen"] > settings.SESSION_IDLE_TIMEOUT
        if idle or now - stamp["started"] > settings.SESSION_COOKIE_AGE:
            logout(request)
            if idle:
                minutes = settings.SESSION_IDLE_TIMEOUT // 60
                text = f"You were signed out after {minutes} minutes without activity."
            else:
                hours = settings.SESSION_COOKIE_AGE // 3600
                text = f"You were signed out: a session lasts at most {hours} hours."
            messages.info(request, f"{text} Sign in again to continue.")
        elif now - stamp["seen"] > STAMP_REFRESH_SECONDS:
            stamp["seen"] = now
            request.session.modified = True


class RequireMfaMiddleware:
    """A director or faculty member of a program that requires two-factor sign-in, with no
    authenticator app yet, is sent to set one up; only that setup, signing out and static files
    stay open to them until they have one."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._open_prefixes: tuple[str, ...] | None = None

    def open_prefixes(self) -> tuple[str, ...]:
        if self._open_prefixes is None:
            self._open_prefixes = (
                reverse("mfa_index"),  # the whole two-factor area: setup, recovery codes
                reverse("account_reauthenticate"),  # setup asks for the password first
                reverse("account_logout"),
                reverse("healthz"),
                settings.STATIC_URL,
            )
        return self._open_prefixes

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _signed_in(request):
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        stamp = request.session.get(STAMP_KEY) or {}
        program_name = stamp.get("mfa_program")
        # Look again when due, and on every request while held (so adding an authenticator
        # releases the person at once).
        if (
            program_name is None
            or program_name
            or _now() - stamp["mfa_checked"] > (STAMP_REFRESH_SECONDS)
        ):
            program_name = stamp_mfa(request, request.user)
        if not program_name or request.path.startswith(self.open_prefixes()):
            return None
        messages.warning(
            request,
            f"{program_name} requires two-factor sign-in for directors and faculty. "
            "Set up an authenticator app to continue.",
        )
        target = reverse("mfa_activate_totp")
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
