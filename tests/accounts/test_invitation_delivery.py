"""Invitation emails go through the reminders' claimed, retried delivery path: a mail outage
never fails the request or loses the email, and a pending invitation can be sent again."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Invitation, invitation_token_hash
from accounts.selectors import invitation_get_for_token
from accounts.services import invitation_resend, roster_import
from audit.models import AuditEvent
from reminders.models import Delivery
from reminders.services.delivery import DeliveryError, delivery_send
from reminders.tasks import deliver_email, enqueue_due_deliveries
from tests.accounts.factories import InvitationFactory
from tests.reminders.backends import age_delivery, smtp_down

LINK = re.compile(r"/invitations/([\w-]+)/")


@pytest.fixture
def broker(monkeypatch):
    """The broker takes the tasks (as in production) and the test plays the worker."""
    queued = []
    monkeypatch.setattr(deliver_email, "delay", lambda *args: queued.append(args))
    return queued


def _worker_attempt_fails(delivery: Delivery, ticket: str) -> None:
    with pytest.raises(DeliveryError):
        delivery_send(delivery_id=delivery.pk, ticket=ticket)
    delivery.refresh_from_db()
    assert delivery.status == "pending" and "SMTPConnectError" in delivery.last_error


def _later_the_minute_task_sends(monkeypatch, capture, delivery_ids) -> None:
    """The task's own retry was lost (the broker died); the minute task hands it over."""
    monkeypatch.undo()  # the worker takes tasks again (eager)
    for pk in delivery_ids:
        age_delivery(pk, 3600)
    with capture(execute=True):
        assert enqueue_due_deliveries.delay().get() == len(delivery_ids)
    with capture(execute=True):
        assert enqueue_due_deliveries.delay().get() == 0  # and never again


def test_inviting_with_the_mail_server_down_answers_normally_and_sends_once_it_is_back(
    client, ours, settings, broker, monkeypatch, django_capture_on_commit_callbacks
):
    smtp = smtp_down(settings)
    client.force_login(ours.coordinator)
    people = reverse("accounts:people", kwargs={"program_id": ours.program.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:people_invite", kwargs={"program_id": ours.program.pk}),
            {"email": "ada@example.test", "full_name": "Dr. Ada", "role": "faculty"},
        )
    assert response.status_code == 302 and response["Location"] == people
    invitation = Invitation.objects.get(email="ada@example.test")
    delivery = Delivery.objects.get(kind="transactional")
    assert delivery.key.startswith(f"invitation:{invitation.pk}:")
    assert delivery.status == "pending" and delivery.to_email == "ada@example.test"
    assert broker == [(delivery.pk, delivery.enqueued_at.isoformat())]

    _worker_attempt_fails(delivery, broker[0][1])
    assert mail.outbox == []

    smtp.up = True
    _later_the_minute_task_sends(monkeypatch, django_capture_on_commit_callbacks, [delivery.pk])
    [message] = mail.outbox
    assert message.to == ["ada@example.test"] and ours.program.name in message.subject
    token = LINK.search(message.body).group(1)
    assert invitation_get_for_token(token=token) == invitation
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.body_text == ""  # the link is not kept


def test_a_roster_import_with_the_mail_server_down_sends_every_invitation_once_it_is_back(
    ours, settings, broker, monkeypatch, django_capture_on_commit_callbacks
):
    smtp = smtp_down(settings)
    content = (
        b"email,full_name,role\nana@example.test,Dr. Ana,fellow\nben@example.test,Dr. Ben,faculty\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitations = roster_import(actor=ours.director, program=ours.program, content=content)
    assert len(invitations) == 2
    deliveries = list(Delivery.objects.filter(kind="transactional").order_by("pk"))
    assert [d.to_email for d in deliveries] == ["ana@example.test", "ben@example.test"]
    assert len(broker) == 2
    for delivery, (_, ticket) in zip(deliveries, broker, strict=True):
        _worker_attempt_fails(delivery, ticket)

    smtp.up = True
    _later_the_minute_task_sends(
        monkeypatch, django_capture_on_commit_callbacks, [d.pk for d in deliveries]
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.test", "ben@example.test"]


# --- Resend -------------------------------------------------------------------------------------


def _resend_path(ours, invitation) -> str:
    return reverse(
        "accounts:invitation_resend",
        kwargs={"program_id": ours.program.pk, "invitation_id": invitation.pk},
    )


@pytest.mark.parametrize("role", ["director", "coordinator"])
def test_resend_emails_a_new_link_and_the_old_one_stops_working(
    client, ours, role, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(program=ours.program, token="first-link")
    client.force_login(ours.user(role))
    people = reverse("accounts:people", kwargs={"program_id": ours.program.pk})
    assert _resend_path(ours, invitation) in client.get(people).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_resend_path(ours, invitation), follow=True)
    assert response.redirect_chain[-1][0] == people
    assert f"Invitation sent again to {invitation.email}" in response.content.decode()

    [message] = mail.outbox
    token = LINK.search(message.body).group(1)
    invitation.refresh_from_db()
    assert invitation.token_hash == invitation_token_hash(token)
    assert invitation_get_for_token(token="first-link") is None
    event = AuditEvent.objects.get(action="invitation.resend")
    assert event.actor_id == ours.user(role).pk and event.program_id == ours.program.pk


def test_resend_renews_an_expired_invitation(ours, django_capture_on_commit_callbacks):
    from django.utils import timezone

    invitation = InvitationFactory(program=ours.program, expires_at=timezone.now())
    assert invitation.status == Invitation.Status.EXPIRED
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_resend(actor=ours.director, invitation=invitation)
    assert invitation.status == Invitation.Status.PENDING and len(mail.outbox) == 1


def test_resend_gives_up_the_older_link_still_waiting_for_the_mail_server(
    ours, settings, broker, django_capture_on_commit_callbacks
):
    smtp = smtp_down(settings)
    invitation = InvitationFactory(program=ours.program)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_resend(actor=ours.director, invitation=invitation)
        invitation_resend(actor=ours.director, invitation=invitation)
    first, second = Delivery.objects.filter(kind="transactional").order_by("pk")
    assert first.status == "failed" and first.last_error == "Replaced by a newer email."
    assert second.status == "pending"
    smtp.up = True
    assert delivery_send(delivery_id=first.pk) == "done"
    assert delivery_send(delivery_id=second.pk) == "sent"
    token = LINK.search(mail.outbox[0].body).group(1)
    invitation.refresh_from_db()
    assert invitation.token_hash == invitation_token_hash(token)  # the newest link is the one sent


@pytest.mark.parametrize("state", ["accepted", "revoked"])
def test_resend_refuses_an_invitation_that_is_no_longer_open(ours, state):
    from django.utils import timezone

    invitation = InvitationFactory(program=ours.program, **{f"{state}_at": timezone.now()})
    with pytest.raises(ValidationError):
        invitation_resend(actor=ours.director, invitation=invitation)
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_resend_is_for_the_director_and_coordinator_only(client, ours, role):
    invitation = InvitationFactory(program=ours.program, token="keep-me")
    with pytest.raises(PermissionDenied):
        invitation_resend(actor=ours.user(role), invitation=invitation)
    client.force_login(ours.user(role))
    assert client.post(_resend_path(ours, invitation)).status_code == 404
    assert invitation_get_for_token(token="keep-me") == invitation


def test_resend_refuses_get_and_other_programs(client, ours, theirs):
    invitation = InvitationFactory(program=ours.program, token="keep-me")
    client.force_login(ours.director)
    assert client.get(_resend_path(ours, invitation)).status_code == 405
    client.force_login(theirs.director)
    assert client.post(_resend_path(ours, invitation)).status_code == 404
    assert invitation_get_for_token(token="keep-me") == invitation and mail.outbox == []
