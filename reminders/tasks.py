"""Reminder tasks: thin, take ids, call one service (beat schedule in config/settings/base.py)."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .services.delivery import DeliveryError, delivery_fail, delivery_send
from .services.handover import deliveries_enqueue_due
from .services.sweep import reminders_sweep


@shared_task(name="reminders.tasks.sweep_reminders", acks_late=True)
def sweep_reminders() -> int:
    """Write due reminders to the ledger and queue their email (idempotent)."""
    return reminders_sweep().reminders_created


@shared_task(name="reminders.tasks.enqueue_due_deliveries", acks_late=True)
def enqueue_due_deliveries() -> int:
    """Every minute: hand over deliveries that are due or were lost with a worker or the broker
    (only that step of the sweep, so it stays cheap)."""
    return deliveries_enqueue_due(now=timezone.now(), size=settings.REMINDERS_BATCH_SIZE)


# The hard limit bounds every send below the claim lease (see reminders.services.delivery).
@shared_task(
    bind=True,
    name="reminders.tasks.deliver_email",
    acks_late=True,
    max_retries=None,
    time_limit=settings.REMINDERS_SEND_TIME_LIMIT_SECONDS,
    soft_time_limit=settings.REMINDERS_SEND_TIME_LIMIT_SECONDS - 5,
)
def deliver_email(self, delivery_id: int, ticket: str | None = None) -> str:
    """Send one delivery; retry SMTP failures with back-off, record the final failure."""
    try:
        return delivery_send(delivery_id=delivery_id, ticket=ticket)
    except DeliveryError as exc:
        if exc.attempts >= settings.REMINDERS_MAX_ATTEMPTS:
            delivery_fail(delivery_id=delivery_id, error=str(exc))
            return "failed"
        raise self.retry(
            exc=exc, countdown=exc.retry_in, args=(delivery_id,), kwargs={"ticket": exc.ticket}
        ) from exc
