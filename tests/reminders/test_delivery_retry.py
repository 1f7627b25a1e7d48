"""Failures after the last retry are tried again hourly for a day, the director's "retry all
failed", the minute hand-over that recovers work lost with a worker or the broker, and tickets
that keep one retry chain per delivery."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from reminders.models import Delivery, Reminder
from reminders.services.delivery import (
    DeliveryError,
    _claim,
    delivery_fail,
    delivery_send,
    ticket_for,
)
from reminders.services.retries import deliveries_retry_failed
from reminders.services.sweep import reminders_sweep
from reminders.tasks import deliver_email, enqueue_due_deliveries
from tests.reminders.backends import age_delivery
from tests.reminders.factories import DeliveryFactory, ReminderFactory

HOUR = 3600


def _immediate(people, program=None):
    program = program or people.program
    reminder = ReminderFactory(program=program, recipient=people.fellow, channel="immediate")
    delivery = DeliveryFactory(recipient=reminder.recipient, key=f"reminder:{reminder.pk}")
    reminder.delivery = delivery
    reminder.save()
    return reminder


def _failed_after_every_retry(people, flaky, program=None):
    reminder = _immediate(people, program)
    flaky.failures_left = 100
    assert deliver_email.delay(reminder.delivery_id).get() == "failed"
    reminder.refresh_from_db()
    assert reminder.status == "failed" and reminder.delivery.status == "failed"
    return reminder


# --- Failed after the last retry: hourly for a day ----------------------------------------------


def test_a_final_failure_is_tried_again_by_the_sweep_an_hour_later(
    ours, flaky, django_capture_on_commit_callbacks
):
    reminder = _failed_after_every_retry(ours, flaky)
    delivery = reminder.delivery
    assert delivery.next_attempt_at - timezone.now() > datetime.timedelta(minutes=59)

    # Within the hour the sweep leaves it alone.
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert Delivery.objects.get(pk=delivery.pk).status == "failed" and mail.outbox == []

    # An hour later, with the server still down: one attempt, failed again, next in an hour.
    age_delivery(delivery.pk, HOUR + 1)
    calls = flaky.calls
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    delivery.refresh_from_db()
    assert flaky.calls == calls + 1
    assert delivery.status == "failed" and delivery.attempts == 4
    assert delivery.next_attempt_at > timezone.now() + datetime.timedelta(minutes=59)

    # The server is back: the next hourly try sends it, once.
    flaky.failures_left = 0
    age_delivery(delivery.pk, HOUR + 1)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.delivery.status == "sent"
    assert len(mail.outbox) == 1


def test_a_failure_older_than_a_day_is_left_for_the_director(
    ours, flaky, django_capture_on_commit_callbacks
):
    reminder = _failed_after_every_retry(ours, flaky)
    flaky.failures_left = 0
    age_delivery(reminder.delivery_id, 25 * HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert Delivery.objects.get(pk=reminder.delivery_id).status == "failed"
    assert mail.outbox == []


def test_nothing_left_to_send_is_never_retried(ours, django_capture_on_commit_callbacks):
    delivery = DeliveryFactory(recipient=ours.fellow)  # carries no reminder
    assert delivery_send(delivery_id=delivery.pk) == "empty"
    age_delivery(delivery.pk, HOUR + 1)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.next_attempt_at is None


# --- Retry all failed ---------------------------------------------------------------------------


def test_retry_all_failed_requeues_every_failed_email_of_the_program_and_is_audited(
    ours, theirs, flaky, django_capture_on_commit_callbacks
):
    mine = [_failed_after_every_retry(ours, flaky) for _ in range(3)]
    other = _failed_after_every_retry(theirs, flaky, program=theirs.program)
    flaky.failures_left = 0

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert deliveries_retry_failed(actor=ours.director, program=ours.program) == 3
    assert len(callbacks) == 1  # one hand-over, after commit
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"[Fellowship] {r.subject}" for r in mine
    )
    assert not Reminder.objects.filter(pk__in=[r.pk for r in mine]).exclude(status="sent").exists()
    assert Reminder.objects.get(pk=other.pk).status == "failed"  # another program's: untouched
    event = AuditEvent.objects.get(action="reminders.retry_failed")
    assert event.actor_id == ours.director.pk and event.program_id == ours.program.pk
    # Nothing failed any more: a second click does nothing and records nothing.
    assert deliveries_retry_failed(actor=ours.director, program=ours.program) == 0
    assert AuditEvent.objects.filter(action="reminders.retry_failed").count() == 1


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_retry_all_failed_is_for_the_director_and_coordinator_only(ours, role):
    with pytest.raises(PermissionDenied):
        deliveries_retry_failed(actor=ours.user(role), program=ours.program)


def test_retry_all_failed_button_on_the_director_page(
    client, ours, flaky, django_capture_on_commit_callbacks
):
    reminder = _failed_after_every_retry(ours, flaky)
    flaky.failures_left = 0
    page_url = reverse("reminders:director_reminders", kwargs={"program_id": ours.program.pk})
    url = reverse("reminders:deliveries_retry_failed", kwargs={"program_id": ours.program.pk})
    client.force_login(ours.director)
    page = client.get(page_url + "?show=failed").content.decode()
    assert "Retry all failed" in page and url in page
    assert client.get(url).status_code == 405  # POST only
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0].endswith("?show=failed")
    assert "Trying 1 failed email again now." in response.content.decode()
    assert Reminder.objects.get(pk=reminder.pk).status == "sent" and len(mail.outbox) == 1
    assert "Retry all failed" not in client.get(page_url).content.decode()


# --- The minute hand-over -----------------------------------------------------------------------


def test_a_delivery_stuck_sending_is_handed_over_by_the_minute_task(
    ours, settings, django_capture_on_commit_callbacks
):
    reminder = _immediate(ours)
    _claim(reminder.delivery_id)  # a worker claimed it, then died with the broker
    Delivery.objects.filter(pk=reminder.delivery_id).update(enqueued_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_deliveries.delay().get() == 0  # the claim is fresh: maybe sending
    assert mail.outbox == []

    age_delivery(reminder.delivery_id, settings.REMINDERS_CLAIM_LEASE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_deliveries.delay().get() == 1
    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.delivery.attempts == 2
    assert len(mail.outbox) == 1


def test_a_pending_delivery_whose_task_was_lost_is_handed_over_after_the_lease(
    ours, settings, django_capture_on_commit_callbacks
):
    reminder = _immediate(ours)
    Delivery.objects.filter(pk=reminder.delivery_id).update(enqueued_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_deliveries.delay().get() == 0
    age_delivery(reminder.delivery_id, settings.REMINDERS_CLAIM_LEASE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_deliveries.delay().get() == 1
    assert Reminder.objects.get(pk=reminder.pk).status == "sent"


def test_the_minute_task_only_hands_over_and_never_sweeps(ours, monkeypatch):
    monkeypatch.setattr(
        "reminders.services.sweep.program_contexts",
        lambda now: pytest.fail("the minute task must not run the sweep"),
    )
    assert enqueue_due_deliveries.delay().get() == 0


def test_beat_runs_the_hand_over_every_minute_and_the_lease_outlasts_a_send(settings):
    from celery.schedules import crontab

    entry = settings.CELERY_BEAT_SCHEDULE["enqueue-due-deliveries"]
    assert entry["task"] == enqueue_due_deliveries.name
    assert entry["schedule"] == crontab()
    assert settings.CELERY_BEAT_SCHEDULE["sweep-reminders"]["task"] == (
        "reminders.tasks.sweep_reminders"
    )
    # A send is hard-killed before the lease ends, so a stale claim really is an orphan.
    assert deliver_email.time_limit == settings.REMINDERS_SEND_TIME_LIMIT_SECONDS
    assert deliver_email.soft_time_limit < deliver_email.time_limit
    assert settings.REMINDERS_SEND_TIME_LIMIT_SECONDS < settings.REMINDERS_CLAIM_LEASE_SECONDS
    assert settings.REMINDERS_CLAIM_LEASE_SECONDS <= 90


# --- Tickets: one retry chain per delivery ------------------------------------------------------


def test_a_task_superseded_by_a_newer_hand_over_sends_nothing(ours):
    reminder = _immediate(ours)
    old, new = timezone.now() - datetime.timedelta(minutes=5), timezone.now()
    Delivery.objects.filter(pk=reminder.delivery_id).update(enqueued_at=new)
    assert delivery_send(delivery_id=reminder.delivery_id, ticket=ticket_for(old)) == "stale"
    assert mail.outbox == []
    assert delivery_send(delivery_id=reminder.delivery_id, ticket=ticket_for(new)) == "sent"
    assert len(mail.outbox) == 1


def test_a_failed_attempt_stamps_its_retry_so_the_minute_task_leaves_it_alone(
    ours, flaky, settings, django_capture_on_commit_callbacks
):
    settings.REMINDERS_MAX_ATTEMPTS = 6
    reminder = _immediate(ours)
    flaky.failures_left = 1
    with pytest.raises(DeliveryError):
        delivery_send(delivery_id=reminder.delivery_id)
    delivery = Delivery.objects.get(pk=reminder.delivery_id)
    assert delivery.enqueued_at == delivery.next_attempt_at > timezone.now()
    # When the retry is due the task's own retry carries it; the minute task does not add one.
    age_delivery(delivery.pk, (delivery.next_attempt_at - timezone.now()).total_seconds() + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_deliveries.delay().get() == 0


def test_final_failure_is_recorded_with_the_hourly_retry_time(ours):
    reminder = _immediate(ours)
    delivery_fail(delivery_id=reminder.delivery_id, error="SMTPServerDisconnected: gone")
    delivery = Delivery.objects.get(pk=reminder.delivery_id)
    assert delivery.status == "failed"
    wait = delivery.next_attempt_at - timezone.now()
    assert datetime.timedelta(minutes=59) < wait <= datetime.timedelta(hours=1)
    assert Reminder.objects.get(pk=reminder.pk).status == "failed"
