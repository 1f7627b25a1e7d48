from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from accounts.tasks import purge_expired_sessions
from tests.accounts.test_services import make_session


@pytest.mark.django_db
def test_purge_expired_sessions_task_calls_the_service():
    make_session(expires_in=timedelta(minutes=-5))
    assert purge_expired_sessions.delay() is not None
    assert Session.objects.count() == 0


def test_beat_schedule_runs_the_purge_nightly():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-sessions"]
    assert entry["task"] == purge_expired_sessions.name
