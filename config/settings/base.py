"""Settings shared by every environment. Environment values come only through ``config.env``."""

from celery.schedules import crontab
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
    "dashboard",
    "audit",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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
                "curriculum.context_processors.navigation",
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
# Throttling (allauth, counted in the cache). Five wrong passwords for one address lock that
# address for 15 minutes, even with the right password; one address gets at most three reset
# emails in 15 minutes. The per-IP limits stop one machine guessing across many addresses.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/15m/key",
    "reset_password": "10/m/ip,3/15m/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
}

SESSION_COOKIE_AGE = 60 * 60 * 12  # absolute: a clinical working day, counted from sign-in
SESSION_IDLE_TIMEOUT = 60 * 60  # and signed out after an hour without a request (shared PCs)
SESSION_COOKIE_HTTPONLY = True

# Request bodies: form fields are small; a file upload (CSV, YAML) may be at most 2 MB. Larger
# requests are refused with a message (core.middleware.RequestSizeLimitMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
MAX_REQUEST_BODY_BYTES = 2 * 1024 * 1024 + 64 * 1024  # 2 MB of file plus the form around it

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
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "control_folder": str(BROKER_DIR / "control"),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that enqueues while Redis is down gives up within seconds (core.queue.enqueue
# then leaves the work in the database for the next sweep) instead of hanging.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
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
    # Reminders: ledger first, then email (idempotent; see reminders/services/sweep.py).
    "sweep-reminders": {
        "task": "reminders.tasks.sweep_reminders",
        "schedule": crontab(minute="*/15"),
    },
}

# --- Reminders --------------------------------------------------------------------------------
REMINDERS_BATCH_SIZE = 1000  # rows per sweep query: queries grow with batches, not people
REMINDERS_CLAIM_LEASE_SECONDS = CELERY_TASK_TIME_LIMIT + 60  # a "sending" row older is orphaned
REMINDERS_MAX_ATTEMPTS = 6  # SMTP attempts before a delivery is recorded as failed
REMINDERS_RETRY_BASE_SECONDS = 60  # back-off: 1, 2, 4, 8, 16 minutes
REMINDERS_LINK_MAX_AGE_DAYS = 60  # signed links in emails expire
REMINDERS_SITE_URL = env.str_("DJANGO_SITE_URL", default="http://127.0.0.1:8000")
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
