"""Which request a change came from, without passing the request into every service.

``AuditContextMiddleware`` stores a short description of the current request in a context
variable; ``audit_record`` reads it. Outside a request (Celery tasks, management commands) it is
empty and events are recorded without request details.
"""

import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from core.client_address import client_address


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    method: str
    path: str
    ip_address: str | None


_current: ContextVar[RequestContext | None] = ContextVar("audit_request", default=None)


def current_request() -> RequestContext | None:
    return _current.get()


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The same address the login throttle sees: X-Forwarded-For only as far as our own
        # proxies wrote it (TRUSTED_PROXY_COUNT), otherwise REMOTE_ADDR.
        context = RequestContext(
            request_id=uuid.uuid4().hex,
            method=request.method or "",
            path=request.path[:300],
            ip_address=client_address(request) or None,
        )
        token = _current.set(context)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = context.request_id
        return response
