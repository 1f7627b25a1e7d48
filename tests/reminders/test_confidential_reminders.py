"""Reminders for confidential evaluations to complete (reminders/services/surveys.py)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders.models import Kind, Reminder
from reminders.services.sweep import reminders_sweep
from surveys.models import Invitation
from tests.surveys.factories import answer, current_cohort, enrol, open_collection

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _reminders():
    return list(
        Reminder.objects.filter(kind=Kind.CONFIDENTIAL_EVALUATION_DUE).values_list(
            "recipient_id", "object_type", "object_id", "period", "url_path"
        )
    )


def _invitation(people, *, due_in: int, opened_days_ago: int = 3) -> Invitation:
    cohort = current_cohort(people.program)
    enrol(cohort, people.fellow)
    collection = open_collection(people, days=40)
    today = people.program.today()
    invitation = collection.invitations.get()
    Invitation.objects.filter(pk=invitation.pk).update(
        opens_on=today - opened_days_ago * DAY, due_on=today + due_in * DAY
    )
    invitation.refresh_from_db()
    return invitation


def test_due_within_a_week_is_reminded_once(ours):
    invitation = _invitation(ours, due_in=7)
    reminders_sweep(now=timezone.now(), enqueue=False)
    reminders_sweep(now=timezone.now(), enqueue=False)
    path = reverse(
        "surveys:evaluation_fill",
        kwargs={"program_id": ours.program.pk, "survey_invitation_id": invitation.pk},
    )
    assert _reminders() == [
        (ours.fellow.pk, "confidential", invitation.pk, invitation.due_on.isoformat(), path)
    ]
    reminder = Reminder.objects.get(kind=Kind.CONFIDENTIAL_EVALUATION_DUE)
    assert "Confidential evaluation due" in reminder.subject


def test_overdue_while_window_open_is_reminded(ours):
    invitation = _invitation(ours, due_in=-2, opened_days_ago=10)
    reminders_sweep(now=timezone.now(), enqueue=False)
    assert [row[2] for row in _reminders()] == [invitation.pk]
    assert "overdue" in Reminder.objects.get(kind=Kind.CONFIDENTIAL_EVALUATION_DUE).subject


def test_not_yet_due_soon_not_open_or_completed_is_not_reminded(ours):
    invitation = _invitation(ours, due_in=8)
    reminders_sweep(now=timezone.now(), enqueue=False)
    assert _reminders() == []
    Invitation.objects.filter(pk=invitation.pk).update(
        opens_on=ours.program.today() + DAY, due_on=ours.program.today() + 3 * DAY
    )
    reminders_sweep(now=timezone.now(), enqueue=False)
    assert _reminders() == []
    Invitation.objects.filter(pk=invitation.pk).update(
        opens_on=ours.program.today() - DAY, due_on=ours.program.today() + 3 * DAY
    )
    invitation.refresh_from_db()
    answer(invitation, 3, 3)
    reminders_sweep(now=timezone.now(), enqueue=False)
    assert _reminders() == []
