from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import User
from accounts.services import session_purge_expired, user_ensure


def make_session(*, expires_in: timedelta) -> str:
    store = SessionStore()
    store["marker"] = 1
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


@pytest.mark.django_db
def test_session_purge_expired_removes_only_expired_sessions():
    expired = make_session(expires_in=timedelta(hours=-1))
    live = make_session(expires_in=timedelta(hours=1))

    assert session_purge_expired() == 1

    assert not Session.objects.filter(pk=expired).exists()
    assert Session.objects.filter(pk=live).exists()
    assert session_purge_expired() == 0  # idempotent


@pytest.mark.django_db
def test_user_ensure_creates_once_and_never_touches_an_existing_user():
    user, created = user_ensure(
        email=" New@Example.test ", full_name="Dr. New", password="pw-1-abc"
    )
    assert created and user.email == "new@example.test" and user.check_password("pw-1-abc")

    again, created_again = user_ensure(email="new@example.test", full_name="Other", password="x")
    assert not created_again and again.pk == user.pk
    again.refresh_from_db()
    assert again.full_name == "Dr. New" and again.check_password("pw-1-abc")
    assert User.objects.count() == 1
