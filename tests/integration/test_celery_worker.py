"""A real Celery worker process, on the real Redis broker, runs a task of the app against the
real PostgreSQL test database. Skipped on a bare developer machine; a failure in CI."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection

from accounts.tasks import purge_expired_sessions
from config.celery_app import app
from tests.accounts.test_services import make_session
from tests.conftest import is_postgres, require_service

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60


def test_database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@pytest.fixture
def real_broker():
    if not is_postgres():
        require_service("the worker test needs PostgreSQL: set DATABASE_URL")
    if not settings.REDIS_URL:
        require_service("the worker test needs Redis: set REDIS_URL")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        require_service(f"Redis at {settings.REDIS_URL} is not answering: {error}")
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield settings.REDIS_URL
    app.conf.task_always_eager = eager


@pytest.fixture
def worker(real_broker):
    queue = f"fellowship-it-{uuid.uuid4().hex[:10]}"  # nothing else consumes it
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": real_broker,
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--queues",
        queue,
        "--hostname",
        f"{queue}@%h",
        "--without-mingle",
        "--without-gossip",
        "--loglevel=INFO",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    yield queue, process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_the_session_purge(worker):
    queue, process = worker
    expired = make_session(expires_in=timedelta(hours=-1))
    live = make_session(expires_in=timedelta(hours=1))

    purge_expired_sessions.apply_async(queue=queue)

    deadline = time.monotonic() + WAIT_SECONDS
    while Session.objects.filter(pk=expired).exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.terminate()
            output = process.communicate(timeout=20)[0]
            pytest.fail(f"the worker did not run the task in {WAIT_SECONDS}s:\n{output[-4000:]}")
        time.sleep(0.25)
    assert Session.objects.filter(pk=live).exists()
