"""Writes for the roll and the attendance rules: a coordinator correcting who attended, and the
share of sessions each kind of series requires."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, changes_between, field_values
from curriculum.models import Membership, Program

from ..models import Attendance, AttendanceRequirement, Session
from .common import ATTENDANCE_FIELDS, enforce_calendar

Role = Membership.Role
Status = Attendance.Status
REASON_MAX_LENGTH = 300


@transaction.atomic
def attendance_correct(
    *, actor, session: Session, fellow: Membership, status: str, reason: str
) -> Attendance:
    """The coordinator (or director) sets a fellow present, absent or excused, with a reason;
    who and when are recorded, and the correction goes to the audit trail."""
    enforce_calendar(actor, session.program)
    if fellow.program_id != session.program_id or fellow.role != Role.FELLOW:
        raise ValidationError("Only the program's fellows are on the roll.")
    if status not in Status.values:
        raise ValidationError({"status": "Choose present, absent or excused."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason for the correction."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"Keep the reason to {REASON_MAX_LENGTH} characters."})
    existing = Attendance.objects.select_for_update().filter(session=session, fellow=fellow).first()
    before = field_values(existing, ATTENDANCE_FIELDS) if existing else {}
    attendance = existing or Attendance(session=session, fellow=fellow)
    attendance.status = status
    attendance.method = Attendance.Method.ROLL
    attendance.reason = reason
    attendance.recorded_by = actor
    attendance.recorded_at = timezone.now()
    attendance.full_clean(validate_unique=False)
    attendance.save()
    audit_record(
        actor=actor,
        action="didactics.attendance.correct",
        obj=attendance,
        program=session.program,
        changes=changes_between(before, field_values(attendance, ATTENDANCE_FIELDS)),
    )
    return attendance


@transaction.atomic
def requirement_set(*, actor, program: Program, kind: str, required_percent: int):
    """The share of past sessions of ``kind`` a fellow must attend; audited when it changes."""
    enforce_calendar(actor, program)
    if not 0 <= required_percent <= 100:
        raise ValidationError({"required_percent": "Enter a percentage from 0 to 100."})
    current = (
        AttendanceRequirement.objects.select_for_update().filter(program=program, kind=kind).first()
    )
    before = {"required_percent": current.required_percent} if current else {}
    requirement, _ = AttendanceRequirement.objects.update_or_create(
        program=program, kind=kind, defaults={"required_percent": required_percent}
    )
    requirement.full_clean()
    if changes := changes_between(before, {"required_percent": requirement.required_percent}):
        audit_record(
            actor=actor,
            action="didactics.requirement.set",
            obj=requirement,
            changes=changes,
        )
    return requirement
