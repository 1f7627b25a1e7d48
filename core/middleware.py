"""Request-level limits that hold for every view."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than its limit before anything reads it.

    Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not count uploaded files, so without this a
    browser could send a file of any size to disk before a form looked at it. A file upload
    (multipart) may be ``MAX_UPLOAD_REQUEST_BYTES`` (a file of ``MAX_UPLOAD_BYTES`` and its
    form), anything else ``MAX_REQUEST_BODY_BYTES``. The sender gets the page back (a redirect
    to it) with a message saying how large the file was and the limit; nothing was read, so
    nothing was saved. Placed after MessageMiddleware so it can say so.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_upload = request.content_type == "multipart/form-data"
        limit = settings.MAX_UPLOAD_REQUEST_BYTES if is_upload else settings.MAX_REQUEST_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= limit:
            return self.get_response(request)
        allowed = settings.MAX_UPLOAD_BYTES if is_upload else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        messages.error(
            request,
            f"What you sent is {_megabytes(length)}; an upload may be at most "
            f"{_megabytes(allowed)}. Nothing was saved. "
            "Split the file into smaller files and upload them one at a time.",
        )
        # Back to the page the form was on (the action may accept POST only), if it is ours.
        referer = request.META.get("HTTP_REFERER", "")
        safe = url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        target = referer if referer and safe else request.get_full_path()
        if request.headers.get("HX-Request") == "true":  # before django-htmx has run
            response = HttpResponse(status=413)
            response["HX-Redirect"] = target
            return response
        # 303: the browser fetches the page again with GET, where the message is shown.
        return HttpResponseRedirect(target, status=303)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in user and on every CSV.

    Signed-in pages and exports carry personal data (names, ratings, case logs, the audit
    trail); no-store keeps them out of the browser's disk cache on shared ward PCs, out of its
    back/forward history after sign-out, and out of any proxy. Anonymous pages (sign-in, reset)
    hold nothing personal and are left to their views: allauth's sign-in page already sends
    its own never-cache header. A view that set Cache-Control itself keeps its choice (the
    token-authenticated calendar feed is cached privately for 15 minutes on purpose). Placed
    after AuthenticationMiddleware, it sees who the user is once the view has run (so a
    sign-in's own response counts as signed in). Static files are served before it.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        is_csv = response.get("Content-Type", "").startswith("text/csv")
        if is_csv or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "no-store"
        return response


class TimezoneResetMiddleware:
    """Each request starts and ends on UTC (``TIME_ZONE``).

    A page that belongs to a program switches to the program's time zone when it loads the
    program (``curriculum.access.program_for``), so every date and time it renders, and every
    date-time a form reads, is on the program's clock. The active zone is per thread: this makes
    sure no request inherits the zone of the one the same worker thread served before.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
