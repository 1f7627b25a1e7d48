"""Notices that other apps raise through ``core.notices`` when work lands on someone.

Each notice becomes a ``Reminder`` (the notification centre's row) through the same keyed
insert as the sweep, so the same notice twice is one row, and muted kinds are dropped. A person
who wants each reminder at once (or a notice marked ``immediate``: the office chasing) gets
their email handed to a worker after commit; the others find it in their next daily digest,
which the sweep assembles.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.notices import Notice

from ..models import Delivery, NotificationPreference, Reminder
from .context import Candidate
from .handover import enqueue_after_commit
from .ledger import ledger_write

IMMEDIATE = NotificationPreference.Delivery.IMMEDIATE
IMMEDIATE_EMAIL = Delivery.Kind.IMMEDIATE


def _identity(row) -> tuple:
    return (row.recipient_id, str(row.kind), row.object_type, row.object_id, row.period)


@transaction.atomic
def notices_record(notices: list[Notice]) -> int:
    """Write ``notices`` to the ledger and queue the immediate emails; how many were new."""
    candidates = [
        Candidate(
            program_id=notice.program_id,
            recipient_id=notice.recipient_id,
            kind=str(notice.kind),
            object_type=notice.object_type,
            object_id=notice.object_id,
            period=notice.key[:20],
            subject=notice.subject[:200],
            url_path=notice.url_path[:300],
        )
        for notice in notices
    ]
    forced = {_identity(c) for c, n in zip(candidates, notices, strict=True) if n.immediate}
    started = timezone.now()
    ledger_write(candidates)
    match = Q(pk__in=[])
    for c in candidates:
        match |= Q(
            recipient_id=c.recipient_id,
            kind=c.kind,
            object_type=c.object_type,
            object_id=c.object_id,
            period=c.period,
        )
    rows = list(Reminder.objects.filter(match, delivery__isnull=True, created_at__gte=started))
    if forced:
        # The office's "send now" is emailed now, whatever the person's digest preference.
        Reminder.objects.filter(pk__in=[r.pk for r in rows if _identity(r) in forced]).update(
            channel=IMMEDIATE
        )
    immediate = [r for r in rows if r.channel == IMMEDIATE or _identity(r) in forced]
    by_recipient: dict[int, list[int]] = defaultdict(list)
    for reminder in immediate:
        by_recipient[reminder.recipient_id].append(reminder.pk)
    if by_recipient:
        # One email per person per call: a coordinator chasing five evaluations of one assessor
        # sends that assessor one email listing the five.
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(
                    recipient_id=user_id, kind=Delivery.Kind.IMMEDIATE, key=f"reminder:{pks[0]}"
                )
                for user_id, pks in by_recipient.items()
            ]
        )
        for delivery, pks in zip(deliveries, by_recipient.values(), strict=True):
            Reminder.objects.filter(pk__in=pks).update(delivery=delivery)
        enqueue_after_commit([d.pk for d in deliveries], started)
    return len(rows)
