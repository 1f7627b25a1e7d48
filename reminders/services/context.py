"""What every reminder source shares: each program's context for one sweep (settings, local
date, staff), the keyset batches candidates are read in, and the ``Candidate`` they yield."""

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from curriculum.models import Membership, Program

from ..links import program_paths
from ..models import NotificationPreference, ReminderSettings

Role = Membership.Role
DIGEST = NotificationPreference.Delivery.DIGEST


@dataclass
class ProgramContext:
    program: Program
    settings: ReminderSettings
    today: datetime.date
    tz: zoneinfo.ZoneInfo
    paths: dict[str, str]
    directors: list[int] = field(default_factory=list)
    staff: list[int] = field(default_factory=list)


def fmt_day(day: datetime.date | None) -> str:
    return f"{day:%b} {day.day}, {day.year}" if day else ""


def person_name(full_name: str, email: str) -> str:
    return full_name or email


def program_contexts(now: datetime.datetime) -> dict[int, ProgramContext]:
    """Every program with its settings, local date and staff: two queries."""
    contexts = {}
    for program in Program.objects.select_related("reminder_settings").order_by("pk"):
        contexts[program.pk] = ProgramContext(
            program=program,
            settings=ReminderSettings.for_program(program),
            today=program.localtime(now).date(),
            tz=program.zone,
            paths=program_paths(program.pk),
        )
    staff = Membership.objects.filter(
        role__in=Membership.STAFF_ROLES, is_active=True, user__is_active=True
    ).values_list("program_id", "role", "user_id")
    for program_id, role, user_id in staff:
        ctx = contexts[program_id]
        ctx.staff.append(user_id)
        if role == Role.DIRECTOR:
            ctx.directors.append(user_id)
    return contexts


def grouped(contexts: dict[int, ProgramContext], key, condition) -> Q:
    """OR of ``condition(*key)`` over groups of programs sharing the same key (date, days...)."""
    groups = defaultdict(list)
    for ctx in contexts.values():
        groups[key(ctx)].append(ctx.program.pk)
    query = Q(pk__in=[])
    for group_key, program_ids in groups.items():
        query |= Q(program_id__in=program_ids) & condition(*group_key)
    return query


def keyset_batches(queryset: QuerySet, fields: tuple[str, ...], size: int) -> Iterator[list[dict]]:
    """Keyset pagination on the primary key: one query per batch, none past the last one."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk").values(*fields)[:size])
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = rows[-1]["pk"]


@dataclass(slots=True)
class Candidate:
    """A reminder the sweep wants in the ledger (plain data: thousands are made per batch)."""

    program_id: int
    recipient_id: int
    kind: str
    object_type: str
    object_id: int
    period: str
    subject: str
    url_path: str
    due_date: datetime.date | None = None
    channel: str = DIGEST


def candidate(ctx: ProgramContext, recipient_id: int, kind: str, obj: tuple, **fields) -> Candidate:
    object_type, object_id, period = obj
    return Candidate(ctx.program.pk, recipient_id, kind, object_type, object_id, period, **fields)
