"""Production: every secret and address comes from the environment, with no default.

A missing DJANGO_SECRET_KEY, DJANGO_SIGNING_KEY, DJANGO_ALLOWED_HOSTS, DJANGO_SITE_URL, DATABASE_URL
or REDIS_URL raises ImproperlyConfigured, so the process stops at start-up instead of running
half-configured.
"""

from django.core.exceptions import ImproperlyConfigured
from psycopg_pool import ConnectionPool

from config import env

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env.str_("DJANGO_SECRET_KEY")
# The key that seals signatures (assessments.seals). Kept apart from SECRET_KEY, and never in
# the database, so someone who can write to the database still cannot forge or alter a signature.
SIGNING_KEY = env.str_("DJANGO_SIGNING_KEY")
if len(SIGNING_KEY) < 32 or SIGNING_KEY == SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SIGNING_KEY must be at least 32 characters and differ from DJANGO_SECRET_KEY."
    )
ALLOWED_HOSTS = env.list_("DJANGO_ALLOWED_HOSTS")
# Where emailed links point (core.links); no default: a wrong host in every email is worse than
# not starting.
SITE_URL = env.str_("DJANGO_SITE_URL")
if not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        "DJANGO_SITE_URL must be the site's address with its scheme, e.g. https://fellowship.example.org"
    )
CSRF_TRUSTED_ORIGINS = env.list_("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# psycopg 3 connection pool; Django requires CONN_MAX_AGE = 0 with it. ``check`` tests a pooled
# connection before handing it out, so a PostgreSQL restart costs no failed request once the server
# is back.
#
# While PostgreSQL is down or not answering, a request fails within about 2 s with the 503 page
# (core.views.server_error) instead of hanging 5-10 s:
# - ``connect_timeout``: libpq gives up on a server that does not complete the connection (2 s is
#   libpq's smallest effective value);
# - pool ``timeout``: how long a request waits for a pooled connection;
# - pool ``reconnect_timeout``: how long the pool keeps retrying one lost connection in the
#   background, with back-off (1, 2, 4 s...), before giving up on it. Kept short because the
#   back-off, not the server, is what delayed recovery (~4.5 s after the server was back): once an
#   attempt gives up, the next request starts a new one at once.
# - ``statement_timeout``: no query holds a worker (and its locks) longer than 30 s; gunicorn
#   would kill the worker at 30 s anyway, leaving the query running. It applies to every process
#   under these settings, Celery tasks and commands included; none needs longer today. A migration
#   that does (an index on a large table) fails, rolled back, and is run again with
#   DJANGO_DB_STATEMENT_TIMEOUT=0 (no limit).
DB_CONNECT_TIMEOUT = 2  # seconds
DB_STATEMENT_TIMEOUT = env.int_("DJANGO_DB_STATEMENT_TIMEOUT", default=30)  # seconds, 0 = none
DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = 0
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["connect_timeout"] = DB_CONNECT_TIMEOUT
_db_options["options"] = " ".join(
    filter(None, [_db_options.get("options", ""), f"-c statement_timeout={DB_STATEMENT_TIMEOUT}s"])
)
_db_options["pool"] = {
    "min_size": env.int_("DJANGO_DB_POOL_MIN", default=2),
    "max_size": env.int_("DJANGO_DB_POOL_MAX", default=10),
    "timeout": env.int_("DJANGO_DB_POOL_TIMEOUT", default=2),
    "reconnect_timeout": 3,
    "check": ConnectionPool.check_connection,
}

REDIS_URL = env.str_("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
# The cache holds login rate limits and signing lock-outs: it lives in PostgreSQL, not Redis, so
# the web app keeps working (and keeps those protections) while Redis is down. Deployments run
# `manage.py createcachetable` after migrating.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
}

# --- HTTPS and cookies (TLS terminates at the reverse proxy, which sets X-Forwarded-Proto) ---
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool_("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int_("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# WhiteNoise serves the collected, hashed static files right after SecurityMiddleware.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Email through SMTP (Django 6.1 MAILERS); DJANGO_EMAIL_URL such as smtp+tls://user:pw@host:587.
_email = env.email_url("DJANGO_EMAIL_URL", default="smtp://localhost:25")
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _email["EMAIL_HOST"],
            "port": _email["EMAIL_PORT"],
            "username": _email["EMAIL_HOST_USER"],
            "password": _email["EMAIL_HOST_PASSWORD"],
            "use_tls": bool(_email.get("EMAIL_USE_TLS", False)),
            "use_ssl": bool(_email.get("EMAIL_USE_SSL", False)),
            "timeout": 20,
        },
    }
}

SEED_DEMO_ALLOWED = False
