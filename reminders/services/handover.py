"""Handing deliveries to the workers: after commit, each with its ticket; and the step (also
run every minute) that hands over whatever is due or was lost with a worker or the broker."""

import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from core.queue import enqueue

from ..models import Delivery
from .batches import locked_batches
from .delivery import ticket_for


def deliveries_hand_over(delivery_ids: list[int], ticket: str | None = None) -> None:
    """Queue a task per delivery. With the broker down the deliveries stay pending and lose
    their ``enqueued_at`` stamp, so the next minute task hands them over again."""
    from ..tasks import deliver_email as deliver_email_task

    unsent = [pk for pk in delivery_ids if not enqueue(deliver_email_task, pk, ticket)]
    if unsent:
        Delivery.objects.filter(pk__in=unsent).update(enqueued_at=None)


def enqueue_after_commit(delivery_ids: list[int], now: datetime.datetime) -> None:
    ticket = ticket_for(now)
    transaction.on_commit(lambda: deliveries_hand_over(delivery_ids, ticket))


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

    def stamp(ids: list[int]) -> None:
        Delivery.objects.filter(pk__in=ids).update(enqueued_at=now)
        if enqueue:
            transaction.on_commit(partial(deliveries_hand_over, ids, ticket_for(now)))

    return locked_batches(due, size=size, mark=stamp)
