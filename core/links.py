"""Absolute links for what leaves the app: emails, the calendar feed, links people are sent.

Built from one setting, ``SITE_URL`` (``DJANGO_SITE_URL``), never from the request that happened to
trigger them: a reminder is built by a worker with no request, and an invitation sent from a page
opened through a proxy or a tunnel would otherwise carry that host.
"""

from django.conf import settings


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse``) on the site's public address."""
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")
