"""One-off emails queued through ``core.outbox``: recorded with the caller's transaction, sent
after commit through the same claimed, retried path as reminders, and scrubbed once sent."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from core import outbox
from reminders.models import Delivery
from reminders.services.delivery import DeliveryError, delivery_send
from reminders.tasks import enqueue_due_deliveries
from tests.reminders.backends import age_delivery, smtp_down


def _email(ours, **fields) -> outbox.OutgoingEmail:
    return outbox.OutgoingEmail(
        **{
            "key": "test:1:a",
            "to": "someone@example.test",
            "subject": "[Fellowship] Hello",
            "body": "Your link: https://fellowship.example.test/secret-token/",
            "html": "<p>Your link</p>",
            "program_id": ours.program.pk,
            **fields,
        }
    )


def test_queued_in_the_transaction_and_sent_after_commit_then_scrubbed(
    ours, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        outbox.email_queue(_email(ours))
    delivery = Delivery.objects.get(key="test:1:a")
    assert delivery.kind == "transactional" and delivery.status == "pending"
    assert delivery.recipient_id is None and delivery.program_id == ours.program.pk
    assert mail.outbox == [] and len(callbacks) == 1  # nothing leaves before commit
    callbacks[0]()

    [message] = mail.outbox
    assert message.to == ["someone@example.test"] and message.subject == "[Fellowship] Hello"
    assert "secret-token" in message.body
    assert message.alternatives[0][0] == "<p>Your link</p>"
    assert message.extra_headers["Message-ID"].startswith(f"<reminder-delivery-{delivery.pk}@")
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1
    # The body held a live link: gone once sent. The address is kept (not a patient's).
    assert delivery.body_text == "" and delivery.body_html == ""
    assert delivery.to_email == "someone@example.test"
    assert delivery_send(delivery_id=delivery.pk) == "done" and len(mail.outbox) == 1


def test_the_same_key_twice_records_and_sends_one_email(ours, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.email_queue(_email(ours))
        outbox.email_queue(_email(ours))
    assert Delivery.objects.filter(key="test:1:a").count() == 1
    assert len(mail.outbox) == 1


def test_a_rolled_back_transaction_leaves_no_email(ours, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.email_queue(_email(ours))
        raise RuntimeError("the row it was about failed to save")
    assert not Delivery.objects.exists() and mail.outbox == []


def test_a_bad_address_is_refused_and_nothing_is_recorded(ours):
    with pytest.raises(ValidationError) as error:
        outbox.email_queue(_email(ours, to="not an address"))
    assert "to_email" in error.value.message_dict
    assert not Delivery.objects.exists()


def test_an_address_that_must_not_be_kept_is_erased_once_sent(
    ours, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.email_queue(_email(ours, forget_address=True))
    delivery = Delivery.objects.get(key="test:1:a")
    assert delivery.status == "sent" and delivery.to_email == "" and delivery.body_text == ""
    assert mail.outbox[0].to == ["someone@example.test"]


def test_a_newer_email_gives_up_the_older_unsent_one(
    ours, settings, django_capture_on_commit_callbacks
):
    smtp = smtp_down(settings)
    with django_capture_on_commit_callbacks(execute=False):
        outbox.email_queue(_email(ours, key="invitation:7:old", replaces="invitation:7:"))
    with django_capture_on_commit_callbacks(execute=False):
        outbox.email_queue(_email(ours, key="invitation:7:new", replaces="invitation:7:"))
    old = Delivery.objects.get(key="invitation:7:old")
    assert old.status == "failed" and old.next_attempt_at is None and old.body_text == ""
    assert Delivery.objects.get(key="invitation:7:new").status == "pending"
    smtp.up = True
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_deliveries.delay().get() == 0  # the new one was handed over already
    age_delivery(Delivery.objects.get(key="invitation:7:new").pk, 3600)
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_deliveries.delay().get() == 1
    assert len(mail.outbox) == 1


def test_the_source_hears_when_its_email_has_left(ours, django_capture_on_commit_callbacks):
    heard = []
    outbox.sent_handler_register("tests.probe", lambda pk, sent_at: heard.append((pk, sent_at)))
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            outbox.email_queue(_email(ours, source="tests.probe", source_id=42))
        assert heard == []  # not before it has left
        callbacks[0]()
    finally:
        outbox._sent_handlers.pop("tests.probe")
    delivery = Delivery.objects.get(key="test:1:a")
    assert heard == [(42, delivery.sent_at)]


def test_smtp_down_keeps_a_one_off_email_pending_for_a_retry(
    ours, settings, django_capture_on_commit_callbacks
):
    smtp = smtp_down(settings)
    with django_capture_on_commit_callbacks(execute=False):
        outbox.email_queue(_email(ours))
    delivery = Delivery.objects.get(key="test:1:a")
    with pytest.raises(DeliveryError):
        delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "pending" and "SMTPConnectError" in delivery.last_error
    assert delivery.body_text  # kept until it has left
    smtp.up = True
    assert delivery_send(delivery_id=delivery.pk) == "sent" and len(mail.outbox) == 1
