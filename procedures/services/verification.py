"""Faculty sign-off of log entries and the director's reopening of verified ones.

Every change is recorded as a ``ProcedureEntryEvent`` with the acting user. Only a pending entry
can be verified or returned; a verified entry is locked until the director reopens it.

No ``full_clean()`` here: these services change only the status and who verified when (values
they set themselves) and a reason ``_clean_reason`` has checked; the row was valid when logged,
and the database enforces the status and foreign keys. ``full_clean`` would re-check every
foreign key and constraint with a query each (14 statements a verification, issue 18).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, audit_record_many
from core.phi import identifier_problems
from core.reasons import clean_reason
from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

from .. import notices
from ..models import ProcedureEntryEvent, ProcedureLogEntry
from ..permissions import can_reopen, can_verify

Status = ProcedureLogEntry.Status
Action = ProcedureEntryEvent.Action


def _lock(entry: ProcedureLogEntry) -> ProcedureLogEntry:
    """Re-read the entry under a row lock so two faculty members cannot act on it at once."""
    return (
        ProcedureLogEntry.objects.select_for_update(of=("self",))
        .select_related("supervisor", "program", "procedure_type", "fellow")
        .get(pk=entry.pk)
    )


def _require_pending(entry: ProcedureLogEntry, verb: str) -> None:
    if entry.status != Status.PENDING:
        raise ValidationError(
            f"Only a pending entry can be {verb}; this one is {entry.get_status_display().lower()}."
        )


def _clean_reason(reason: str) -> str:
    reason = clean_reason(reason)
    # The fellow reads the reason beside the entry: it must not identify the patient either.
    if problems := identifier_problems(reason):
        raise ValidationError({"reason": problems})
    return reason


@transaction.atomic
def entry_verify(*, actor, entry: ProcedureLogEntry) -> ProcedureLogEntry:
    """The supervising faculty member (or the director) confirms a pending entry; it locks."""
    entry = _lock(entry)
    if not can_verify(actor, entry):
        raise PermissionDenied("Only the supervising faculty member or the director can verify.")
    _require_pending(entry, "verified")
    entry.status = Status.VERIFIED
    entry.verified_by = actor
    entry.verified_at = timezone.now()
    entry.return_reason = ""
    entry.save(
        update_fields=["status", "verified_by", "verified_at", "return_reason", "updated_at"]
    )
    ProcedureEntryEvent.objects.create(entry=entry, actor=actor, action=Action.VERIFIED)
    audit_record(
        actor=actor,
        action="procedure_entry.verify",
        obj=entry,
        changes={"status": [Status.PENDING, Status.VERIFIED]},
    )
    return entry


@transaction.atomic
def entry_verify_bulk(*, actor, program: Program, entry_ids: list[int]) -> int:
    """Verify several pending entries of ``program`` at once: all of them, or none.

    Every id must name a pending entry of the program that ``actor`` may verify; otherwise a
    ``ValidationError`` (unknown or not pending) or ``PermissionDenied`` (not theirs) names the
    entries at fault and nothing changes. Returns how many entries were verified.
    """
    ids = sorted(set(entry_ids))
    if not ids:
        raise ValidationError("Select at least one entry to verify.")
    entries = list(
        ProcedureLogEntry.objects.select_for_update(of=("self",))
        # The audit events name each entry (str: its procedure type): read with the entries.
        .select_related("supervisor", "procedure_type")
        .filter(pk__in=ids, program=program)
        .order_by("pk")
    )
    missing = sorted(set(ids) - {entry.pk for entry in entries})
    if missing:
        raise ValidationError(
            f"No entry of this program has id {', '.join(map(str, missing))}; nothing was verified."
        )
    is_director = has_program_role(actor, program, [Membership.Role.DIRECTOR])
    refused = [e.pk for e in entries if not (is_director or can_verify(actor, e))]
    if refused:
        raise PermissionDenied(
            f"You do not supervise entry {', '.join(map(str, refused))}; nothing was verified."
        )
    not_pending = [e.pk for e in entries if e.status != Status.PENDING]
    if not_pending:
        raise ValidationError(
            f"Entry {', '.join(map(str, not_pending))} is no longer pending; nothing was verified."
        )
    now = timezone.now()
    updated = ProcedureLogEntry.objects.filter(pk__in=ids).update(
        status=Status.VERIFIED, verified_by=actor, verified_at=now, return_reason="", updated_at=now
    )
    ProcedureEntryEvent.objects.bulk_create(
        ProcedureEntryEvent(entry=entry, actor=actor, action=Action.VERIFIED) for entry in entries
    )
    audit_record_many(
        actor=actor,
        action="procedure_entry.verify",
        objects=entries,
        changes={"status": [Status.PENDING, Status.VERIFIED], "bulk": [None, len(entries)]},
    )
    return updated


@transaction.atomic
def entry_return(*, actor, entry: ProcedureLogEntry, reason: str) -> ProcedureLogEntry:
    """Send a pending entry back to the fellow with a reason they will see."""
    reason = _clean_reason(reason)
    entry = _lock(entry)
    if not can_verify(actor, entry):
        raise PermissionDenied("Only the supervising faculty member or the director can return.")
    _require_pending(entry, "returned")
    entry.status = Status.RETURNED
    entry.return_reason = reason
    entry.save(update_fields=["status", "return_reason", "updated_at"])
    ProcedureEntryEvent.objects.create(
        entry=entry, actor=actor, action=Action.RETURNED, reason=reason
    )
    audit_record(
        actor=actor,
        action="procedure_entry.return",
        obj=entry,
        changes={"status": [Status.PENDING, Status.RETURNED], "return_reason": ["", reason]},
    )
    notices.entry_returned(entry, returned_by=actor.display_name)
    return entry


@transaction.atomic
def entry_reopen(*, actor, entry: ProcedureLogEntry, reason: str) -> ProcedureLogEntry:
    """The director unlocks a verified entry: it becomes pending again, and that is recorded."""
    reason = _clean_reason(reason)
    entry = _lock(entry)
    if not can_reopen(actor, entry):
        raise PermissionDenied("Only the program director can reopen a verified entry.")
    if entry.status != Status.VERIFIED:
        raise ValidationError("Only a verified entry can be reopened.")
    entry.status = Status.PENDING
    entry.verified_by = None
    entry.verified_at = None
    entry.save(update_fields=["status", "verified_by", "verified_at", "updated_at"])
    ProcedureEntryEvent.objects.create(
        entry=entry, actor=actor, action=Action.REOPENED, reason=reason
    )
    audit_record(
        actor=actor,
        action="procedure_entry.reopen",
        obj=entry,
        changes={"status": [Status.VERIFIED, Status.PENDING], "reason": [None, reason]},
    )
    return entry
