import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

DATABASE_RETRY_AFTER_SECONDS = 60


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for the container health check: the process answers HTTP."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness probe: 200 when the database answers, 503 (quickly) while it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database that is down or not answering gets a 503 that says so.

    Django calls this while it handles the exception (from a view or a middleware: a signed-in
    request first meets the database when the session loads), so ``sys.exc_info()`` names it.
    The page is rendered without a request context: its context processors would query the
    database again. Every write is one ``transaction.atomic`` service call, so a request that
    failed on the database saved nothing. Any other error keeps the 500 page.
    """
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return defaults.server_error(request)
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response
