"""pytest: fast hashing, in-memory mail and cache, Celery eager unless a test runs a real worker."""

from config import env

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS, REDIS_URL

SECRET_KEY = "test-only-key-7c1f2e9a4b6d8f0a3c5e7b9d1f2a4c6e8b0d2f4a"  # noqa: S105
SIGNING_KEY = "test-only-signing-key-3e8b1d6f0a2c4e7b9d1f3a5c7e9b2d4f6a8c0e1b"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
SITE_URL = "http://testserver"  # emailed links in tests, whatever PORT the shell has
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# pytest-django and `flush` empty tables with TRUNCATE between tests; on PostgreSQL the audit
# table refuses it unless the session opts out (audit/migrations/0003_refuse_truncate.py).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c fellowship.audit_truncate=allow"
        # Tests never need a commit on disk before the next statement: not waiting for the WAL
        # flush makes the browser tests' many small commits cheaper (a crash loses nothing here).
        " -c synchronous_commit=off"
    ).strip()

# Unit tests run tasks in-process. The integration tests turn eagerness off and talk to a real
# worker on Redis, on a queue of their own so a developer's `make run` worker never takes them.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_DEFAULT_QUEUE = "fellowship-test"

# Tests can tell whether they are on PostgreSQL and whether CI demands real services.
RUNNING_IN_CI = env.bool_("CI", default=False)

# FELLOWSHIP_TEST_CLOCK=2027-02-28T23:30:00-06:00 runs the whole suite (and the processes it
# starts under these settings) at that instant: no test may depend on today's date or the hour.
TEST_CLOCK = env.str_("FELLOWSHIP_TEST_CLOCK", default="")
if TEST_CLOCK:
    from tests.clock import travel

    travel(TEST_CLOCK)

# Demo and scale seeding (`seed_demo`): developer machines and tests only, never production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]
