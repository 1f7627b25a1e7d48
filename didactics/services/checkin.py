"""Writes for check-in: the presenter or staff open a session's window, a fellow checks in."""

import datetime
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format, time_format

from audit.services import audit_record, changes_between, field_values
from curriculum.models import Membership, Program

from ..models import Attendance, CheckinThrottle, Session
from ..permissions import can_run_checkin, is_fellow
from .common import ATTENDANCE_FIELDS, enforce

Role = Membership.Role
Status = Attendance.Status

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a code read off a projector is typed right the first time.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
OPENS_BEFORE_START = datetime.timedelta(minutes=15)
CLOSES_AFTER_END = datetime.timedelta(minutes=30)
MAX_WRONG_CODES = 5
LOCKOUT = datetime.timedelta(minutes=15)
WINDOW_FIELDS = ("checkin_opens_at", "checkin_closes_at")


def _local(program: Program, value: datetime.datetime) -> str:
    local = program.localtime(value)
    return f"{date_format(local, 'D M j')} at {time_format(local, 'g:i A')}"


def new_checkin_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).upper()


def default_window(session: Session) -> tuple[datetime.datetime, datetime.datetime]:
    return session.starts_at - OPENS_BEFORE_START, session.ends_at + CLOSES_AFTER_END


@transaction.atomic
def session_open_checkin(
    *,
    actor,
    session: Session,
    opens_at: datetime.datetime | None = None,
    closes_at: datetime.datetime | None = None,
    new_code: bool = False,
) -> Session:
    """Give the session a check-in code (kept unless ``new_code``) and a window (default: 15
    minutes before the start to 30 minutes after the end)."""
    session = Session.objects.select_for_update().select_related("program").get(pk=session.pk)
    enforce(
        actor is None or can_run_checkin(actor, session),
        "Only the presenter or the program coordinator can run check-in.",
    )
    before = field_values(session, WINDOW_FIELDS)
    old_code = session.checkin_code
    default_opens, default_closes = default_window(session)
    session.checkin_opens_at = opens_at or session.checkin_opens_at or default_opens
    session.checkin_closes_at = closes_at or session.checkin_closes_at or default_closes
    if session.checkin_closes_at <= session.checkin_opens_at:
        raise ValidationError({"closes_at": "The window must close after it opens."})
    if new_code or not session.checkin_code:
        session.checkin_code = new_checkin_code()
    session.full_clean()
    session.save(
        update_fields=["checkin_code", "checkin_opens_at", "checkin_closes_at", "updated_at"]
    )
    changes = changes_between(before, field_values(session, WINDOW_FIELDS))
    if session.checkin_code != old_code:  # the code itself stays out of the trail
        changes["checkin_code"] = ["set" if old_code else None, "new"]
    if changes:
        audit_record(
            actor=actor, action="didactics.session.checkin_open", obj=session, changes=changes
        )
    return session


@dataclass(frozen=True)
class CheckinResult:
    attendance: Attendance
    already: bool  # the fellow had checked in before: nothing changed


def session_check_in(*, actor, session: Session, code: str) -> CheckinResult:
    """A fellow of the session's program checks in with its code, within its window.

    Refused (``ValidationError``) outside the window, with a wrong code (the fifth wrong code
    locks the fellow out of this session for 15 minutes) or while locked out. A second check-in
    changes nothing and says so.
    """
    program = session.program
    fellow = Membership.objects.filter(
        user=actor, program=program, role=Role.FELLOW, is_active=True
    ).first()
    enforce(fellow is not None and is_fellow(actor, program), "Only fellows check in.")
    now = timezone.now()
    error = None
    with transaction.atomic():
        session = Session.objects.select_related("program").get(pk=session.pk)
        throttle, _ = CheckinThrottle.objects.get_or_create(session=session, fellow=fellow)
        throttle = CheckinThrottle.objects.select_for_update().get(pk=throttle.pk)
        existing = Attendance.objects.filter(session=session, fellow=fellow).first()
        if existing is not None and existing.status == Status.PRESENT:
            return CheckinResult(existing, already=True)
        if not session.checkin_is_set_up:
            raise ValidationError("Check-in is not open for this session yet.")
        if throttle.locked_until and throttle.locked_until > now:
            raise ValidationError(
                "Too many wrong codes. Try again after "
                f"{_local(program, throttle.locked_until)}, or ask the coordinator."
            )
        if now < session.checkin_opens_at:
            raise ValidationError(
                "Check-in has not opened yet: it opens "
                f"{_local(program, session.checkin_opens_at)}."
            )
        if now > session.checkin_closes_at:
            raise ValidationError(
                f"Check-in closed {_local(program, session.checkin_closes_at)}. "
                "Ask the coordinator to correct the roll if you attended."
            )
        # Bytes: compare_digest refuses non-ASCII text, and a typed code may hold anything.
        if not secrets.compare_digest(normalise_code(code).encode(), session.checkin_code.encode()):
            throttle.failures += 1
            left = MAX_WRONG_CODES - throttle.failures
            if left <= 0:
                throttle.failures = 0
                throttle.locked_until = now + LOCKOUT
                error = (
                    "That code is wrong. After five wrong codes check-in is locked until "
                    f"{_local(program, throttle.locked_until)}."
                )
            else:
                error = (
                    f"That code is wrong. Check the code on the screen ({left} "
                    f"{'try' if left == 1 else 'tries'} left)."
                )
            throttle.save(update_fields=["failures", "locked_until", "updated_at"])
        else:
            before = field_values(existing, ATTENDANCE_FIELDS) if existing else {}
            attendance = existing or Attendance(session=session, fellow=fellow)
            attendance.status = Status.PRESENT
            attendance.method = Attendance.Method.CHECK_IN
            attendance.reason = ""
            attendance.recorded_by = actor
            attendance.recorded_at = now
            attendance.full_clean(validate_unique=False)
            try:
                with transaction.atomic():
                    attendance.save()
            except IntegrityError:  # a second tap raced the first: it is already recorded
                return CheckinResult(
                    Attendance.objects.get(session=session, fellow=fellow), already=True
                )
            audit_record(
                actor=actor,
                action="didactics.attendance.check_in",
                obj=attendance,
                program=program,
                changes=changes_between(before, field_values(attendance, ATTENDANCE_FIELDS)),
            )
            throttle.failures = 0
            throttle.locked_until = None
            throttle.save(update_fields=["failures", "locked_until", "updated_at"])
            return CheckinResult(attendance, already=False)
    raise ValidationError(error)  # after the block, so the counted failure is kept
