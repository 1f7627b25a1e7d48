"""The director's read-only view of the audit trail, with filters and a CSV export."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from core.csv import csv_streaming_response
from curriculum.access import program_for
from curriculum.models import Membership

from .forms import AuditFilterForm
from .selectors import audit_action_list, audit_event_list

PAGE_SIZE = 50
# After the first column, "when (<the program's time zone>)": times carry their UTC offset too.
EXPORT_HEADER = (
    "who",
    "action",
    "record type",
    "record id",
    "record",
    "changes",
    "request id",
    "method",
    "path",
    "ip address",
)


def _filtered_events(request: HttpRequest, program_id: int):
    program = program_for(request.user, program_id, roles=[Membership.Role.DIRECTOR])
    form = AuditFilterForm(
        request.GET or None, actions=audit_action_list(user=request.user, program=program)
    )
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_event_list(
        user=request.user,
        program=program,
        action=filters.get("action", ""),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    return program, form, events


def audit_event_list_view(request: HttpRequest, program_id: int) -> HttpResponse:
    program, form, events = _filtered_events(request, program_id)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "audit/event_list.html", {"program": program, "form": form, "page": page}
    )


def audit_event_export(request: HttpRequest, program_id: int) -> StreamingHttpResponse:
    """Every matching event as CSV, streamed: the trail of a busy program can be long."""
    program, _, events = _filtered_events(request, program_id)
    rows = (
        (
            program.localtime(event.created_at).isoformat(),  # with its offset
            event.actor.email if event.actor else "system",
            event.action,
            event.object_type,
            event.object_id,
            event.object_repr,
            _changes_text(event.changes),
            event.request_id,
            event.request_method,
            event.request_path,
            event.ip_address or "",
        )
        for event in events.iterator(chunk_size=2000)
    )
    return csv_streaming_response(
        f"audit-trail-program-{program.pk}.csv",
        (f"when ({program.timezone})", *EXPORT_HEADER),
        rows,
    )


def _changes_text(changes) -> str:
    if isinstance(changes, dict):
        parts = []
        for name, value in changes.items():
            if isinstance(value, list) and len(value) == 2:
                parts.append(f"{name}: {value[0]!r} -> {value[1]!r}")
            else:
                parts.append(f"{name}: {value!r}")
        return "; ".join(parts)
    return repr(changes)
