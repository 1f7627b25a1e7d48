"""Fixtures shared by the reminders tests."""

import pytest

from tests.reminders.backends import FlakyBackend


@pytest.fixture
def flaky(settings):
    """Mail that fails on demand; eager retries run in-process like a worker's would."""
    from config.celery_app import app

    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False  # a Retry is the task's business, not the caller's
    settings.MAILERS = {"default": {"BACKEND": "tests.reminders.backends.FlakyBackend"}}
    settings.REMINDERS_MAX_ATTEMPTS = 3
    FlakyBackend.failures_left = 0
    FlakyBackend.calls = 0
    yield FlakyBackend
    app.conf.task_eager_propagates = propagates
