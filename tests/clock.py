"""Shift "now" for a whole test run, to prove no test depends on today's date or the hour.

    FELLOWSHIP_TEST_CLOCK=2027-02-28T23:30:00-06:00 make test

The test settings call ``travel()`` with that value, so the pytest process and every process the
tests start under those settings (the Celery worker, ``manage.py`` commands, gunicorn) begin at
that instant and keep ticking. time-machine patches the C-level clock, so the live server's
threads see it too; ``time.monotonic`` is left alone, so waits and timeouts stay real. A value
without an offset is UTC. Browsers keep their real clock: pages compute "today" on the server.
"""

import datetime

import time_machine

_traveller: time_machine.travel | None = None


def parse(value: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(value.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def travel(value: str) -> datetime.datetime | None:
    """Travel to ``value`` (an ISO date-time) once per process; None when ``value`` is empty."""
    global _traveller
    if not value.strip():
        return None
    moment = parse(value)
    if _traveller is None:
        _traveller = time_machine.travel(moment, tick=True)
        _traveller.start()
    return moment
