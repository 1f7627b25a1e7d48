"""FELLOWSHIP_TEST_CLOCK moves "now" for the test settings and every process started under them."""

import os
import subprocess
import sys
import time

from time_machine import escape_hatch

from tests.clock import parse
from tests.config.test_settings import ROOT


def test_a_process_under_the_test_settings_starts_at_the_configured_instant():
    env = {k: v for k, v in os.environ.items() if not k.startswith("FELLOWSHIP_TEST_CLOCK")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "FELLOWSHIP_TEST_CLOCK": "2031-02-28T23:30:00-06:00",
    }
    code = (
        "import datetime, time; from django.utils import timezone; "
        "print(timezone.now().isoformat()); print(datetime.date.today()); time.sleep(0.2); "
        "print(timezone.now().isoformat())"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    first, today, later = result.stdout.split()[-3:]
    assert first.startswith("2031-03-01T05:3")  # the instant, in UTC
    assert today == "2031-03-01"
    assert later > first  # the clock keeps ticking


def _real_time() -> float:
    # Under FELLOWSHIP_TEST_CLOCK this process's own clock is shifted too.
    return escape_hatch.time.time() if escape_hatch.is_travelling() else time.time()


def test_a_process_started_later_in_the_run_agrees_with_the_run_about_the_time():
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "FELLOWSHIP_TEST_CLOCK": "2031-02-28T23:30:00-06:00",
        # The run reached that instant 600 real seconds ago.
        "FELLOWSHIP_TEST_CLOCK_STARTED": repr(_real_time() - 600),
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.utils import timezone; print(timezone.now().isoformat())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.split()[-1].startswith("2031-03-01T05:40")


def test_an_instant_without_an_offset_is_utc():
    assert parse("2030-01-01T00:00").utcoffset().total_seconds() == 0


def test_the_hard_instants_are_ahead_and_land_where_they_should():
    import datetime

    from tests.clock import hard_instants

    new_year, year_end, dst, leap = (parse(i) for i in hard_instants(datetime.date(2026, 12, 2)))
    assert new_year.date() == datetime.date(2027, 1, 1) and new_year.hour == 4  # Dec 31 in NY
    assert year_end.date() == datetime.date(2027, 7, 1)
    assert dst.date() == datetime.date(2027, 3, 14)  # the second Sunday of March 2027
    assert leap.date() == datetime.date(2028, 2, 29)
