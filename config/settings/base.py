"""Settings shared by every environment. Environment values come only through ``config.env``."""

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config import env

BASE_DIR = env.BASE_DIR
VAR_DIR = BASE_DIR / "var"  # git-ignored runtime files: SQLite, embedded broker, beat schedule

# --- Core -------------------------------------------------------------------------------------
DEBUG = False
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
SITE_ID = 1

LANGUAGE_CODE = "en-us"
# The public address every link that leaves the app is built on (core.links): emails, the
# calendar feed, evaluator links. `make run` follows PORT; production requires DJANGO_SITE_URL.
SITE_URL = env.str_("DJANGO_SITE_URL", default=f"http://127.0.0.1:{env.int_('PORT', default=8000)}")
TIME_ZONE = "UTC"  # storage and server time; each program has its own display time zone
USE_I18N = True
USE_TZ = True

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
]
LOCAL_APPS = [
    "core",
    "accounts",
    "curriculum",
    "trainees",
    "assessments",
    "procedures",
    "reminders",
    "didactics",
    "evaluators",
    "boards",
    "workhours",
    "surveys",
    "portfolio",
    "program_evaluation",
    "dashboard",
    "audit",
    "transfer",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.TimezoneResetMiddleware",  # programs switch to their own zone (program_for)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.NoStoreMiddleware",  # signed-in pages and CSV downloads: never cached
    "audit.context.AuditContextMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.RequireMfaMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reminders.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# PostgreSQL whenever DATABASE_URL is set; otherwise an embedded SQLite file so `make run` needs
# no server. Production overrides this without a default.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- Auth and allauth -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "curriculum:home"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"  # closes open sign-up
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"  # addresses are confirmed by the invitation link instead
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Fellowship] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Fellowship"
# Throttling (allauth, counted in the cache; "ip" is core.client_address, see
# TRUSTED_PROXY_COUNT). Five wrong passwords for one email address lock that account for 15
# minutes, even with the right password, at the password and the two-factor step alike; one
# email address gets at most three reset emails in 15 minutes. The per-IP limits stop one
# machine guessing across many accounts. Failed sign-ins per IP are an entry of our own,
# applied by accounts.adapters.AccountAdapter: a right password then still gets through the
# IP lock when a second factor follows (allauth would apply "login_failed" per IP at the
# two-factor step too, and refuse the code).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/15m/key",
    "login_failed_ip": "10/m/ip",
    "reset_password": "10/m/ip,3/15m/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
}

# How many reverse proxies in front of the app append to X-Forwarded-For (0: none, the header is
# ignored). core.client_address reads it; the login throttle and the audit trail use that answer.
TRUSTED_PROXY_COUNT = env.int_("DJANGO_TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be 0 or a positive number.")

SESSION_COOKIE_AGE = 60 * 60 * 12  # absolute: a clinical working day, counted from sign-in
SESSION_IDLE_TIMEOUT = 60 * 60  # and signed out after an hour without a request (shared PCs)
SESSION_COOKIE_HTTPONLY = True

# Request bodies, refused with a message when larger (core.middleware.RequestSizeLimitMiddleware):
# a form without files at most 2 MB; a file upload (multipart) at most MAX_UPLOAD_BYTES, the
# largest file any form takes (a didactics resource: slides are big). Each form then holds its
# own file to its own, smaller or equal, limit (CSV imports, milestone files).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # form fields only, never the files
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # a larger file is spooled to disk, not refused
MAX_REQUEST_BODY_BYTES = 2 * 1024 * 1024 + 64 * 1024  # a request without files
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # a file in a multipart request
MAX_UPLOAD_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024  # that file plus the form around it

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Forms and UI -----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content Security Policy (Django's built-in): everything from our own origin, no inline script.
# data: images are Bootstrap's inline SVG icons and allauth's TOTP QR code.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Email ------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str_("DJANGO_DEFAULT_FROM_EMAIL", default="Fellowship <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------------
# Redis when REDIS_URL is set; otherwise kombu's filesystem transport, an embedded broker that
# needs no server (local development and `make run` only).
REDIS_URL = env.str_("REDIS_URL", default="")
BROKER_DIR = VAR_DIR / "broker"
# Every Redis connection has a connect and a read timeout. Without them a Redis that accepts
# connections but never answers (hung, swapped out, SIGSTOPped) blocks a publish forever: "send
# now" then holds a web worker until gunicorn kills it at 30 s. With them a hung broker fails like
# a refused one, within a few seconds, and core.queue.enqueue leaves the work in the database for
# the next sweep. The read timeout is above kombu's 1 s BRPOP poll, so idle workers are unaffected.
REDIS_CONNECT_TIMEOUT = 2  # seconds
REDIS_SOCKET_TIMEOUT = 2  # seconds
# Set for every transport (the filesystem and memory ones ignore the socket keys), so a process
# that is pointed at Redis later (the integration tests) gets the same bounds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    # redis-py must not repeat a timed-out command by itself: the publish retry policy below is
    # the only retry, so the worst case stays bounded.
    "retry_on_timeout": False,
    # Opening a producer's connection: one attempt (kombu would otherwise retry, waiting 2 s
    # between tries). Workers are not affected: they reconnect under
    # CELERY_BROKER_CONNECTION_MAX_RETRIES (Celery passes it explicitly).
    "max_retries": 0,
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "control_folder": str(BROKER_DIR / "control"),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# broker_connection_retry stays on (the default): it is what makes a *worker* reconnect after
# Redis restarts. Web-side publishing is bounded by the timeouts above and the policy below.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
# No publish retry: a retry against a hung broker costs another connect, ping and read timeout
# (6 s in all, measured), and buys nothing the sweep does not already give. A Redis restart needs
# no retry either: redis-py reconnects a pooled connection the server closed when it is taken out
# of the pool. So a publish gives up after one socket timeout, about 2 s.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True  # tasks record their effects in the database
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "purge-expired-sessions": {
        "task": "accounts.tasks.purge_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    # End-of-rotation evaluations for blocks that have ended (idempotent: one per block).
    "create-rotation-evaluations": {
        "task": "assessments.tasks.create_rotation_evaluations",
        "schedule": crontab(hour=2, minute=41),
    },
    # Confidential evaluations: fellows an open collection calls for since it was scheduled.
    "sync-confidential-invitations": {
        "task": "surveys.tasks.sync_invitations",
        "schedule": crontab(hour=2, minute=53),
    },
    # Fellows' requests nobody started within the program's expiry (idempotent).
    "expire-assessment-requests": {
        "task": "assessments.tasks.expire_requests",
        "schedule": crontab(minute=23),  # hourly: each program's expiry is in days
    },
    # Reminders: ledger first, then email (idempotent; see reminders/services/sweep.py).
    "sweep-reminders": {
        "task": "reminders.tasks.sweep_reminders",
        "schedule": crontab(minute="*/15"),
    },
    # Only the hand-over step of the sweep: email lost with a worker or the broker is handed
    # over again within about two minutes of them being back (claim lease + one tick).
    "enqueue-due-deliveries": {
        "task": "reminders.tasks.enqueue_due_deliveries",
        "schedule": crontab(),  # every minute
    },
}

# --- Reminders --------------------------------------------------------------------------------
REMINDERS_BATCH_SIZE = 1000  # rows per sweep query: queries grow with batches, not people
# One send is hard-killed after this (the SMTP timeout is 20 s per operation in production), so
# a "sending" row whose claim is older than the lease has lost its worker.
REMINDERS_SEND_TIME_LIMIT_SECONDS = 45
REMINDERS_CLAIM_LEASE_SECONDS = REMINDERS_SEND_TIME_LIMIT_SECONDS + 15
REMINDERS_MAX_ATTEMPTS = 6  # SMTP attempts before a delivery is recorded as failed
REMINDERS_RETRY_BASE_SECONDS = 60  # back-off: 1, 2, 4, 8, 16 minutes
# After that, the sweep tries a failed delivery again hourly while it is younger than a day.
REMINDERS_FAILED_RETRY_SECONDS = 60 * 60
REMINDERS_FAILED_RETRY_HOURS = 24
REMINDERS_LINK_MAX_AGE_DAYS = 60  # signed links in emails expire
REMINDERS_MESSAGE_ID_DOMAIN = "reminders.fellowship"

# --- Behaviour switches -----------------------------------------------------------------------
SEED_DEMO_ALLOWED = True  # production turns this off: demo accounts have a published password

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
