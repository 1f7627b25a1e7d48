"""Developer machine and `make run`: debug on, email printed to the console."""

from config import env

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

DEBUG = True
SECRET_KEY = env.str_(
    "DJANGO_SECRET_KEY", default="local-only-insecure-key-0f9b1c5e7a2d4c8b9e3f6a1d2c7b8e4f"
)
# Seals signatures (assessments.seals); production reads its own from DJANGO_SIGNING_KEY.
SIGNING_KEY = env.str_(
    "DJANGO_SIGNING_KEY", default="local-only-insecure-signing-key-5d2a9c7e1b4f8a3d6c0e2b7f9a1c4e8d"
)
ALLOWED_HOSTS = env.list_("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# Demo and scale seeding (`seed_demo`): developer machines and tests only, never production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]
