import datetime

from django.db.models import QuerySet

from curriculum.models import Program
from curriculum.permissions import can_view_audit

from .models import AuditEvent


def audit_event_list(
    *,
    user,
    program: Program,
    action: str = "",
    actor_id: int | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """The program's events, newest first, for its director; nothing for anyone else."""
    if not can_view_audit(user, program):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.filter(program=program).select_related("actor")
    if action:
        events = events.filter(action__startswith=action)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    return events


def audit_action_list(*, user, program: Program) -> list[str]:
    if not can_view_audit(user, program):
        return []
    return list(
        AuditEvent.objects.filter(program=program)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
