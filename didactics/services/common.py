"""What every didactics service shares: the refusal, and the calendar gate."""

from django.core.exceptions import PermissionDenied

from curriculum.models import Program

from ..permissions import can_manage_calendar

# What the audit trail records of an attendance row, however it was set.
ATTENDANCE_FIELDS = ("fellow", "status", "method", "reason")


def enforce(allowed: bool, message: str) -> None:
    """Refuse with ``message`` unless ``allowed``: before anything is written or audited."""
    if not allowed:
        raise PermissionDenied(message)


def enforce_calendar(actor, program: Program) -> None:
    """The calendar, the roll and the requirements are the program staff's (or the system's)."""
    enforce(
        actor is None or can_manage_calendar(actor, program),
        "Only the program coordinator or director can change the conference calendar.",
    )
