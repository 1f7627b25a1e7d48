"""The admin has no way around allauth: no password-only login, the same rate limits, and
two-factor authentication for every staff account."""

import time

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth import SESSION_KEY

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN_URL = "/accounts/login/"


def _superuser_with_totp():
    user = UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_posting_a_superusers_password_to_the_admin_login_signs_nobody_in(client):
    user, _ = _superuser_with_totp()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN_URL}?next=")
    assert SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_signed_in_staff_member_cannot_switch_to_another_account_through_the_admin_form(
    client,
):
    staff, secret = _superuser_with_totp()
    other = UserFactory(email="other-root@example.test", is_staff=True, is_superuser=True)
    client.post(LOGIN_URL, {"login": staff.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    client.post("/admin/login/", {"username": other.email, "password": PASSWORD})
    assert client.session[SESSION_KEY] == str(staff.pk)


def test_the_admin_opens_only_after_the_two_factor_step(client):
    user, secret = _superuser_with_totp()
    first = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD, "next": "/admin/"})
    assert first.status_code == 302 and "/accounts/2fa/authenticate/" in first["Location"]
    assert SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 302  # password alone: still outside

    second = client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    assert second.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.get("/admin/").status_code == 200


def test_staff_without_two_factor_are_sent_to_set_it_up_instead_of_the_admin(client):
    staff = UserFactory(email="staff@example.test", is_staff=True, is_superuser=True)
    client.force_login(staff)
    index = client.get("/admin/")
    assert index.status_code == 302 and index["Location"].startswith("/admin/login/")
    login = client.get(index["Location"])
    assert login.status_code == 302 and login["Location"] == "/accounts/2fa/"
    assert "two-factor" in client.get(login["Location"]).content.decode()
    assert client.get("/admin/accounts/user/").status_code == 302


def test_members_who_are_not_staff_are_refused(client):
    client.force_login(UserFactory())
    assert client.get("/admin/login/").status_code == 403


def test_wrong_passwords_for_the_admin_meet_the_login_throttle(client):
    user, _ = _superuser_with_totp()
    for attempt in range(5):
        client.post(LOGIN_URL, {"login": user.email, "password": f"guess-{attempt}"})
    refused = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    assert "Too many failed login attempts" in refused.content.decode()
    # The admin's own form is no side door: it checks no password at all.
    client.post("/admin/login/", {"username": user.email, "password": PASSWORD})
    assert SESSION_KEY not in client.session


def test_an_offsite_next_is_dropped(client):
    user, secret = _superuser_with_totp()
    client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": _code(secret)})
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/admin/"
