"""Evaluation request emails go through the reminders' claimed, retried delivery path: with the
mail server down the request is saved and its email sent once the server is back; a patient's
address is kept only until the email has left, or been given up."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from curriculum.models import Membership
from evaluators.models import EvaluatorRole, ExternalEvaluationRequest
from evaluators.services import external_request_create
from reminders.models import Delivery
from reminders.services.delivery import DeliveryError, delivery_send
from reminders.services.sweep import reminders_sweep
from reminders.tasks import deliver_email, enqueue_due_deliveries
from tests.evaluators.factories import multi_source_template
from tests.reminders.backends import age_delivery, smtp_down

LINK = re.compile(r"http://testserver(/evaluate/[\w-]+/)")


def fellow_of(people) -> Membership:
    return Membership.objects.get(program=people.program, user=people.fellow, role="fellow")


@pytest.fixture
def broker(monkeypatch):
    """The broker takes the tasks (as in production) and the test plays the worker."""
    queued = []
    monkeypatch.setattr(deliver_email, "delay", lambda *args: queued.append(args))
    return queued


def test_a_request_with_the_mail_server_down_is_saved_and_emailed_once_it_is_back(
    client, ours, settings, broker, monkeypatch, django_capture_on_commit_callbacks
):
    smtp = smtp_down(settings)
    client.force_login(ours.fellow)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evaluators:request_create", kwargs={"program_id": ours.program.pk}),
            {
                "fellow": fellow_of(ours).pk,
                "evaluator_role": "nurse",
                "evaluator_name": "Grace Lindqvist",
                "evaluator_email": "grace@hospital.test",
                "template": multi_source_template(ours.program).pk,
            },
        )
    assert response.status_code == 302
    request = ExternalEvaluationRequest.objects.get()
    delivery = Delivery.objects.get(kind="transactional")
    assert delivery.key == f"evaluation-request:{request.pk}:1"
    assert delivery.status == "pending" and delivery.to_email == "grace@hospital.test"
    assert request.sent_at is None

    with pytest.raises(DeliveryError):  # the worker's first attempt meets the outage
        delivery_send(delivery_id=delivery.pk, ticket=broker[0][1])
    delivery.refresh_from_db()
    assert delivery.status == "pending" and mail.outbox == []

    smtp.up = True
    monkeypatch.undo()  # the worker takes tasks again; the lost retry is handed over
    age_delivery(delivery.pk, 3600)
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_deliveries.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_deliveries.delay().get() == 0
    [message] = mail.outbox
    assert message.to == ["grace@hospital.test"]
    assert client.get(LINK.search(message.body).group(1)).status_code == 200
    request.refresh_from_db()
    delivery.refresh_from_db()
    assert request.sent_at == delivery.sent_at  # recorded when it really left


def test_a_patients_address_is_erased_from_the_delivery_once_sent(
    ours, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        external_request_create(
            actor=ours.fellow,
            fellow=fellow_of(ours),
            evaluator_role=EvaluatorRole.PATIENT,
            evaluator_email="zqpatient.xw@mail.test",
        )
    assert mail.outbox[0].to == ["zqpatient.xw@mail.test"]
    delivery = Delivery.objects.get(kind="transactional")
    assert delivery.status == "sent" and delivery.forget_address
    # A string no generated name contains (the subject names the fellow, who may be a Smith).
    assert "zqpatient" not in str(Delivery.objects.values().get(pk=delivery.pk)).lower()


def test_a_patients_address_is_erased_once_the_email_is_given_up(
    ours, settings, broker, django_capture_on_commit_callbacks
):
    smtp_down(settings)
    with django_capture_on_commit_callbacks(execute=True):
        external_request_create(
            actor=ours.fellow,
            fellow=fellow_of(ours),
            evaluator_role=EvaluatorRole.PATIENT,
            evaluator_email="john.smith@mail.test",
        )
    delivery = Delivery.objects.get(kind="transactional")
    Delivery.objects.filter(pk=delivery.pk).update(status="failed")
    reminders_sweep()
    assert Delivery.objects.get(pk=delivery.pk).to_email == "john.smith@mail.test"  # a day to go
    age_delivery(delivery.pk, 25 * 3600)
    reminders_sweep()
    delivery.refresh_from_db()
    assert delivery.to_email == "" and delivery.body_text == "" and delivery.status == "failed"
    assert not ExternalEvaluationRequest.objects.filter(evaluator_email__icontains="smith").exists()
