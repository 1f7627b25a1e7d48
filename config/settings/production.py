"""Production: every secret and address comes from the environment, with no default.

A missing DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL or REDIS_URL raises
ImproperlyConfigured, so the process stops at start-up instead of running half-configured.
"""

from psycopg_pool import ConnectionPool

from config import env

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env.str_("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list_("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list_("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# psycopg 3 connection pool; Django requires CONN_MAX_AGE = 0 with it. ``check`` tests a pooled
# connection before handing it out, so a PostgreSQL restart costs no failed request once the server
# is back; ``timeout`` bounds how long a request waits while it is down (it then fails with a 500
# page, or 503 from /readyz, instead of hanging).
DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
    "min_size": env.int_("DJANGO_DB_POOL_MIN", default=2),
    "max_size": env.int_("DJANGO_DB_POOL_MAX", default=10),
    "timeout": env.int_("DJANGO_DB_POOL_TIMEOUT", default=5),
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
