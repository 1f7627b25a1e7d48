"""Recording audit events. Services call ``audit_record`` inside their own transaction, so an
event exists exactly when the change it describes was committed."""

import datetime
from decimal import Decimal

from django.db import models

from curriculum.models import Program

from .context import current_request
from .models import AuditEvent


def _plain(value):
    """A JSON-safe form of a field value (dates, decimals and model rows included)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def field_values(instance: models.Model, fields) -> dict:
    """The current values of ``fields`` on ``instance`` (foreign keys by id), for a later diff."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        values[name] = _plain(getattr(instance, field.attname))
    return values


def changes_between(before: dict, after: dict) -> dict:
    """``{field: [before, after]}`` for every field whose value differs."""
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in sorted(set(before) | set(after))
        if _plain(before.get(name)) != _plain(after.get(name))
    }


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model,
    program=None,
    changes: dict | None = None,
) -> AuditEvent:
    """Record that ``actor`` (None: the system) did ``action`` to ``obj``.

    ``program`` defaults to ``obj.program`` when the record has one. ``changes`` is either a
    ``{field: [before, after]}`` diff (see ``changes_between``) or any JSON-safe description.
    """
    if program is not None:
        program_id = program.pk
    elif isinstance(obj, Program):
        program_id = obj.pk
    else:
        program_id = getattr(obj, "program_id", None)
    event = _event(actor=actor, action=action, obj=obj, program_id=program_id, changes=changes)
    event.save()
    return event


def audit_record_many(*, actor, action: str, objects, changes: dict | None = None) -> int:
    """The same change to many records (a bulk action): one insert, one event per record."""
    events = [
        _event(
            actor=actor,
            action=action,
            obj=obj,
            program_id=getattr(obj, "program_id", None),
            changes=changes,
        )
        for obj in objects
    ]
    AuditEvent.objects.bulk_create(events)
    return len(events)


def audit_record_each(*, actor, action: str, changes_by_object) -> int:
    """The same action on many records, each with its own ``changes`` (a catalogue loaded at
    once): ``changes_by_object`` is ``[(obj, changes), ...]``; one insert, one event each."""
    events = [
        _event(
            actor=actor,
            action=action,
            obj=obj,
            program_id=getattr(obj, "program_id", None),
            changes=changes,
        )
        for obj, changes in changes_by_object
    ]
    AuditEvent.objects.bulk_create(events)
    return len(events)


def _event(*, actor, action: str, obj: models.Model, program_id, changes) -> AuditEvent:
    request = current_request()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    return AuditEvent(
        program_id=program_id,
        actor_id=actor_id,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=_plain(changes or {}),
        request_id=request.request_id if request else "",
        request_method=request.method if request else "",
        request_path=request.path if request else "",
        ip_address=request.ip_address if request else None,
    )
