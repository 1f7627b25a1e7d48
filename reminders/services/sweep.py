"""The periodic sweep: work out every due reminder, write it to the ledger, then queue email.

Run by Celery beat (``reminders.tasks.sweep_reminders``). The sweep is safe to run twice, or in
two beat processes at once:

1. **Ledger first.** For each source (calendar deadlines, overdue assessments and escalations,
   procedures waiting for verification, fellows behind their targets at a checkpoint, pending
   acknowledgements and self-assessments) candidates are read in keyset batches and inserted with
   ``bulk_create(ignore_conflicts=True)`` against the unique key (recipient, kind, object,
   period). A reminder that exists already is silently skipped, so nothing is reminded twice.
2. **Deliveries.** Queued reminders of people who want each one at once get a ``Delivery`` keyed
   ``reminder:<id>``; the others are gathered, once the person's digest hour has passed in the
   program's time zone, into one digest ``Delivery`` per person per day (a partial unique
   constraint enforces the "one per day"). Both steps are keyed inserts, so re-running is a no-op.
3. **Failed ones again.** Deliveries that failed after every retry and are younger than a day
   get one more attempt an hour after their last (``deliveries_retry_recent_failures``).
4. **Enqueue.** Deliveries that are pending (and not waiting for a retry back-off), or stuck in
   ``sending`` past the claim lease because a worker died, are stamped ``enqueued_at`` and handed
   to ``deliver_email`` after commit. A crash between commit and enqueue is repaired by the next
   run; an extra task for the same delivery is a no-op (see ``services.delivery``). This step
   alone also runs every minute (``reminders.tasks.enqueue_due_deliveries``), so work lost with
   the broker or a worker is handed over again soon after they are back.

Queries grow with the number of batches, never with the number of fellows: each batch costs a
fixed handful of queries (candidates, one related lookup, preferences, one insert).
"""

import datetime
import math
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, Exists, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from assessments.models import Assessment, AssessmentTemplate, SummativeEvaluation
from core.dates import add_months
from curriculum.models import Membership, Program
from procedures.models import ProcedureLogEntry, ProcedureTarget
from procedures.selectors.progress import _counts, _progress  # one aggregate, same rules
from trainees.models import AcademicYear, Deadline, Enrolment

from ..links import assessment_path, program_paths
from ..models import (
    MANDATORY_KINDS,
    Delivery,
    Kind,
    NotificationPreference,
    Reminder,
    ReminderSettings,
)
from .delivery import deliveries_hand_over, deliveries_retry_recent_failures, ticket_for

Role = Membership.Role
OPEN = (Assessment.Status.DRAFT, Assessment.Status.RETURNED)
DIGEST = NotificationPreference.Delivery.DIGEST
IMMEDIATE = NotificationPreference.Delivery.IMMEDIATE
DEFAULT_DIGEST_HOUR = NotificationPreference._meta.get_field("digest_hour").default
# A target checkpoint is acted on during this many days after it (the sweep may be down a day).
CHECKPOINT_WINDOW_DAYS = 14


@dataclass
class ProgramContext:
    program: Program
    settings: ReminderSettings
    today: datetime.date
    tz: zoneinfo.ZoneInfo
    paths: dict[str, str]
    directors: list[int] = field(default_factory=list)
    staff: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class SweepResult:
    reminders_created: int
    deliveries_enqueued: int


def _fmt(day: datetime.date | None) -> str:
    return f"{day:%b} {day.day}, {day.year}" if day else ""


def _name(full_name: str, email: str) -> str:
    return full_name or email


def _program_contexts(now: datetime.datetime) -> dict[int, ProgramContext]:
    """Every program with its settings, local date and staff: two queries."""
    contexts = {}
    for program in Program.objects.select_related("reminder_settings").order_by("pk"):
        tz = zoneinfo.ZoneInfo(program.timezone)
        contexts[program.pk] = ProgramContext(
            program=program,
            settings=ReminderSettings.for_program(program),
            today=now.astimezone(tz).date(),
            tz=tz,
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


def _grouped(contexts: dict[int, ProgramContext], key, condition) -> Q:
    """OR of ``condition(*key)`` over groups of programs sharing the same key (date, days...)."""
    groups = defaultdict(list)
    for ctx in contexts.values():
        groups[key(ctx)].append(ctx.program.pk)
    query = Q(pk__in=[])
    for group_key, program_ids in groups.items():
        query |= Q(program_id__in=program_ids) & condition(*group_key)
    return query


def _batches(queryset: QuerySet, fields: tuple[str, ...], size: int) -> Iterator[list[dict]]:
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


def _reminder(ctx: ProgramContext, recipient_id: int, kind: str, obj: tuple, **fields) -> Candidate:
    object_type, object_id, period = obj
    return Candidate(ctx.program.pk, recipient_id, kind, object_type, object_id, period, **fields)


# --- Sources -------------------------------------------------------------------------------


def _deadline_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """Calendar deadlines within the program's lead time, to whoever must act on them."""
    window = _grouped(
        contexts,
        lambda ctx: (ctx.today, ctx.settings.days_before_deadline),
        lambda today, days: Q(
            due_date__gte=today, due_date__lte=today + datetime.timedelta(days=days)
        ),
    )
    signed_summative = SummativeEvaluation.objects.filter(
        fellow_id=OuterRef("enrolment__membership_id"),
        status=SummativeEvaluation.Status.SIGNED,
    )
    deadlines = (
        Deadline.objects.filter(window)
        .filter(Q(enrolment__isnull=True) | Q(enrolment__status__in=["active", "leave"]))
        .filter(~Q(kind=Deadline.Kind.FINAL_SUMMATIVE) | ~Exists(signed_summative))
    )
    fields = ("pk", "program_id", "kind", "title", "due_date", "schedule_block_id")
    for rows in _batches(deadlines, fields, size):
        blocks = [row["schedule_block_id"] for row in rows if row["schedule_block_id"]]
        assessors = defaultdict(set)
        if blocks:
            open_evaluations = (
                Assessment.objects.filter(
                    schedule_block_id__in=blocks,
                    status__in=OPEN,
                    assessor__is_active=True,
                    assessor__user__is_active=True,
                )
                .exclude(template__kind=AssessmentTemplate.Kind.SELF)
                .values_list("schedule_block_id", "assessor__user_id")
            )
            for block_id, user_id in open_evaluations:
                assessors[block_id].add(user_id)
        batch = []
        for row in rows:
            ctx = contexts[row["program_id"]]
            kind, path = Kind.DEADLINE_UPCOMING, ctx.paths["calendar"]
            if row["kind"] == Deadline.Kind.FINAL_SUMMATIVE:
                kind, recipients = Kind.FINAL_DEADLINE, ctx.directors
            elif row["kind"] == Deadline.Kind.ROTATION_EVALUATION and row["schedule_block_id"]:
                # Whoever still has the evaluation open; nobody once it is done.
                recipients = sorted(assessors.get(row["schedule_block_id"], ()))
                path = ctx.paths["faculty_queue"]
            else:
                recipients = ctx.staff
            obj = (Reminder.ObjectType.DEADLINE, row["pk"], row["due_date"].isoformat())
            for user_id in recipients:
                batch.append(
                    _reminder(
                        ctx,
                        user_id,
                        kind,
                        obj,
                        subject=f"{row['title']} (due {_fmt(row['due_date'])})"[:200],
                        due_date=row["due_date"],
                        url_path=path,
                    )
                )
        yield batch


def _assessment_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """Overdue assessments to the assessor, escalated to the director after the program's
    number of days; open self-assessments to the fellow as their due date approaches."""
    SELF = AssessmentTemplate.Kind.SELF

    def condition(today, days_before):
        soon = today + datetime.timedelta(days=days_before)
        own = Q(template__kind=SELF) & (Q(due_date__isnull=True) | Q(due_date__lte=soon))
        return own | (~Q(template__kind=SELF) & Q(due_date__lt=today))

    window = _grouped(
        contexts, lambda ctx: (ctx.today, ctx.settings.days_before_deadline), condition
    )
    assessments = Assessment.objects.filter(
        window, status__in=OPEN, assessor__is_active=True, assessor__user__is_active=True
    )
    fields = (
        "pk",
        "program_id",
        "due_date",
        "template__kind",
        "template__name",
        "assessor__user_id",
        "assessor__user__full_name",
        "assessor__user__email",
        "fellow__user__full_name",
        "fellow__user__email",
    )
    for rows in _batches(assessments, fields, size):
        batch = []
        for row in rows:
            ctx = contexts[row["program_id"]]
            due = row["due_date"]
            path = assessment_path(ctx.paths, row["pk"])
            fellow = _name(row["fellow__user__full_name"], row["fellow__user__email"])
            what = f"{row['template__name']} for {fellow}"
            if row["template__kind"] == SELF:
                obj = (
                    Reminder.ObjectType.ASSESSMENT,
                    row["pk"],
                    due.isoformat() if due else "open",
                )
                subject = f"Complete your {row['template__name']}"
                if due:
                    subject += f" (due {_fmt(due)})"
                batch.append(
                    _reminder(
                        ctx,
                        row["assessor__user_id"],
                        Kind.SELF_ASSESSMENT_PENDING,
                        obj,
                        subject=subject[:200],
                        due_date=due,
                        url_path=path,
                    )
                )
                continue
            obj = (Reminder.ObjectType.ASSESSMENT, row["pk"], due.isoformat())
            batch.append(
                _reminder(
                    ctx,
                    row["assessor__user_id"],
                    Kind.ASSESSMENT_OVERDUE,
                    obj,
                    subject=f"Overdue since {_fmt(due)}: {what}"[:200],
                    due_date=due,
                    url_path=path,
                )
            )
            late = (ctx.today - due).days
            if late >= ctx.settings.escalate_after_days:
                assessor = _name(row["assessor__user__full_name"], row["assessor__user__email"])
                for director_id in ctx.directors:
                    batch.append(
                        _reminder(
                            ctx,
                            director_id,
                            Kind.ESCALATION,
                            obj,
                            subject=f"{late} days overdue: {what} by {assessor}"[:200],
                            due_date=due,
                            url_path=path,
                        )
                    )
        yield batch


def _acknowledgement_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """Signed assessments the fellow has not acknowledged yet."""
    assessments = Assessment.objects.filter(
        program_id__in=list(contexts),
        status=Assessment.Status.SIGNED,
        fellow__is_active=True,
        fellow__user__is_active=True,
    )
    fields = (
        "pk",
        "program_id",
        "signed_at",
        "template__name",
        "fellow__user_id",
        "assessor__user__full_name",
        "assessor__user__email",
    )
    for rows in _batches(assessments, fields, size):
        batch = []
        for row in rows:
            ctx = contexts[row["program_id"]]
            signed_on = row["signed_at"].astimezone(ctx.tz).date()
            assessor = _name(row["assessor__user__full_name"], row["assessor__user__email"])
            batch.append(
                _reminder(
                    ctx,
                    row["fellow__user_id"],
                    Kind.ACKNOWLEDGEMENT_PENDING,
                    (Reminder.ObjectType.ASSESSMENT, row["pk"], signed_on.isoformat()),
                    subject=f"Read and acknowledge {row['template__name']} by {assessor}"[:200],
                    url_path=assessment_path(ctx.paths, row["pk"]),
                )
            )
        yield batch


def _verification_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """Entries pending verification for the program's number of days, to the supervisor."""
    window = _grouped(
        contexts,
        lambda ctx: (ctx.settings.verification_after_days,),
        lambda days: Q(updated_at__lte=now - datetime.timedelta(days=days)),
    )
    entries = ProcedureLogEntry.objects.filter(
        window,
        status=ProcedureLogEntry.Status.PENDING,
        supervisor__is_active=True,
        supervisor__user__is_active=True,
    )
    fields = (
        "pk",
        "program_id",
        "updated_at",
        "performed_on",
        "procedure_type__name",
        "supervisor__user_id",
        "fellow__user__full_name",
        "fellow__user__email",
    )
    for rows in _batches(entries, fields, size):
        batch = []
        for row in rows:
            ctx = contexts[row["program_id"]]
            fellow = _name(row["fellow__user__full_name"], row["fellow__user__email"])
            period = row["updated_at"].astimezone(ctx.tz).date().isoformat()
            batch.append(
                _reminder(
                    ctx,
                    row["supervisor__user_id"],
                    Kind.VERIFICATION_PENDING,
                    (Reminder.ObjectType.PROCEDURE_ENTRY, row["pk"], period),
                    subject=(
                        f"Verify {fellow}'s {row['procedure_type__name']} "
                        f"of {_fmt(row['performed_on'])}"
                    )[:200],
                    url_path=ctx.paths["verification_queue"],
                )
            )
        yield batch


def _active_checkpoint(year: AcademicYear, ctx: ProgramContext) -> tuple[int, datetime.date] | None:
    """The checkpoint (months, date) of the academic year that is being acted on today."""
    for months in sorted(ctx.settings.target_check_months, reverse=True):
        point = add_months(year.start_date, months)
        if point <= ctx.today < point + datetime.timedelta(days=CHECKPOINT_WINDOW_DAYS):
            return months, point
    return None


def _target_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """At each checkpoint, fellows whose verified counts trail the pro-rata share of a target
    are told, and so is the director. Three queries before the batches, two per batch."""
    targets = defaultdict(list)
    for target in ProcedureTarget.objects.filter(program_id__in=list(contexts)).select_related(
        "procedure_type__category", "category"
    ):
        targets[target.program_id].append(target)
    if not targets:
        return
    days = [ctx.today for ctx in contexts.values()]
    checkpoints = {}
    years = AcademicYear.objects.filter(
        program_id__in=list(targets), start_date__lte=max(days), end_date__gte=min(days)
    )
    for year in years:
        found = _active_checkpoint(year, contexts[year.program_id])
        if found:
            checkpoints[year.pk] = found
    if not checkpoints:
        return
    enrolments = Enrolment.objects.filter(
        cohort__academic_year_id__in=list(checkpoints),
        status=Enrolment.Status.ACTIVE,
        membership__is_active=True,
        membership__user__is_active=True,
    )
    fields = (
        "pk",
        "start_date",
        "end_date",
        "leave_days",
        "membership_id",
        "membership__user_id",
        "membership__user__full_name",
        "membership__user__email",
        "cohort__program_id",
        "cohort__academic_year_id",
    )
    for rows in _batches(enrolments, fields, size):
        fellow_ids = [row["membership_id"] for row in rows]
        counts = defaultdict(list)
        entries = ProcedureLogEntry.objects.filter(fellow_id__in=fellow_ids)
        for count in _counts(entries, by_fellow=True):
            counts[count["fellow_id"]].append(count)
        batch = []
        for row in rows:
            ctx = contexts[row["cohort__program_id"]]
            months, point = checkpoints[row["cohort__academic_year_id"]]
            end = row["end_date"] + datetime.timedelta(days=row["leave_days"])
            span = max((end - row["start_date"]).days, 1)
            share = min(max((point - row["start_date"]).days / span, 0), 1)
            progress = _progress(targets[ctx.program.pk], counts[row["membership_id"]])
            behind = [p for p in progress if p.verified < math.ceil(p.minimum * share)]
            if not behind:
                continue
            obj = (Reminder.ObjectType.FELLOW, row["membership_id"], point.isoformat())
            plural = "s" if len(behind) > 1 else ""
            batch.append(
                _reminder(
                    ctx,
                    row["membership__user_id"],
                    Kind.TARGETS_BEHIND,
                    obj,
                    subject=(
                        f"You are behind on {len(behind)} procedure target{plural} "
                        f"at the {months}-month checkpoint"
                    ),
                    url_path=ctx.paths["my_progress"],
                )
            )
            fellow = _name(row["membership__user__full_name"], row["membership__user__email"])
            for director_id in ctx.directors:
                batch.append(
                    _reminder(
                        ctx,
                        director_id,
                        Kind.TARGETS_BEHIND,
                        obj,
                        subject=(
                            f"{fellow} is behind on {len(behind)} procedure target{plural} "
                            f"at the {months}-month checkpoint"
                        )[:200],
                        url_path=ctx.paths["cohort_progress"],
                    )
                )
        yield batch


SOURCES = (
    _deadline_candidates,
    _assessment_candidates,
    _acknowledgement_candidates,
    _verification_candidates,
    _target_candidates,
)


# --- Writing the ledger and the deliveries -------------------------------------------------


_LEDGER_COLUMNS = (
    ("program_id", "bigint"),
    ("recipient_id", "bigint"),
    ("kind", "text"),
    ("object_type", "text"),
    ("object_id", "bigint"),
    ("period", "text"),
    ("subject", "text"),
    ("url_path", "text"),
    ("due_date", "date"),
    ("channel", "text"),
)


def _insert_ledger(rows: list[Candidate]) -> None:
    """Insert, skipping rows whose (recipient, kind, object, period) is in the ledger already.

    On PostgreSQL one ``INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING`` per batch
    (the ORM would compile 1,000 rows of placeholders); elsewhere ``bulk_create``.
    """
    if connection.vendor != "postgresql":
        Reminder.objects.bulk_create(
            [Reminder(**{name: getattr(row, name) for name, _ in _LEDGER_COLUMNS}) for row in rows],
            ignore_conflicts=True,
            batch_size=500,
        )
        return
    now = timezone.now()
    names = [name for name, _ in _LEDGER_COLUMNS]
    arrays = [[getattr(row, name) for row in rows] for name in names]
    unnest = ", ".join(f"%s::{sql_type}[]" for _, sql_type in _LEDGER_COLUMNS)
    table = Reminder._meta.db_table
    sql = (
        # Identifiers are this model's own column names; every value is a parameter.
        f'INSERT INTO "{table}" ({", ".join(names)}, status, created_at, updated_at) '  # noqa: S608
        f"SELECT *, %s, %s::timestamptz, %s::timestamptz FROM unnest({unnest}) "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Reminder.Status.QUEUED, now, now, *arrays])


def _write(candidates: list[Candidate]) -> None:
    """Drop kinds the recipient muted (never the mandatory ones), choose the channel from their
    preference, and insert, skipping any reminder already in the ledger."""
    if not candidates:
        return
    preferences = {
        pref.user_id: pref
        for pref in NotificationPreference.objects.filter(
            user_id__in={c.recipient_id for c in candidates}
        )
    }
    rows = []
    for candidate in candidates:
        pref = preferences.get(candidate.recipient_id)
        if pref and candidate.kind in pref.muted_kinds and candidate.kind not in MANDATORY_KINDS:
            continue
        candidate.channel = pref.delivery if pref else DIGEST
        rows.append(candidate)
    if rows:
        with transaction.atomic():
            _insert_ledger(rows)


def _attach_immediate(size: int) -> int:
    """One email per queued reminder of people who want them at once."""
    waiting = Reminder.objects.filter(
        status=Reminder.Status.QUEUED, channel=IMMEDIATE, delivery__isnull=True
    )
    done = 0
    while True:
        with transaction.atomic():
            rows = list(waiting.order_by("pk").values_list("pk", "recipient_id")[:size])
            if not rows:
                return done
            keys = {f"reminder:{pk}": (pk, user_id) for pk, user_id in rows}
            Delivery.objects.bulk_create(
                [
                    Delivery(recipient_id=user_id, kind=Delivery.Kind.IMMEDIATE, key=key)
                    for key, (pk, user_id) in keys.items()
                ],
                ignore_conflicts=True,
            )
            # Each reminder finds its delivery through the unique key index (no CASE list).
            own_key = Concat(Value("reminder:"), Cast(OuterRef("pk"), CharField()))
            Reminder.objects.filter(pk__in=[pk for pk, _ in rows], delivery__isnull=True).update(
                delivery_id=Subquery(Delivery.objects.filter(key=own_key).values("pk")[:1])
            )
        done += len(rows)
        if len(rows) < size:
            return done


def _attach_digests(contexts, now, size: int) -> int:
    """Once a person's digest hour has passed (in the time zone of the program of their earliest
    reminder), gather their queued reminders into today's digest; at most one a day."""
    waiting = Reminder.objects.filter(
        status=Reminder.Status.QUEUED, channel=DIGEST, delivery__isnull=True
    )
    last, done = 0, 0
    while True:
        rows = list(
            waiting.filter(recipient_id__gt=last)
            .values("recipient_id")
            .annotate(program_id=Min("program_id"))
            .order_by("recipient_id")[:size]
        )
        if not rows:
            return done
        last = rows[-1]["recipient_id"]
        hours = dict(
            NotificationPreference.objects.filter(
                user_id__in=[row["recipient_id"] for row in rows]
            ).values_list("user_id", "digest_hour")
        )
        due = {}
        for row in rows:
            local = now.astimezone(contexts[row["program_id"]].tz)
            if local.hour >= hours.get(row["recipient_id"], DEFAULT_DIGEST_HOUR):
                due[row["recipient_id"]] = local.date()
        if due:
            with transaction.atomic():
                keys = {
                    f"digest:{user_id}:{day.isoformat()}": (user_id, day)
                    for user_id, day in due.items()
                }
                Delivery.objects.bulk_create(
                    [
                        Delivery(
                            recipient_id=user_id,
                            kind=Delivery.Kind.DIGEST,
                            key=key,
                            digest_date=day,
                        )
                        for key, (user_id, day) in keys.items()
                    ],
                    ignore_conflicts=True,
                )
                # Only a digest nobody has started sending takes more reminders; after today's
                # digest went out, new reminders wait for tomorrow's.
                open_digests = Delivery.objects.filter(
                    key__in=list(keys), status=Delivery.Status.PENDING, claimed_at__isnull=True
                )
                ready = list(open_digests.values_list("recipient_id", flat=True))
                attached = waiting.filter(recipient_id__in=ready).update(
                    delivery_id=Subquery(
                        open_digests.filter(recipient_id=OuterRef("recipient_id")).values("pk")[:1]
                    )
                )
                done += attached
        if len(rows) < size:
            return done


def deliveries_enqueue_due(*, now: datetime.datetime, size: int, enqueue: bool = True) -> int:
    """Hand every delivery that should be (re)tried to the workers, after commit.

    Pending ones whose back-off has passed, and ones stuck in ``sending`` longer than the claim
    lease (their worker died), unless they were enqueued within the lease already.
    """
    stale = now - datetime.timedelta(seconds=settings.REMINDERS_CLAIM_LEASE_SECONDS)
    not_recently_enqueued = Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=stale)
    due = Delivery.objects.filter(
        not_recently_enqueued
        & (
            Q(status=Delivery.Status.PENDING)
            & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            | Q(status=Delivery.Status.SENDING, claimed_at__lte=stale)
        )
    )
    done = 0
    while True:
        with transaction.atomic():
            ids = list(
                due.select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:size]
            )
            if not ids:
                return done
            Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
            if enqueue:
                transaction.on_commit(partial(deliveries_hand_over, ids, ticket_for(now)))
        done += len(ids)
        if len(ids) < size:
            return done


def reminders_sweep(
    *, now: datetime.datetime | None = None, batch_size: int | None = None, enqueue: bool = True
) -> SweepResult:
    """Write every due reminder to the ledger, build their deliveries and queue the email.

    Idempotent: a second run (or a concurrent one) adds nothing already recorded and sends
    nothing twice. ``enqueue=False`` leaves deliveries for the next sweep (benchmarks).
    """
    started = timezone.now()
    now = now or started
    size = batch_size or settings.REMINDERS_BATCH_SIZE
    contexts = _program_contexts(now)
    if contexts:
        for source in SOURCES:
            for candidates in source(contexts, now, size):
                _write(candidates)
        _attach_immediate(size)
        _attach_digests(contexts, now, size)
    deliveries_retry_recent_failures(now=now, size=size)
    enqueued = deliveries_enqueue_due(now=now, size=size, enqueue=enqueue)
    created = Reminder.objects.filter(created_at__gte=started).count()
    return SweepResult(reminders_created=created, deliveries_enqueued=enqueued)
