from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for the container health check: the process answers HTTP."""
    return HttpResponse("ok", content_type="text/plain")
