"""Sending one email exactly once, recording failures, and the director's "send now".

What happens if the process dies halfway (the "killed halfway" semantics):

* ``delivery_send`` **claims** the delivery in its own committed transaction (row lock with
  ``select_for_update(no_key=True)``, status ``sending``, ``claimed_at``, ``attempts + 1``) and
  snapshots the reminders it will carry. Only then does it talk to the SMTP server, outside any
  transaction. After the server accepted the message it commits ``sent`` (delivery and exactly
  the reminders in the snapshot).
* A task that finds the delivery ``sent`` or ``failed`` returns at once; one that finds it
  ``sending`` with a fresh claim returns too (another worker is on it). So duplicate tasks
  (``acks_late`` redelivery, a sweep re-enqueueing, two beats) are harmless.
* Killed **before** the SMTP server accepted the message: the row stays ``sending``; once the
  claim lease (``REMINDERS_CLAIM_LEASE_SECONDS``, longer than the task's hard time limit) has
  passed the sweep re-enqueues it and it is sent once.
* Killed in the few milliseconds **between** the server's acceptance and our commit: we cannot
  know the message left, and we choose to send it again after the lease rather than risk losing
  it (at-least-once in that window). The re-send has the same ``Message-ID``, so mail clients
  and the server can recognise it as the same message.
* An SMTP error puts the row back to ``pending`` with the error and a back-off time, committed,
  and the task retries with exponential back-off; after ``REMINDERS_MAX_ATTEMPTS`` attempts
  ``delivery_fail`` records the final failure (delivery and its reminders ``failed``), which the
  director sees and can retry with "send now".
"""

import datetime
import smtplib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from core.queue import enqueue

from ..emails import build_message
from ..models import Delivery, Reminder
from ..permissions import can_manage_reminders

Status = Delivery.Status
ERROR_MAX_LENGTH = 300
# Errors worth another try: the server or the network, not our own bugs.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


class DeliveryError(Exception):
    """Sending failed in a way worth retrying; ``attempts`` so far and when to try again."""

    def __init__(self, message: str, *, attempts: int, retry_in: int):
        super().__init__(message)
        self.attempts = attempts
        self.retry_in = retry_in


def retry_delay(attempt: int) -> int:
    """Seconds before attempt ``attempt + 1``: base, 2 x base, 4 x base ... capped at an hour."""
    return min(settings.REMINDERS_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0), 3600)


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.REMINDERS_CLAIM_LEASE_SECONDS)


def _claim(delivery_id: int) -> tuple[Delivery, list[Reminder]] | str:
    """Lock, check, mark ``sending`` and commit; the reminders to carry, or why not to send."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(no_key=True)
            .filter(pk=delivery_id)
            .select_related("recipient")
            .first()
        )
        if delivery is None:
            return "missing"
        if delivery.status in (Status.SENT, Status.FAILED):
            return "done"
        if (
            delivery.status == Status.SENDING
            and delivery.claimed_at
            and delivery.claimed_at > now - _lease()
        ):
            return "busy"
        reminders = list(
            delivery.reminders.filter(status=Reminder.Status.QUEUED)
            .select_related("program")
            .order_by("due_date", "pk")
        )
        if not reminders:
            # Every reminder it carried went out another way (e.g. "send now").
            delivery.status = Status.FAILED
            delivery.last_error = "Nothing left to send: its reminders were sent separately."
            delivery.save(update_fields=["status", "last_error", "updated_at"])
            return "empty"
        delivery.status = Status.SENDING
        delivery.claimed_at = now
        delivery.attempts += 1
        delivery.save(update_fields=["status", "claimed_at", "attempts", "updated_at"])
    return delivery, reminders


def delivery_send(*, delivery_id: int) -> str:
    """Send one delivery's email if it still needs sending; idempotent (see the module doc).

    Returns what happened ("sent", "done", "busy", "missing", "empty"); raises
    ``DeliveryError`` after recording a transient SMTP failure, so the task can retry.
    """
    claimed = _claim(delivery_id)
    if isinstance(claimed, str):
        return claimed
    delivery, reminders = claimed
    try:
        build_message(delivery, reminders).send()
    except TRANSIENT_ERRORS as exc:
        error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]
        retry_in = retry_delay(delivery.attempts)
        Delivery.objects.filter(
            pk=delivery.pk, status=Status.SENDING, claimed_at=delivery.claimed_at
        ).update(
            status=Status.PENDING,
            claimed_at=None,
            last_error=error,
            next_attempt_at=timezone.now() + datetime.timedelta(seconds=retry_in),
            updated_at=timezone.now(),
        )
        raise DeliveryError(error, attempts=delivery.attempts, retry_in=retry_in) from exc
    sent_at = timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Status.SENT, sent_at=sent_at, claimed_at=None, last_error="", updated_at=sent_at
        )
        Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(
            status=Reminder.Status.SENT, sent_at=sent_at, updated_at=sent_at
        )
    return "sent"


@transaction.atomic
def delivery_fail(*, delivery_id: int, error: str) -> None:
    """Record the final failure after the last retry: the director sees it and may resend."""
    delivery = Delivery.objects.select_for_update(no_key=True).filter(pk=delivery_id).first()
    if delivery is None or delivery.status == Status.SENT:
        return
    delivery.status = Status.FAILED
    delivery.claimed_at = None
    delivery.last_error = error[:ERROR_MAX_LENGTH]
    delivery.save(update_fields=["status", "claimed_at", "last_error", "updated_at"])
    delivery.reminders.filter(status=Reminder.Status.QUEUED).update(
        status=Reminder.Status.FAILED, updated_at=timezone.now()
    )


def deliveries_hand_over(delivery_ids: list[int]) -> None:
    """Queue a task per delivery. With the broker down the deliveries stay pending and lose
    their ``enqueued_at`` stamp, so the next sweep hands them over again as soon as it runs."""
    from ..tasks import deliver_email as deliver_email_task

    unsent = [pk for pk in delivery_ids if not enqueue(deliver_email_task, pk)]
    if unsent:
        Delivery.objects.filter(pk__in=unsent).update(enqueued_at=None)


def _enqueue_after_commit(delivery_id: int) -> None:
    transaction.on_commit(lambda: deliveries_hand_over([delivery_id]))


@transaction.atomic
def reminder_send_now(*, actor, reminder: Reminder) -> Delivery:
    """The director sends one queued or failed reminder by itself, now.

    It leaves any digest it was waiting in, gets its own email (keyed ``reminder:<id>``, so a
    double click sends one) and is queued after commit.
    """
    if not can_manage_reminders(actor, reminder.program):
        raise PermissionDenied("Only the program director can send reminders.")
    reminder = (
        Reminder.objects.select_for_update(of=("self",))
        .select_related("delivery")
        .get(pk=reminder.pk)
    )
    if reminder.status == Reminder.Status.SENT:
        raise ValidationError("This reminder has been emailed already.")
    current = reminder.delivery
    if current is not None and current.status == Status.SENDING:
        raise ValidationError("This reminder is being emailed right now.")
    key = f"reminder:{reminder.pk}"
    delivery, _ = Delivery.objects.select_for_update(no_key=True).get_or_create(
        key=key, defaults={"recipient_id": reminder.recipient_id, "kind": Delivery.Kind.IMMEDIATE}
    )
    if delivery.status == Status.SENDING:
        raise ValidationError("This reminder is being emailed right now.")
    if delivery.status == Status.SENT:
        raise ValidationError("This reminder has been emailed already.")
    delivery.status = Status.PENDING
    delivery.next_attempt_at = None
    delivery.enqueued_at = timezone.now()
    delivery.attempts = 0
    delivery.save(
        update_fields=["status", "next_attempt_at", "enqueued_at", "attempts", "updated_at"]
    )
    reminder.delivery = delivery
    reminder.status = Reminder.Status.QUEUED
    reminder.save(update_fields=["delivery", "status", "updated_at"])
    audit_record(
        actor=actor,
        action="reminder.send_now",
        obj=reminder,
        changes={"delivery": [None, delivery.pk], "recipient": [None, reminder.recipient_id]},
    )
    _enqueue_after_commit(delivery.pk)
    return delivery
