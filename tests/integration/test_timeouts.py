"""Bounded waits: a hung Redis or a PostgreSQL that goes away costs a request seconds, not a worker.

- Redis that accepts connections but never answers (SIGSTOP): enqueueing gives up within a few
  seconds (the socket timeouts in CELERY_BROKER_TRANSPORT_OPTIONS) and leaves the work for the
  sweep, instead of blocking until gunicorn kills the worker.
- PostgreSQL unreachable: under the production settings (psycopg pool) a query fails within
  about 2 s, and once the server is back the next request gets a connection at once instead of
  waiting for the pool's reconnection back-off. The outage is a TCP proxy of the test's own in
  front of the test database, so nothing else on the server is disturbed.
- A database error in a request answers a 503 page that says what happened, with Retry-After.
"""

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, override_settings
from django.urls import path

from config.celery_app import app
from config.urls import handler500  # noqa: F401 (this module is the urlconf of the 503 tests)
from core.queue import enqueue
from tests.conftest import is_postgres, require_service
from tests.integration.test_faults import PrivateRedis, _free_port, _use_broker

ROOT = Path(__file__).resolve().parents[2]

# --- Redis that never answers -------------------------------------------------------------------


@pytest.fixture
def hung_redis():
    redis_server = PrivateRedis()
    redis_server.start()
    before = app.conf.broker_url, app.conf.task_always_eager
    app.conf.task_always_eager = False
    _use_broker(redis_server.url)
    try:
        yield redis_server
    finally:
        redis_server.process.send_signal(signal.SIGCONT)  # whatever happened, let it exit
        redis_server.stop()
        app.conf.task_always_eager = before[1]
        _use_broker(before[0])


def _timed_enqueue(limit: float) -> tuple[bool, float]:
    """Enqueue in a thread, so that a publish that hangs fails the test instead of hanging it."""
    from reminders.tasks import deliver_email

    outcome = {}

    def run():
        started = time.monotonic()
        outcome["queued"] = enqueue(deliver_email, 1)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit + 5)
    assert not thread.is_alive(), f"enqueue still blocked on the hung broker after {limit + 5} s"
    return outcome["queued"], outcome["seconds"]


@pytest.mark.integration
def test_enqueue_gives_up_quickly_when_redis_accepts_but_never_answers(hung_redis, caplog):
    assert _timed_enqueue(10) == (True, pytest.approx(0, abs=10))  # a healthy broker first

    hung_redis.process.send_signal(signal.SIGSTOP)  # the kernel still accepts connections
    queued, seconds = _timed_enqueue(10)
    assert queued is False and seconds < 10, (queued, seconds)
    assert "left for the next sweep" in caplog.text

    # A process that starts while the broker hangs (no pooled connection yet) gives up too.
    _use_broker(hung_redis.url)
    queued, seconds = _timed_enqueue(10)
    assert queued is False and seconds < 10, (queued, seconds)

    hung_redis.process.send_signal(signal.SIGCONT)  # and once Redis answers again, it works
    assert _timed_enqueue(10)[0] is True


# --- PostgreSQL going away under the production pool ---------------------------------------------


class Proxy:
    """A TCP proxy to PostgreSQL that can go down (every connection cut, new ones refused)."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = _free_port()
        self.listener = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with self.lock:
            self.listener.close()
            self.listener = None
            for sock in self.sockets:
                self._close(sock)
            self.sockets = []

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self.lock:
                if listener is not self.listener:  # taken from the backlog after down()
                    client.close()
                    return
                server = socket.create_connection(self.upstream)
                self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        self._close(target)

    @staticmethod
    def _close(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


# Runs under the production settings: one "request" (a query, then the connection back to the
# pool, as Django does at the end of a request) per line on stdin; prints its outcome and time.
REQUESTS = """
import sys, time
import django
django.setup()
from django.db import DatabaseError, connection
for _ in sys.stdin:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            outcome = cursor.fetchone()[0]
    except DatabaseError:
        outcome = "error"
    finally:
        connection.close()
    print(outcome, round(time.monotonic() - started, 3), flush=True)
"""


@pytest.fixture
def production_requests(db):
    if not is_postgres():
        require_service("the PostgreSQL outage test needs PostgreSQL: set DATABASE_URL")
    database = connection.settings_dict
    proxy = Proxy((database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432)))
    proxy.up()
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    inherited = {"PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k in inherited} | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "timeout-test-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN",
        "DJANGO_SIGNING_KEY": "timeout-test-signing-0123456789abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SITE_URL": "http://127.0.0.1",
        "DATABASE_URL": (
            f"postgres://{database['USER']}{password}@127.0.0.1:{proxy.port}/{database['NAME']}"
        ),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_DB_POOL_MIN": "1",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", REQUESTS],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # the pool logs every failed reconnection attempt
        text=True,
    )

    def request() -> tuple[str, float]:
        child.stdin.write("go\n")
        child.stdin.flush()
        ready, _, _ = select.select([child.stdout], [], [], 30)
        assert ready, "the request did not finish within 30 s"
        outcome, seconds = child.stdout.readline().split()
        return outcome, float(seconds)

    try:
        yield proxy, request
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
        if proxy.listener is not None:
            proxy.down()


@pytest.mark.integration
def test_postgres_outage_fails_requests_within_seconds_and_recovers_at_once(production_requests):
    proxy, request = production_requests
    assert request()[0] == "30s"  # connected, with the statement timeout set

    proxy.down()
    outage_ends = time.monotonic() + 8  # long enough for the pool's back-off to reach 4 s
    while time.monotonic() < outage_ends:
        outcome, seconds = request()
        assert outcome == "error" and seconds < 3, (outcome, seconds)

    proxy.up()
    outcome, seconds = request()
    assert outcome == "30s" and seconds < 2.5, (outcome, seconds)


# --- The 503 page ------------------------------------------------------------------------------


ERRORS = {
    "operational": OperationalError("connection refused"),
    "interface": InterfaceError("connection already closed"),
    "bug": ValueError("a bug"),
}


@login_not_required
def _raises(request, kind):
    raise ERRORS[kind]


urlpatterns = [path("fails/<str:kind>/", _raises)]


@override_settings(ROOT_URLCONF=__name__)  # these views, and config.urls' handler500
def _request_failing_with(kind: str):
    return Client(raise_request_exception=False).get(f"/fails/{kind}/")


@pytest.mark.parametrize("kind", ["operational", "interface"])
def test_database_error_in_a_view_answers_503_saying_so(db, kind):
    response = _request_failing_with(kind)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "The database is not answering; try again in a minute." in page
    assert "Nothing you entered was saved." in page


def test_other_errors_keep_the_500_page(db):
    response = _request_failing_with("bug")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "Retry-After" not in response


def test_database_down_while_loading_the_session_answers_503(db):
    # In an outage a signed-in request first meets the database in a middleware (the session),
    # before any view runs: the handler answers 503 there too.
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.load",
        side_effect=OperationalError("the database system is shutting down"),
    ):
        response = client.get("/")
    assert response.status_code == 503
    assert "The database is not answering" in response.content.decode()
