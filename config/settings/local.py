"""Developer machine and `make run`: debug on, email printed to the console."""

from config import env

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = env.str_(
    "DJANGO_SECRET_KEY", default="local-only-insecure-key-0f9b1c5e7a2d4c8b9e3f6a1d2c7b8e4f"
)
ALLOWED_HOSTS = env.list_("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
