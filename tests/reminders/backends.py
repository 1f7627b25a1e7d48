"""A mail backend that is down for a number of sends, then works (locmem outbox)."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    failures_left = 0
    calls = 0

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class DownBackend(EmailBackend):
    """An SMTP server that refuses every message until the test sets ``up``."""

    up = False
    calls = 0

    def send_messages(self, messages):
        DownBackend.calls += 1
        if not DownBackend.up:
            raise smtplib.SMTPConnectError(421, "Service not available")
        return super().send_messages(messages)


def smtp_down(settings) -> type[DownBackend]:
    """Point the mail settings at ``DownBackend``, down; the test brings it back."""
    settings.MAILERS = {"default": {"BACKEND": "tests.reminders.backends.DownBackend"}}
    DownBackend.up = False
    DownBackend.calls = 0
    return DownBackend


def age_delivery(delivery_id: int, seconds: float) -> None:
    """Move a delivery's clocks ``seconds`` into the past (as if that time had gone by)."""
    import datetime

    from django.db.models import F

    from reminders.models import Delivery

    delta = datetime.timedelta(seconds=seconds)
    row = Delivery.objects.get(pk=delivery_id)
    changes = {"created_at": F("created_at") - delta}
    for name in ("enqueued_at", "next_attempt_at", "claimed_at"):
        if getattr(row, name) is not None:
            changes[name] = F(name) - delta
    Delivery.objects.filter(pk=delivery_id).update(**changes)
