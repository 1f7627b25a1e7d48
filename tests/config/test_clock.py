"""FELLOWSHIP_TEST_CLOCK moves "now" for the test settings and every process started under them."""

import os
import subprocess
import sys

from tests.clock import parse
from tests.config.test_settings import ROOT


def test_a_process_under_the_test_settings_starts_at_the_configured_instant():
    env = os.environ | {
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


def test_an_instant_without_an_offset_is_utc():
    assert parse("2030-01-01T00:00").utcoffset().total_seconds() == 0
