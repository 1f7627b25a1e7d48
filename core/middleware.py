"""Request-level limits that hold for every view."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than ``MAX_REQUEST_BODY_BYTES`` before anything reads it.

    Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not count uploaded files, so without this a
    browser could send a file of any size to disk before a form looked at it. The sender gets the
    page back (a redirect to it) with a message saying how large the file was and the limit;
    nothing was read, so nothing was saved. Placed after MessageMiddleware so it can say so.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.MAX_REQUEST_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= limit:
            return self.get_response(request)
        messages.error(
            request,
            f"What you sent is {_megabytes(length)}; an upload may be at most "
            f"{_megabytes(settings.FILE_UPLOAD_MAX_MEMORY_SIZE)}. Nothing was saved. "
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
