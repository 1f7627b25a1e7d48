"""Sending one email exactly once and recording its failure. Handing deliveries to the workers
is ``handover``; retries, "send now" and "retry all failed" are ``retries``; one-off emails of
other apps are queued by ``transactional``.

What happens if the process dies halfway (the "killed halfway" semantics):

* ``delivery_send`` **claims** the delivery in its own committed transaction (row lock with
  ``select_for_update(no_key=True)``, status ``sending``, ``claimed_at``, ``attempts + 1``) and
  snapshots the reminders it will carry. Only then does it talk to the SMTP server, outside any
  transaction. After the server accepted the message it commits ``sent`` (delivery and exactly
  the reminders in the snapshot).
* A task that finds the delivery ``sent`` or ``failed`` returns at once; one that finds it
  ``sending`` with a fresh claim returns too (another worker is on it). So duplicate tasks
  (``acks_late`` redelivery, a sweep re-enqueueing, two beats) are harmless. Each task also
  carries a **ticket**, the ``enqueued_at`` it was queued with: a task whose ticket is older than
  the row's was superseded by a newer hand-over and returns ("stale"), so a re-enqueued delivery
  never has two retry chains running at once.
* Killed **before** the SMTP server accepted the message: the row stays ``sending``; once the
  claim lease (``REMINDERS_CLAIM_LEASE_SECONDS``, 60 s) has passed, the minute task
  ``reminders.tasks.enqueue_due_deliveries`` hands it over again and it is sent once. The lease
  is safe because no send outlives it: ``deliver_email`` is hard-killed after
  ``REMINDERS_SEND_TIME_LIMIT_SECONDS`` (45 s; the prefork pool enforces it, as in
  docker-compose), and production's SMTP socket timeout (20 s per operation) is below that.
* Killed after sending DATA and **before our commit** of ``sent``, in particular while waiting
  for the SMTP server's reply after the message body: we cannot know whether the message left,
  and we send it again after the lease rather than risk losing it. That email may then arrive
  twice (at-least-once in that window); the re-send has the same ``Message-ID``, so mail clients
  and servers can recognise it as the same message.
* Work that was in Redis when it died (queued tasks, countdown retries) is not lost: the row
  says ``pending``. The minute task hands over every pending row whose back-off has passed and
  whose last hand-over is older than the lease, so it is picked up within about two minutes of a
  worker and the broker being back.
* An SMTP error puts the row back to ``pending`` with the error and a back-off time, committed,
  and the task retries with exponential back-off; after ``REMINDERS_MAX_ATTEMPTS`` attempts
  (about half an hour) ``delivery_fail`` records the failure (delivery and its reminders
  ``failed``). The sweep then tries it again once an hour (``REMINDERS_FAILED_RETRY_SECONDS``)
  while it is younger than ``REMINDERS_FAILED_RETRY_HOURS``; the director can also "send now"
  one reminder or "retry all failed" emails of the program.

One-off emails of other apps (invitations, evaluation requests: ``core.outbox``) are deliveries
of kind ``transactional`` and go through exactly the same path. Their body holds a live link, so
it is erased once sent, and so is an address that must not be kept (a patient's).
"""

import datetime
import smtplib

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import outbox

from ..emails import build_message
from ..models import Delivery, Reminder

Status = Delivery.Status
TRANSACTIONAL = Delivery.Kind.TRANSACTIONAL
ERROR_MAX_LENGTH = 300
# Errors worth another try: the server or the network, not our own bugs.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


class DeliveryError(Exception):
    """Sending failed in a way worth retrying; ``attempts`` so far, when to try again, and the
    ticket the retry must carry."""

    def __init__(self, message: str, *, attempts: int, retry_in: int, ticket: str = ""):
        super().__init__(message)
        self.attempts = attempts
        self.retry_in = retry_in
        self.ticket = ticket


def retry_delay(attempt: int) -> int:
    """Seconds before attempt ``attempt + 1``: base, 2 x base, 4 x base ... capped at an hour."""
    return min(settings.REMINDERS_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0), 3600)


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.REMINDERS_CLAIM_LEASE_SECONDS)


def ticket_for(moment: datetime.datetime) -> str:
    return moment.isoformat()


def _superseded(delivery: Delivery, ticket: str | None) -> bool:
    """Whether a newer hand-over than the task's own was made (see the module doc)."""
    if not ticket or delivery.enqueued_at is None:
        return False
    try:
        return datetime.datetime.fromisoformat(ticket) != delivery.enqueued_at
    except ValueError:
        return False


def _nothing_to_send(delivery: Delivery, why: str) -> str:
    delivery.status = Status.FAILED
    delivery.last_error = why
    delivery.next_attempt_at = None  # never retried: there is nothing to retry
    delivery.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
    return "empty"


def _claim(delivery_id: int, ticket: str | None = None) -> tuple[Delivery, list[Reminder]] | str:
    """Lock, check, mark ``sending`` and commit; the reminders to carry, or why not to send."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            # Only the delivery row is locked: PostgreSQL cannot lock the nullable side of the
            # outer join to a recipient (one-off emails have none).
            Delivery.objects.select_for_update(no_key=True, of=("self",))
            .filter(pk=delivery_id)
            .select_related("recipient")
            .first()
        )
        if delivery is None:
            return "missing"
        if delivery.status in (Status.SENT, Status.FAILED):
            return "done"
        if _superseded(delivery, ticket):
            return "stale"
        if (
            delivery.status == Status.SENDING
            and delivery.claimed_at
            and delivery.claimed_at > now - _lease()
        ):
            return "busy"
        if delivery.kind == TRANSACTIONAL:
            reminders = []
            if not (delivery.to_email and delivery.body_text):
                return _nothing_to_send(delivery, "Nothing left to send: the email was erased.")
        else:
            reminders = list(
                delivery.reminders.filter(status=Reminder.Status.QUEUED)
                .select_related("program")
                .order_by("due_date", "pk")
            )
            if not reminders:
                # Every reminder it carried went out another way (e.g. "send now").
                return _nothing_to_send(
                    delivery, "Nothing left to send: its reminders were sent separately."
                )
        delivery.status = Status.SENDING
        delivery.claimed_at = now
        delivery.attempts += 1
        delivery.save(update_fields=["status", "claimed_at", "attempts", "updated_at"])
    return delivery, reminders


def delivery_send(*, delivery_id: int, ticket: str | None = None) -> str:
    """Send one delivery's email if it still needs sending; idempotent (see the module doc).

    Returns what happened ("sent", "done", "busy", "stale", "missing", "empty"); raises
    ``DeliveryError`` after recording a transient SMTP failure, so the task can retry.
    """
    claimed = _claim(delivery_id, ticket)
    if isinstance(claimed, str):
        return claimed
    delivery, reminders = claimed
    try:
        build_message(delivery, reminders).send()
    except TRANSIENT_ERRORS as exc:
        error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]
        retry_in = retry_delay(delivery.attempts)
        now = timezone.now()
        retry_at = now + datetime.timedelta(seconds=retry_in)
        # The retry counts as handed over for when it is due: the minute task leaves the row
        # alone unless that retry is lost (then it hands it over a lease later).
        Delivery.objects.filter(
            pk=delivery.pk, status=Status.SENDING, claimed_at=delivery.claimed_at
        ).update(
            status=Status.PENDING,
            claimed_at=None,
            last_error=error,
            next_attempt_at=retry_at,
            enqueued_at=retry_at,
            updated_at=now,
        )
        raise DeliveryError(
            error, attempts=delivery.attempts, retry_in=retry_in, ticket=ticket_for(retry_at)
        ) from exc
    sent_at = timezone.now()
    with transaction.atomic():
        done = {"status": Status.SENT, "sent_at": sent_at, "claimed_at": None, "last_error": ""}
        if delivery.kind == TRANSACTIONAL:
            # The body carries a live link; an address may be one we must not keep.
            done |= {"body_text": "", "body_html": ""}
            if delivery.forget_address:
                done["to_email"] = ""
        Delivery.objects.filter(pk=delivery.pk).update(**done, updated_at=sent_at)
        Reminder.objects.filter(pk__in=[r.pk for r in reminders]).update(
            status=Reminder.Status.SENT, sent_at=sent_at, updated_at=sent_at
        )
        if delivery.source:
            outbox.email_sent(source=delivery.source, source_id=delivery.source_id, sent_at=sent_at)
    return "sent"


@transaction.atomic
def delivery_fail(*, delivery_id: int, error: str) -> None:
    """Record the failure after the last retry: the sweep tries again hourly for a day, and the
    director sees it and may resend."""
    delivery = Delivery.objects.select_for_update(no_key=True).filter(pk=delivery_id).first()
    if delivery is None or delivery.status == Status.SENT:
        return
    delivery.status = Status.FAILED
    delivery.claimed_at = None
    delivery.last_error = error[:ERROR_MAX_LENGTH]
    delivery.next_attempt_at = timezone.now() + datetime.timedelta(
        seconds=settings.REMINDERS_FAILED_RETRY_SECONDS
    )
    delivery.save(
        update_fields=["status", "claimed_at", "last_error", "next_attempt_at", "updated_at"]
    )
    delivery.reminders.filter(status=Reminder.Status.QUEUED).update(
        status=Reminder.Status.FAILED, updated_at=timezone.now()
    )
