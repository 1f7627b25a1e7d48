"""The navigation bar's roles and unread-notification count come in one query."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reminders.context_processors import navigation
from tests.reminders.factories import ReminderFactory

pytestmark = pytest.mark.django_db


def test_one_query_gives_the_roles_and_the_unread_count(ours):
    ReminderFactory.create_batch(3, program=ours.program, recipient=ours.fellow)
    ReminderFactory(program=ours.program, recipient=ours.fellow, read_at=timezone.now())
    ReminderFactory(program=ours.program, recipient=ours.faculty)  # someone else's
    request = RequestFactory().get("/")
    request.user = ours.fellow
    with CaptureQueriesContext(connection) as captured:
        memberships = list(navigation(request)["nav_memberships"])
    assert len(captured.captured_queries) == 1
    assert [m.program_id for m in memberships] == [ours.program.pk]
    assert memberships[0].unread_notifications == 3


def test_the_page_shows_the_count(client, ours):
    ReminderFactory.create_batch(2, program=ours.program, recipient=ours.fellow)
    client.force_login(ours.fellow)
    page = client.get("/", follow=True).content.decode()
    assert "Notifications" in page and ">2<" in page.replace(" ", "")
