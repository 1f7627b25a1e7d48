"""Reminder tasks: thin, take ids, call one service (beat schedule in config/settings/base.py)."""

from celery import shared_task
from django.conf import settings

from .services.delivery import DeliveryError, delivery_fail, delivery_send
from .services.sweep import reminders_sweep


@shared_task(name="reminders.tasks.sweep_reminders", acks_late=True)
def sweep_reminders() -> int:
    """Write due reminders to the ledger and queue their email (idempotent)."""
    return reminders_sweep().reminders_created


@shared_task(bind=True, name="reminders.tasks.deliver_email", acks_late=True, max_retries=None)
def deliver_email(self, delivery_id: int) -> str:
    """Send one delivery; retry SMTP failures with back-off, record the final failure."""
    try:
        return delivery_send(delivery_id=delivery_id)
    except DeliveryError as exc:
        if exc.attempts >= settings.REMINDERS_MAX_ATTEMPTS:
            delivery_fail(delivery_id=delivery_id, error=str(exc))
            return "failed"
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc
