from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

if TYPE_CHECKING:
    from .models import User


def session_purge_expired(*, now: datetime | None = None) -> int:
    """Delete expired login sessions; returns how many were removed. Safe to run repeatedly."""
    now = now or timezone.now()
    with transaction.atomic():
        deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted


def user_ensure(*, email: str, full_name: str, password: str) -> tuple["User", bool]:
    """Return the user with this email, creating it with ``password`` if absent.

    An existing user is left exactly as it is (seeding twice changes nothing).
    """
    from .models import User

    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is not None:
            return user, False
        user = User(email=email, full_name=full_name.strip())
        user.set_password(password)
        user.full_clean()
        user.save()
    return user, True
