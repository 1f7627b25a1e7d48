"""Faults survived: PostgreSQL restarted under a running production-shaped server, and Redis
down while the web app serves requests.

A real gunicorn serves the app with the production settings (psycopg pool with a connection
check and a bounded wait) against the test database. PostgreSQL is stopped and started again:
while it is down requests fail quickly and cleanly (503 from /readyz, the 503 page elsewhere, no
hang); once it is back the same server process answers again without a restart.
Needs root and a local cluster (pg_ctlcluster): fails in CI, skips elsewhere when missing.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from config.celery_app import app
from tests.conftest import is_postgres, require_service
from tests.integration.test_celery_worker import test_database_url

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _cluster() -> list[str]:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions or not shutil.which("pg_ctlcluster") or os.geteuid() != 0:
        require_service("restarting PostgreSQL needs root and a local pg_ctlcluster cluster")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 15, session: str = "") -> tuple[int, float]:
    started = time.monotonic()
    headers = {"Cookie": f"sessionid={session}"} if session else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (localhost only)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (localhost)
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


def _wait_for(url: str, status: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last, _ = _get(url, timeout=5)
        except OSError:
            last = None
        if last == status:
            return last
        time.sleep(0.5)
    return last


@pytest.fixture
def production_server(transactional_db, tmp_path):
    if not is_postgres():
        require_service("the fault test needs PostgreSQL: set DATABASE_URL")
    cluster = _cluster()
    port = _free_port()
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "fault-test-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP",
        "DJANGO_SIGNING_KEY": "fault-test-signing-0123456789abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SITE_URL": "http://127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "DJANGO_DB_POOL_MIN": "1",
        "DJANGO_DB_POOL_TIMEOUT": "3",
    }
    # As a deployment does: the cache table, and the static files the pages' manifest names.
    for command in (["createcachetable"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    # The server logs to a file: an unread pipe would fill up with tracebacks and block it.
    log = open(tmp_path / "gunicorn.log", "w+")  # noqa: SIM115 (closed in the finally below)
    server = subprocess.Popen(
        [str(GUNICORN), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if _wait_for(f"{base}/readyz", 200, 30) != 200:
            server.terminate()
            server.wait(timeout=10)
            log.seek(0)
            pytest.fail(f"gunicorn did not become ready:\n{log.read()[-4000:]}")
        yield base, server, cluster
    finally:
        # Whatever happened, leave PostgreSQL running for the rest of the suite.
        subprocess.run([*cluster, "start"], check=False, capture_output=True)
        subprocess.run(["pg_isready", "-q", "-t", "30", "-h", "127.0.0.1"], check=False)
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        connection.close()  # the old connection died with the server; the next test reconnects


@pytest.mark.integration
def test_postgres_restart_fails_cleanly_then_recovers_by_itself(production_server):
    base, server, cluster = production_server
    assert _get(f"{base}/readyz")[0] == 200
    assert _get(f"{base}/accounts/login/")[0] == 200

    subprocess.run([*cluster, "stop", "-m", "fast"], check=True, capture_output=True)
    status, seconds = _get(f"{base}/readyz")
    assert status == 503 and seconds < 10, (status, seconds)
    # A page that needs the database (a session cookie makes it read the session table) fails
    # with the "database is not answering" page (core.views.server_error), quickly, not a hang.
    status, seconds = _get(f"{base}/accounts/login/", session="x" * 32)
    assert status == 503 and seconds < 10, (status, seconds)
    assert _get(f"{base}/healthz")[0] == 200  # the process itself is alive

    subprocess.run([*cluster, "start"], check=True, capture_output=True)
    assert _wait_for(f"{base}/readyz", 200, 30) == 200
    assert _get(f"{base}/accounts/login/")[0] == 200
    assert server.poll() is None, "the same server process recovered; nobody restarted it"


# --- Redis down ---------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of the test's own on a free port, so stopping it disturbs nothing else."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            require_service("the Redis outage test needs redis-server")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                self.binary,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        pytest.fail("the private redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _use_broker(url: str) -> None:
    """Point this process's Celery app at ``url`` (dropping its cached connections)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_broker(transactional_db):
    if not is_postgres():
        require_service("the Redis outage test needs PostgreSQL: set DATABASE_URL")
    redis_server = PrivateRedis()
    redis_server.start()
    before = app.conf.broker_url, app.conf.task_always_eager
    app.conf.task_always_eager = False
    _use_broker(redis_server.url)
    try:
        yield redis_server, lambda: _start_worker(redis_server.url)
    finally:
        for process in getattr(_start_worker, "started", []):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        _start_worker.started = []
        redis_server.stop()
        app.conf.task_always_eager = before[1]
        _use_broker(before[0])


def _start_worker(broker_url: str):
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": broker_url,
    }
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"),
            *(
                "--queues",
                settings.CELERY_TASK_DEFAULT_QUEUE,
                "--without-mingle",
                "--without-gossip",
            ),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _start_worker.started = [*getattr(_start_worker, "started", []), process]
    return process


@pytest.mark.integration
def test_redis_down_the_web_app_keeps_working_and_reminders_go_out_once_it_is_back(
    private_broker, client, ours
):
    from reminders.models import Delivery, Reminder
    from reminders.services.handover import deliveries_enqueue_due
    from tests.reminders.factories import ReminderFactory

    redis_server, start_worker = private_broker
    reminder = ReminderFactory(program=ours.program, recipient=ours.fellow)
    redis_server.stop()  # Redis goes down

    client.force_login(ours.director)
    started = time.monotonic()
    dashboard = client.get(reverse("dashboard:cohort_dashboard", args=[ours.program.pk]))
    send_now = client.post(
        reverse("reminders:reminder_send_now", args=[ours.program.pk, reminder.pk])
    )
    assert dashboard.status_code == 200
    assert send_now.status_code == 302, "the director's click is accepted while Redis is down"
    assert time.monotonic() - started < 15, "no request hangs on the broker"
    delivery = Delivery.objects.get(reminders=reminder)
    assert delivery.status == Delivery.Status.PENDING and delivery.enqueued_at is None

    redis_server.start()  # Redis is back; beat's next sweep hands the delivery over
    start_worker()
    assert deliveries_enqueue_due(now=timezone.now(), size=100) == 1
    deadline = time.monotonic() + 60
    while Delivery.objects.get(pk=delivery.pk).status != Delivery.Status.SENT:
        assert time.monotonic() < deadline, "the reminder was not delivered after Redis came back"
        time.sleep(0.25)
    assert Reminder.objects.get(pk=reminder.pk).status == Reminder.Status.SENT
