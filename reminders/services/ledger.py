"""Writing the ledger and attaching reminders to their deliveries: an immediate email per
reminder, or one digest per person per day once their digest hour has passed. Every step is a
keyed insert, so running it twice adds nothing."""

from django.db import connection, transaction
from django.db.models import CharField, Min, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from ..models import MANDATORY_KINDS, Delivery, NotificationPreference, Reminder
from .batches import locked_batches
from .context import DIGEST, Candidate

IMMEDIATE = NotificationPreference.Delivery.IMMEDIATE
DEFAULT_DIGEST_HOUR = NotificationPreference._meta.get_field("digest_hour").default


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


def ledger_write(candidates: list[Candidate]) -> None:
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


def attach_immediate(size: int) -> int:
    """One email per queued reminder of people who want them at once."""
    waiting = Reminder.objects.filter(
        status=Reminder.Status.QUEUED, channel=IMMEDIATE, delivery__isnull=True
    )

    def attach(rows: list[tuple[int, int]]) -> None:
        Delivery.objects.bulk_create(
            [
                Delivery(recipient_id=user_id, kind=Delivery.Kind.IMMEDIATE, key=f"reminder:{pk}")
                for pk, user_id in rows
            ],
            ignore_conflicts=True,
        )
        # Each reminder finds its delivery through the unique key index (no CASE list).
        own_key = Concat(Value("reminder:"), Cast(OuterRef("pk"), CharField()))
        Reminder.objects.filter(pk__in=[pk for pk, _ in rows], delivery__isnull=True).update(
            delivery_id=Subquery(Delivery.objects.filter(key=own_key).values("pk")[:1])
        )

    return locked_batches(waiting, size=size, mark=attach, fields=("pk", "recipient_id"))


def attach_digests(contexts, now, size: int) -> int:
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
