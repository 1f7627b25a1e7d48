"""Writes for a fellow's own case log: log, edit, delete, favourites and CSV import.

Every write records a ``ProcedureEntryEvent`` naming the actor. A note is screened for anything
that could identify a patient; a verified entry is locked until the director reopens it.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.services import audit_record, changes_between, field_values
from core.fields import screened_field_problems
from curriculum.models import Membership

from ..csv_entries import EARLIEST_DATE, EntryPreview, entries_parse
from ..models import (
    FavouriteProcedure,
    ProcedureEntryEvent,
    ProcedureLogEntry,
    ProcedureSettings,
    ProcedureType,
)
from ..permissions import can_log
from ..rules import age_band_refusal, age_band_refused, telecom_refusal, telecom_refused

Entry = ProcedureLogEntry
Action = ProcedureEntryEvent.Action
EDITABLE_STATUSES = (Entry.Status.PENDING, Entry.Status.RETURNED)
# What the audit trail records of an entry when it is logged, edited or deleted.
AUDITED_FIELDS = (
    "fellow",
    "performed_on",
    "procedure_type",
    "guidance",
    "role",
    "supervisor",
    "supervision_level",
    "complication",
    "age_band",
    "level",
    "laterality",
    "note",
    "status",
    "return_reason",
)
LOCKED_MESSAGE = (
    "This entry is verified: verified entries are locked; ask the program director to reopen it."
)


def _require_owner(actor, fellow: Membership) -> None:
    if not (
        actor.is_authenticated
        and fellow.user_id == actor.pk
        and fellow.role == Membership.Role.FELLOW
        and can_log(actor, fellow.program)
    ):
        raise PermissionDenied("Only the fellow can change their own log.")


def _field_errors(
    *,
    fellow: Membership,
    performed_on,
    procedure_type: ProcedureType,
    guidance: str,
    supervisor: Membership,
    supervision_level: str,
    age_band: str,
    level: str,
    laterality: str,
    note: str,
    current: Entry | None = None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    program = fellow.program
    kept_type = current is not None and current.procedure_type_id == procedure_type.pk
    if procedure_type.program_id != program.pk:
        add("procedure_type", "Choose a procedure from this program's catalogue.")
    elif not procedure_type.is_active and not kept_type:
        add("procedure_type", f"{procedure_type.name} is retired; choose another procedure.")
    elif guidance and guidance not in procedure_type.allowed_guidance:
        allowed = ", ".join(procedure_type.allowed_guidance) or "none listed"
        add("guidance", f"{procedure_type.name} is not done with {guidance} (use {allowed}).")
    if level and not procedure_type.has_level:
        add("level", f"{procedure_type.name} has no spinal level; leave the level empty.")
    if laterality and not procedure_type.has_laterality:
        add("laterality", f"{procedure_type.name} has no side; leave the laterality empty.")
    # Telecommunication is refused per category (ProcedureCategory.allows_telecom_supervision);
    # an entry keeps what it recorded before the rule, as long as neither changes.
    kept_telecom = (
        kept_type and current is not None and current.supervision_level == supervision_level
    )
    if (
        procedure_type.program_id == program.pk
        and not kept_telecom
        and telecom_refused(procedure_type, supervision_level)
    ):
        add("supervision_level", telecom_refusal(procedure_type))
    split = ProcedureSettings.split_for(program)
    keep = current.age_band if current is not None else ""
    if age_band_refused(age_band, split=split, keep=keep):
        add("age_band", age_band_refusal(age_band, split=split))

    kept_supervisor = current is not None and current.supervisor_id == supervisor.pk
    if (
        supervisor.program_id != program.pk
        or supervisor.role not in Membership.TEACHING_ROLES
        or not (supervisor.is_active or kept_supervisor)
    ):
        add("supervisor", "The supervisor must be an active faculty member or the director.")

    if performed_on > program.today():
        add("performed_on", "The date is in the future.")
    elif performed_on < EARLIEST_DATE:
        add("performed_on", "The date is before 2000.")

    # Reported with the other problems, not one round later by full_clean().
    for name, problems in screened_field_problems(Entry, {"note": note, "level": level}).items():
        for problem in problems:
            add(name, problem)
    return errors


# Checked by _field_errors (same program, active, allowed) and enforced by the database.
RELATIONS = ("program", "fellow", "procedure_type", "supervisor", "verified_by")


def _validate_fields(entry: Entry) -> None:
    """The model's field checks (choices, lengths, screened text) without the query per foreign
    key and per check constraint that ``full_clean`` adds (14 statements an entry): the related
    rows were checked by ``_field_errors`` and the database enforces the constraints."""
    entry.full_clean(exclude=RELATIONS, validate_constraints=False)


@transaction.atomic
def entry_create(
    *,
    actor,
    fellow: Membership,
    performed_on: datetime.date,
    procedure_type: ProcedureType,
    guidance: str,
    role: str,
    supervisor: Membership,
    supervision_level: str,
    complication: str,
    age_band: str,
    level: str = "",
    laterality: str = "",
    note: str = "",
) -> Entry:
    """The fellow logs a procedure; it waits for verification by the supervisor."""
    _require_owner(actor, fellow)
    level, note = level.strip(), note.strip()
    errors = _field_errors(
        fellow=fellow,
        performed_on=performed_on,
        procedure_type=procedure_type,
        guidance=guidance,
        supervisor=supervisor,
        supervision_level=supervision_level,
        age_band=age_band,
        level=level,
        laterality=laterality,
        note=note,
    )
    if errors:
        raise ValidationError(errors)
    entry = Entry(
        program=fellow.program,
        fellow=fellow,
        performed_on=performed_on,
        procedure_type=procedure_type,
        guidance=guidance,
        role=role,
        supervisor=supervisor,
        supervision_level=supervision_level,
        complication=complication,
        age_band=age_band,
        level=level,
        laterality=laterality,
        note=note,
    )
    _validate_fields(entry)
    entry.save()
    ProcedureEntryEvent.objects.create(entry=entry, actor=actor, action=Action.CREATED)
    audit_record(
        actor=actor,
        action="procedure_entry.create",
        obj=entry,
        changes=changes_between({}, field_values(entry, AUDITED_FIELDS)),
    )
    return entry


def _locked_entry(actor, entry: Entry) -> Entry:
    """Re-read the entry under a row lock and check the actor may still change it."""
    _require_owner(actor, entry.fellow)
    locked = (
        Entry.objects.select_for_update(no_key=True)
        .select_related("fellow__program", "procedure_type")
        .get(pk=entry.pk)
    )
    if locked.status not in EDITABLE_STATUSES:
        raise ValidationError(LOCKED_MESSAGE)
    return locked


@transaction.atomic
def entry_update(
    *,
    actor,
    entry: Entry,
    performed_on: datetime.date,
    procedure_type: ProcedureType,
    guidance: str,
    role: str,
    supervisor: Membership,
    supervision_level: str,
    complication: str,
    age_band: str,
    level: str = "",
    laterality: str = "",
    note: str = "",
) -> Entry:
    """The fellow corrects a pending or returned entry; a returned one goes back to pending."""
    locked = _locked_entry(actor, entry)
    level, note = level.strip(), note.strip()
    errors = _field_errors(
        fellow=locked.fellow,
        performed_on=performed_on,
        procedure_type=procedure_type,
        guidance=guidance,
        supervisor=supervisor,
        supervision_level=supervision_level,
        age_band=age_band,
        level=level,
        laterality=laterality,
        note=note,
        current=locked,
    )
    if errors:
        raise ValidationError(errors)
    before = field_values(locked, AUDITED_FIELDS)
    locked.performed_on = performed_on
    locked.procedure_type = procedure_type
    locked.guidance = guidance
    locked.role = role
    locked.supervisor = supervisor
    locked.supervision_level = supervision_level
    locked.complication = complication
    locked.age_band = age_band
    locked.level = level
    locked.laterality = laterality
    locked.note = note
    locked.status = Entry.Status.PENDING
    locked.return_reason = ""
    _validate_fields(locked)
    locked.save()
    ProcedureEntryEvent.objects.create(entry=locked, actor=actor, action=Action.EDITED)
    audit_record(
        actor=actor,
        action="procedure_entry.edit",
        obj=locked,
        changes=changes_between(before, field_values(locked, AUDITED_FIELDS)),
    )
    return locked


def entry_summary(entry: Entry) -> str:
    """What the entry was, in words, for the record kept after it is deleted."""
    parts = [
        f"{entry.procedure_type.name} on {entry.performed_on:%Y-%m-%d}",
        entry.get_role_display().lower(),
        entry.get_guidance_display(),
    ]
    if entry.level:
        parts.append(entry.level)
    if entry.laterality:
        parts.append(entry.get_laterality_display().lower())
    parts.append(
        f"fellow membership {entry.fellow_id}, supervisor membership {entry.supervisor_id}"
    )
    return ", ".join(parts)[:300]


@transaction.atomic
def entry_delete(*, actor, entry: Entry) -> None:
    """The fellow deletes an unverified entry; its events stay, detached, with a summary."""
    locked = _locked_entry(actor, entry)
    summary = entry_summary(locked)
    events = ProcedureEntryEvent.objects.filter(entry=locked)
    events.filter(summary="").update(summary=summary)
    events.update(entry=None)
    ProcedureEntryEvent.objects.create(
        entry=None, actor=actor, action=Action.DELETED, summary=summary
    )
    audit_record(
        actor=actor,
        action="procedure_entry.delete",
        obj=locked,
        changes=changes_between(field_values(locked, AUDITED_FIELDS), {}),
    )
    locked.delete()


@transaction.atomic
def favourite_toggle(*, actor, fellow: Membership, procedure_type: ProcedureType) -> bool:
    """Pin or unpin a procedure type; True when it is now a favourite."""
    _require_owner(actor, fellow)
    if procedure_type.program_id != fellow.program_id:
        raise ValidationError("Choose a procedure from this program's catalogue.")
    deleted, _ = FavouriteProcedure.objects.filter(
        fellow=fellow, procedure_type=procedure_type
    ).delete()
    if deleted:
        return False
    if not procedure_type.is_active:
        raise ValidationError(f"{procedure_type.name} is retired.")
    favourite = FavouriteProcedure(fellow=fellow, procedure_type=procedure_type)
    favourite.full_clean()
    favourite.save()
    return True


def entry_import_preview(*, actor, fellow: Membership, content: bytes) -> EntryPreview:
    """Check an entries file against the fellow's program without saving anything."""
    _require_owner(actor, fellow)
    program = fellow.program
    types = {
        procedure_type.name.lower(): procedure_type
        for procedure_type in ProcedureType.objects.filter(
            program=program, is_active=True
        ).select_related("category")
    }
    supervisors = {}
    for membership in (
        Membership.objects.filter(
            program=program, role__in=Membership.TEACHING_ROLES, is_active=True
        )
        .select_related("user")
        .order_by("role")  # director before faculty: the same person's faculty row wins
    ):
        supervisors[membership.user.email.lower()] = membership
    return entries_parse(
        content,
        procedure_types=types,
        supervisors=supervisors,
        today=program.today(),
        split_age_bands=ProcedureSettings.split_for(program),
    )


@transaction.atomic
def entry_import(*, actor, fellow: Membership, content: bytes) -> list[Entry]:
    """All or nothing: every row is checked first, then every entry is created, pending."""
    preview = entry_import_preview(actor=actor, fellow=fellow, content=content)
    if not preview.is_clean:
        raise ValidationError(preview.errors or ["The file has no entries."])
    created, errors = [], []
    for row in preview.rows:
        try:
            created.append(entry_create(actor=actor, fellow=fellow, **row.cleaned))
        except ValidationError as error:
            errors += [f"Row {row.number}: {message}" for message in error.messages]
    if errors:
        raise ValidationError(errors)
    return created
