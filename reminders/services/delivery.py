"""Sending one email exactly once, recording failures, retrying them, and the director's
"send now" and "retry all failed".

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
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from core import outbox
from core.queue import enqueue
from curriculum.models import Program

from ..emails import build_message
from ..models import Delivery, Reminder
from ..permissions import can_manage_reminders
from ..selectors import failed_delivery_list

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


def deliveries_hand_over(delivery_ids: list[int], ticket: str | None = None) -> None:
    """Queue a task per delivery. With the broker down the deliveries stay pending and lose
    their ``enqueued_at`` stamp, so the next minute task hands them over again."""
    from ..tasks import deliver_email as deliver_email_task

    unsent = [pk for pk in delivery_ids if not enqueue(deliver_email_task, pk, ticket)]
    if unsent:
        Delivery.objects.filter(pk__in=unsent).update(enqueued_at=None)


def _enqueue_after_commit(delivery_ids: list[int], now: datetime.datetime) -> None:
    ticket = ticket_for(now)
    transaction.on_commit(lambda: deliveries_hand_over(delivery_ids, ticket))


def _requeue(delivery_ids: list[int], **fields) -> None:
    """Failed deliveries back to pending, and their reminders back to queued."""
    now = timezone.now()
    Delivery.objects.filter(pk__in=delivery_ids).update(
        status=Status.PENDING, next_attempt_at=None, claimed_at=None, updated_at=now, **fields
    )
    Reminder.objects.filter(delivery_id__in=delivery_ids, status=Reminder.Status.FAILED).update(
        status=Reminder.Status.QUEUED, updated_at=now
    )


def deliveries_retry_recent_failures(*, now: datetime.datetime, size: int) -> int:
    """Give failed deliveries younger than ``REMINDERS_FAILED_RETRY_HOURS`` one more attempt
    once their hourly wait has passed (the sweep calls this before handing work over).

    They keep their attempt count, so a failure is recorded again after that one attempt and
    the next try is an hour later. Addresses that must not be kept are erased from deliveries
    given up for good.
    """
    window = now - datetime.timedelta(hours=settings.REMINDERS_FAILED_RETRY_HOURS)
    due = Delivery.objects.filter(
        status=Status.FAILED, created_at__gte=window, next_attempt_at__lte=now
    )
    done = 0
    while True:
        with transaction.atomic():
            ids = list(
                due.select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:size]
            )
            if ids:
                _requeue(ids, enqueued_at=None)  # the enqueue step hands them over
        done += len(ids)
        if len(ids) < size:
            break
    Delivery.objects.filter(
        status=Status.FAILED, forget_address=True, created_at__lt=window
    ).exclude(to_email="").update(to_email="", body_text="", body_html="", updated_at=now)
    return done


@transaction.atomic
def deliveries_retry_failed(*, actor, program: Program) -> int:
    """The director requeues every failed email of the program at once; how many.

    Each gets a fresh round of retries with back-off, queued after commit.
    """
    if not can_manage_reminders(actor, program):
        raise PermissionDenied("Only the program director can retry failed emails.")
    candidates = set(failed_delivery_list(user=actor, program=program).values_list("pk", flat=True))
    ids = list(
        Delivery.objects.select_for_update(no_key=True)
        .filter(pk__in=candidates, status=Status.FAILED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    now = timezone.now()
    _requeue(ids, attempts=0, enqueued_at=now)
    audit_record(
        actor=actor,
        action="reminders.retry_failed",
        obj=program,
        changes={"deliveries": [None, ids]},
    )
    _enqueue_after_commit(ids, now)
    return len(ids)


def transactional_email_queue(email: outbox.OutgoingEmail) -> Delivery:
    """Record a one-off email for ``core.outbox`` and hand it over after commit.

    Called inside the caller's transaction, so the email exists exactly when the row it is
    about does. The same ``key`` twice records (and sends) one email. Earlier unsent emails
    whose key starts with ``email.replaces`` are given up: their link no longer works.
    """
    now = timezone.now()
    with transaction.atomic():
        if email.replaces:
            Delivery.objects.filter(
                kind=TRANSACTIONAL,
                key__startswith=email.replaces,
                status__in=[Status.PENDING, Status.FAILED],
            ).exclude(key=email.key).update(
                status=Status.FAILED,
                last_error="Replaced by a newer email.",
                next_attempt_at=None,
                body_text="",
                body_html="",
                updated_at=now,
            )
        existing = Delivery.objects.filter(key=email.key).first()
        if existing is not None:
            return existing
        delivery = Delivery(
            kind=TRANSACTIONAL,
            key=email.key,
            program_id=email.program_id,
            to_email=email.to,
            subject=email.subject[:250],
            body_text=email.body,
            body_html=email.html,
            source=email.source,
            source_id=email.source_id,
            forget_address=email.forget_address,
            enqueued_at=now,
        )
        delivery.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                delivery.save()
        except IntegrityError:  # the same key, queued at the same moment elsewhere
            return Delivery.objects.get(key=email.key)
        _enqueue_after_commit([delivery.pk], now)
    return delivery


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
    now = timezone.now()
    delivery.status = Status.PENDING
    delivery.next_attempt_at = None
    delivery.enqueued_at = now
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
    _enqueue_after_commit([delivery.pk], now)
    return delivery
