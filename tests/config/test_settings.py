"""Production settings refuse to start half-configured and pass Django's deployment checks."""

import json
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
    "DJANGO_SITE_URL": "https://fellowship.example.org",
    "DATABASE_URL": "postgres://fellowship@127.0.0.1:5432/fellowship",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def manage(
    *args: str,
    drop: str | None = None,
    env: dict[str, str] = PRODUCTION_ENV,
    settings_module: str = "config.settings.production",
) -> subprocess.CompletedProcess:
    # A clean environment (production's by default): nothing inherited from the test run (the
    # browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly rejects).
    inherited = {"PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV"}
    clean = {k: v for k, v in os.environ.items() if k in inherited}
    clean |= {k: v for k, v in env.items() if k != drop}
    clean["DJANGO_SETTINGS_MODULE"] = settings_module
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
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


# The dummy values of the Makefile's `deploy-check` target.
DEPLOY_CHECK_ENV = {
    "DJANGO_SECRET_KEY": "ci-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP",
    "DJANGO_SIGNING_KEY": "ci-only-signing-0123456789abcdefghijklmnopqrstuvwxyz",
    "DJANGO_ALLOWED_HOSTS": "fellowship.example.org",
    "DJANGO_SITE_URL": "https://fellowship.example.org",
    "DATABASE_URL": "postgres://fellowship@127.0.0.1:5432/fellowship",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
NO_DEMO_IN_PRODUCTION = """
import json, sys
import django
django.setup()
import config.urls  # every app's URLs, views and the modules they import
from django.apps import apps
from django.conf import settings
print(json.dumps({
    "installed": "demo" in settings.INSTALLED_APPS or apps.is_installed("demo"),
    "transfer": apps.is_installed("transfer"),
    "modules": sorted(m for m in sys.modules if m == "demo" or m.startswith("demo.")),
}))
"""


def test_production_never_installs_or_imports_the_demo():
    """The demo logins have a published password: production must not even load the code."""
    inherited = {"PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k in inherited} | DEPLOY_CHECK_ENV
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    result = subprocess.run(
        [sys.executable, "-c", NO_DEMO_IN_PRODUCTION],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"installed": False, "transfer": True, "modules": []}


def test_seed_demo_is_unknown_under_production_settings():
    result = manage("seed_demo")
    assert result.returncode != 0
    assert "Unknown command: 'seed_demo'" in result.stderr


def _settings_value(name: str, settings_module: str, env: dict[str, str]):
    code = f"from django.conf import settings; print(settings.{name})"
    return manage("shell", "-c", code, env=env, settings_module=settings_module)


def test_make_run_links_follow_the_port_it_was_started_with():
    result = _settings_value("SITE_URL", "config.settings.local", {"PORT": "8123"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8123"


def test_production_links_use_the_configured_site_url():
    env = PRODUCTION_ENV | {"DJANGO_SITE_URL": "https://gme.example.edu", "PORT": "8123"}
    result = _settings_value("SITE_URL", "config.settings.production", env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "https://gme.example.edu"


def test_production_refuses_a_site_url_without_its_scheme():
    env = PRODUCTION_ENV | {"DJANGO_SITE_URL": "fellowship.example.org"}
    result = _settings_value("SITE_URL", "config.settings.production", env)
    assert result.returncode != 0
    assert "DJANGO_SITE_URL must be the site's address" in result.stderr
