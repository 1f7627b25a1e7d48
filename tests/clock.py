"""Shift "now" for a whole test run, to prove no test depends on today's date or the hour.

    FELLOWSHIP_TEST_CLOCK=2027-02-28T23:30:00-06:00 make test

The test settings call ``travel()`` with that value, so the pytest process and every process the
tests start under those settings (the Celery worker, ``manage.py`` commands) run on the shifted
clock. The first process records when (in real time) it arrived at that instant; the processes
it starts inherit the record and apply the same offset, so a worker started twenty minutes
into the run agrees with the tests about the time. time-machine patches the C-level clock, so
the live server's threads follow too; ``time.monotonic`` is left alone, so waits and timeouts
stay real. A value without an offset is UTC. Browsers keep their real clock (pages compute
"today" on the server), and they judge cookie expiry by it: an instant before the real date
would expire every session cookie as it is set, so it is refused.
"""

import datetime
import os
import time

import time_machine

# Set by the first process of the run: the real time at which the clock stood at the instant.
STARTED_VARIABLE = "FELLOWSHIP_TEST_CLOCK_STARTED"
_traveller: time_machine.travel | None = None


def parse(value: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(value.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def travel(value: str) -> datetime.datetime | None:
    """Run this process on the shifted clock; returns the run's instant (None when unset)."""
    global _traveller
    if not value.strip():
        return None
    moment = parse(value)
    if _traveller is None:
        real_now = time.time()
        if moment.timestamp() < real_now - 86400:
            raise ValueError(f"FELLOWSHIP_TEST_CLOCK={value} is in the past; choose a later one")
        started = float(os.environ.setdefault(STARTED_VARIABLE, repr(real_now)))
        here = moment + datetime.timedelta(seconds=real_now - started)
        _traveller = time_machine.travel(here, tick=True)
        _traveller.start()
    return moment


def hard_instants(today: datetime.date | None = None) -> list[str]:
    """Instants that catch date and hour assumptions, all after ``today``: New Year's Eve evening
    in the Americas (already January 1 in UTC), the academic year's last evening (July 1 in UTC),
    the US spring daylight-saving change, and the next leap day. ``make test-clocks`` runs each.
    """
    today = today or datetime.date.today()
    year = today.year + 1
    dst = next(
        datetime.date(year, 3, day)
        for day in range(8, 15)
        if datetime.date(year, 3, day).weekday() == 6
    )
    leap = next(y for y in range(year, year + 8) if y % 4 == 0 and (y % 100 or y % 400 == 0))
    return [
        f"{year}-01-01T04:30:00Z",
        f"{year}-07-01T04:45:00Z",
        f"{dst.isoformat()}T07:30:00Z",
        f"{leap}-02-29T12:00:00Z",
    ]


if __name__ == "__main__":
    print(" ".join(hard_instants()))
