import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from reminders.models import Delivery, Reminder
from reminders.services.delivery import (
    DeliveryError,
    _claim,
    delivery_send,
    retry_delay,
)
from reminders.services.retries import reminder_send_now
from reminders.services.sweep import reminders_sweep
from reminders.tasks import deliver_email
from tests.reminders.factories import DeliveryFactory, ReminderFactory


def _queued(people, count=1, **fields):
    return [
        ReminderFactory(program=people.program, recipient=people.fellow, **fields)
        for _ in range(count)
    ]


def _immediate(people, count=3):
    reminders = _queued(people, count, channel="immediate")
    for reminder in reminders:
        delivery = DeliveryFactory(recipient=reminder.recipient, key=f"reminder:{reminder.pk}")
        reminder.delivery = delivery
        reminder.save()
    return reminders


def test_send_marks_delivery_and_its_reminders_sent(ours):
    reminder = _immediate(ours, 1)[0]
    assert delivery_send(delivery_id=reminder.delivery_id) == "sent"
    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.delivery.status == "sent"
    assert reminder.delivery.attempts == 1
    [message] = mail.outbox
    assert message.to == [ours.fellow.email]
    assert reminder.subject in message.subject
    assert message.extra_headers["Message-ID"].startswith(
        f"<reminder-delivery-{reminder.delivery_id}@"
    )
    # A duplicate task (acks_late redelivery, a second sweep) sends nothing more.
    assert delivery_send(delivery_id=reminder.delivery_id) == "done"
    assert len(mail.outbox) == 1


def test_smtp_outage_followed_by_recovery_delivers_everything(ours, flaky, settings):
    settings.REMINDERS_MAX_ATTEMPTS = 6
    reminders = _immediate(ours, 3)
    flaky.failures_left = 4  # the server is down for the first four attempts
    for reminder in reminders:
        assert deliver_email.delay(reminder.delivery_id).get() == "sent"
    assert flaky.calls == 7
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"[Fellowship] {r.subject}" for r in reminders
    )
    deliveries = Delivery.objects.filter(reminders__in=reminders)
    assert set(deliveries.values_list("status", "last_error")) == {("sent", "")}
    assert sum(deliveries.values_list("attempts", flat=True)) == 7
    assert not Reminder.objects.exclude(status="sent").exists()


def test_an_outage_longer_than_the_retries_is_recorded_then_send_now_delivers(ours, flaky):
    reminder = _immediate(ours, 1)[0]
    flaky.failures_left = 10
    assert deliver_email.delay(reminder.delivery_id).get() == "failed"
    reminder.refresh_from_db()
    assert reminder.status == "failed"
    assert reminder.delivery.status == "failed"
    assert reminder.delivery.attempts == 3
    assert "SMTPServerDisconnected" in reminder.delivery.last_error
    assert mail.outbox == []

    flaky.failures_left = 0  # the server is back
    reminder_send_now(actor=ours.director, reminder=reminder)
    assert deliver_email.delay(reminder.delivery_id).get() == "sent"
    reminder.refresh_from_db()
    assert reminder.status == "sent"
    assert len(mail.outbox) == 1


def test_failed_attempt_backs_off_and_keeps_the_row_pending(ours, flaky):
    reminder = _immediate(ours, 1)[0]
    flaky.failures_left = 1
    before = timezone.now()
    with pytest.raises(DeliveryError) as error:
        delivery_send(delivery_id=reminder.delivery_id)
    assert error.value.attempts == 1
    delivery = Delivery.objects.get(pk=reminder.delivery_id)
    assert delivery.status == "pending" and delivery.claimed_at is None
    assert delivery.next_attempt_at >= before + datetime.timedelta(seconds=retry_delay(1))
    assert [retry_delay(n) for n in (1, 2, 3)] == [60, 120, 240]
    assert retry_delay(20) == 3600


def test_a_worker_killed_after_claiming_is_recovered_once_the_lease_passes(
    ours, settings, django_capture_on_commit_callbacks
):
    reminder = _immediate(ours, 1)[0]
    _claim(reminder.delivery_id)  # the worker claimed it, then died before talking to SMTP
    Delivery.objects.filter(pk=reminder.delivery_id).update(enqueued_at=timezone.now())
    # Another task for it while the claim is fresh does nothing: someone may be sending.
    assert delivery_send(delivery_id=reminder.delivery_id) == "busy"
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_sweep().deliveries_enqueued == 0
    assert mail.outbox == []

    later = timezone.now() + datetime.timedelta(seconds=settings.REMINDERS_CLAIM_LEASE_SECONDS + 1)
    Delivery.objects.filter(pk=reminder.delivery_id).update(
        claimed_at=timezone.now()
        - datetime.timedelta(seconds=settings.REMINDERS_CLAIM_LEASE_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_sweep(now=later).deliveries_enqueued == 1
    assert len(mail.outbox) == 1
    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.delivery.attempts == 2


def test_digest_claims_a_snapshot_of_its_reminders(ours):
    first, second = _queued(ours, 2)
    digest = DeliveryFactory(
        recipient=ours.fellow, kind="digest", digest_date=datetime.date(2026, 12, 1)
    )
    Reminder.objects.filter(pk__in=[first.pk, second.pk]).update(delivery=digest)
    assert delivery_send(delivery_id=digest.pk) == "sent"
    [message] = mail.outbox
    assert "2 items" in message.subject
    assert first.subject in message.body and second.subject in message.body
    assert message.body.count("/notifications/open/") == 2


def test_send_now_takes_a_reminder_out_of_its_digest(ours, django_capture_on_commit_callbacks):
    reminder, other = _queued(ours, 2)
    digest = DeliveryFactory(
        recipient=ours.fellow, kind="digest", digest_date=datetime.date(2026, 12, 1)
    )
    Reminder.objects.filter(pk__in=[reminder.pk, other.pk]).update(delivery=digest)
    reminder.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        reminder_send_now(actor=ours.director, reminder=reminder)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"[Fellowship] {reminder.subject}"
    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.delivery.key == f"reminder:{reminder.pk}"
    # Sent already: refused; the rest of the digest is untouched.
    with pytest.raises(ValidationError):
        reminder_send_now(actor=ours.director, reminder=reminder)
    assert Reminder.objects.get(pk=other.pk).delivery_id == digest.pk


def test_send_now_is_for_the_director_and_coordinator_only(ours):
    reminder = _queued(ours)[0]
    for role in ("faculty", "fellow"):
        with pytest.raises(PermissionDenied):
            reminder_send_now(actor=ours.user(role), reminder=reminder)


def test_send_now_twice_before_the_worker_runs_sends_one_email(
    ours, django_capture_on_commit_callbacks
):
    reminder = _queued(ours)[0]
    reminder_send_now(actor=ours.director, reminder=reminder)
    reminder_send_now(actor=ours.director, reminder=Reminder.objects.get(pk=reminder.pk))
    assert Delivery.objects.filter(key=f"reminder:{reminder.pk}").count() == 1
    delivery_id = Reminder.objects.get(pk=reminder.pk).delivery_id
    delivery_send(delivery_id=delivery_id)
    delivery_send(delivery_id=delivery_id)
    assert len(mail.outbox) == 1


def test_email_links_use_the_site_url_whatever_built_them(ours, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    [reminder] = _immediate(ours, 1)
    assert delivery_send(delivery_id=reminder.delivery_id) == "sent"
    [message] = mail.outbox
    links = re.findall(r"https?://[^\s\"<>]+", message.body)
    assert links and all(link.startswith("http://127.0.0.1:8123/programs/") for link in links)
