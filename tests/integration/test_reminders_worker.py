"""Reminders end to end: a real Celery worker (and beat) on Redis, against the PostgreSQL test
database, sending through a real SMTP server (aiosmtpd) listening on 127.0.0.1 in the test.

Skipped on a bare developer machine; a failure in CI (``real_broker`` calls require_service).
"""

import asyncio
import email
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
from aiosmtpd.controller import Controller

from config.celery_app import app
from reminders.models import Delivery, NotificationPreference, Reminder
from tests.integration.test_celery_worker import ROOT, real_broker, test_database_url  # noqa: F401
from tests.reminders import scenario
from tests.reminders.factories import NotificationPreferenceFactory, ReminderFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
WAIT_SECONDS = 90
LEASE_SECONDS = 3
SITE = "http://testserver"

# Runs inside the worker process: the test settings, but mail through the test's SMTP server,
# tasks on the test's own queue, a short claim lease and (optionally) a fast beat schedule.
LAUNCHER = f"""
import os
import django
django.setup()
from django.conf import settings
settings.MAILERS = {{"default": {{"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "OPTIONS": {{"host": "127.0.0.1", "port": int(os.environ["SINK_PORT"]), "timeout": 30}}}}}}
settings.REMINDERS_CLAIM_LEASE_SECONDS = {LEASE_SECONDS}
settings.SITE_URL = "{SITE}"
from config.celery_app import app
queue = os.environ["QUEUE"]
app.conf.task_always_eager = False
app.conf.task_default_queue = queue
app.conf.worker_prefetch_multiplier = 1
app.conf.broker_transport_options = {{"visibility_timeout": 10}}
argv = ["worker", "--pool=solo", "--queues", queue, "--hostname", queue + "@%h",
        "--without-mingle", "--without-gossip", "--loglevel=INFO"]
beat = float(os.environ.get("BEAT_SECONDS", "0"))
if beat:
    app.conf.beat_schedule = {{"sweep-reminders": {{"task": "reminders.tasks.sweep_reminders",
        "schedule": beat, "options": {{"queue": queue}}}}}}
    argv += ["--beat", "--schedule", os.environ["BEAT_FILE"]]
app.worker_main(argv)
"""


class Sink:
    """aiosmtpd handler: records every accepted message; can hold one MAIL FROM on demand."""

    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.mail_count = 0
        self.hold_at = None
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_count += 1
        if self.mail_count == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def sink():
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield handler, controller.port
    handler.release.set()
    controller.stop()


@pytest.fixture
def start_worker(real_broker, sink, tmp_path):  # noqa: F811
    queue = f"fellowship-it-{uuid.uuid4().hex[:10]}"
    processes = []

    def start(beat_seconds: float = 0):
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": real_broker,
            "SINK_PORT": str(sink[1]),
            "QUEUE": queue,
            "BEAT_SECONDS": str(beat_seconds),
            "BEAT_FILE": str(tmp_path / f"beat-{len(processes)}"),
        }
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)
        return process

    yield queue, start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait(condition, process, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            process.terminate()
            output = process.communicate(timeout=20)[0]
            pytest.fail(f"{what} within {WAIT_SECONDS}s:\n{output[-6000:]}")
        time.sleep(0.25)


def _body(message: email.message.Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    return ""


def test_beat_triggered_sweep_sends_one_digest_each_with_working_links(ours, sink, start_worker):
    handler, _ = sink
    scenario.build(ours)
    for role in ("director", "coordinator", "faculty", "fellow"):
        NotificationPreferenceFactory(user=ours.user(role), digest_hour=0)
    _queue, start = start_worker
    # Beat sends the sweep by its scheduled name every 4 s: slower than a sweep takes on a loaded
    # machine, so sweeps never pile up in the queue ahead of the emails they enqueue.
    worker = start(beat_seconds=4)

    _wait(lambda: len(handler.messages) >= 4, worker, "four digests did not arrive")
    time.sleep(10)  # two more beat-triggered sweeps: nothing new may be sent
    assert not Reminder.objects.exclude(status="sent").exists()

    people = {
        ours.user(role).email: ours.user(role)
        for role in ("director", "coordinator", "faculty", "fellow")
    }
    recipients = sorted(m["To"] for m in handler.messages)
    assert recipients == sorted(people)  # one digest each, nobody else
    assert len(set(handler.message_ids())) == 4
    from django.test import Client

    for message in handler.messages:
        user = people[message["To"]]
        body = _body(message)
        assert message.get_content_type() == "multipart/alternative"
        subjects = list(Reminder.objects.filter(recipient=user).values_list("subject", flat=True))
        assert subjects and all(subject in body for subject in subjects)
        links = re.findall(rf"{SITE}(/programs/\d+/notifications/open/[^/\s]+/)", body)
        assert len(links) == len(subjects)
        assert f"{SITE}/programs/{ours.program.pk}/notifications/preferences/" in body
        client = Client()
        anonymous = client.get(links[0])
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
        client.force_login(user)
        for link in links:
            opened = client.get(link)
            assert opened.status_code == 302, link
            assert client.get(opened["Location"]).status_code == 200, opened["Location"]
        assert not Reminder.objects.filter(recipient=user, read_at__isnull=True).exists()


def test_killing_the_worker_midway_then_running_again_delivers_each_exactly_once(
    ours, sink, start_worker
):
    handler, _ = sink
    NotificationPreference.objects.create(user=ours.faculty, delivery="immediate")
    reminders = [
        ReminderFactory(program=ours.program, recipient=ours.faculty, channel="immediate")
        for _ in range(10)
    ]
    handler.hold_at = 5  # the fifth email hangs at MAIL FROM: the worker is mid-send
    queue, start = start_worker
    worker = start()
    app.send_task("reminders.tasks.sweep_reminders", queue=queue)
    _wait(handler.holding.is_set, worker, "the worker never reached the fifth email")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=20)
    handler.release.set()
    assert len(handler.messages) == 4
    assert Delivery.objects.filter(status="sending").count() == 1  # claimed, never accepted

    time.sleep(LEASE_SECONDS + 1)  # the dead worker's claim is now stale
    worker = start()
    app.send_task("reminders.tasks.sweep_reminders", queue=queue)
    _wait(
        lambda: Delivery.objects.filter(status="sent").count() == len(reminders),
        worker,
        "not every reminder was delivered after the restart",
    )
    time.sleep(3)  # let redelivered and re-enqueued duplicates run: they must do nothing
    ids = handler.message_ids()
    assert len(ids) == len(set(ids)) == len(reminders)
    assert sorted(m["Subject"] for m in handler.messages) == sorted(
        f"[Fellowship] {r.subject}" for r in reminders
    )
    assert not Reminder.objects.exclude(status="sent").exists()
