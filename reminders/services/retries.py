"""Failed emails again: the sweep's hourly retry of recent failures, the director's "retry all
failed" of a program, and "send now" of one reminder."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from curriculum.models import Program

from ..models import Delivery, Reminder
from ..permissions import can_manage_reminders
from ..selectors import failed_delivery_list
from .batches import locked_batches
from .handover import enqueue_after_commit

Status = Delivery.Status


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
    # Back to pending without a hand-over stamp: the enqueue step hands them over.
    done = locked_batches(due, size=size, mark=lambda ids: _requeue(ids, enqueued_at=None))
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
    enqueue_after_commit(ids, now)
    return len(ids)


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
    enqueue_after_commit([delivery.pk], now)
    return delivery
