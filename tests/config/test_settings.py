"""Production settings refuse to start half-configured and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "test-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS",
    "DJANGO_SIGNING_KEY": "test-signing-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH",
    "DJANGO_ALLOWED_HOSTS": "fellowship.example.org",
    "DATABASE_URL": "postgres://fellowship@127.0.0.1:5432/fellowship",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args: str, drop: str | None = None) -> subprocess.CompletedProcess:
    # A clean production environment: nothing inherited from the test run (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly rejects).
    inherited = {"PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k in inherited}
    env |= {k: v for k, v in PRODUCTION_ENV.items() if k != drop}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_production_refuses_to_start_without(missing):
    result = manage("check", drop=missing)
    assert result.returncode != 0
    assert missing in result.stderr and "ImproperlyConfigured" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_security_settings():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0,"
        " 'django.middleware.csp.ContentSecurityPolicyMiddleware' in s.MIDDLEWARE,"
        " bool(s.SECURE_CSP), s.SEED_DEMO_ALLOWED, s.DEBUG)"
    )
    result = manage("shell", "-c", code)
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "False",
        "False",
    ]
