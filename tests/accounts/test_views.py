"""Sign-in, password reset, closed sign-up and MFA, through allauth as configured here."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory

LOGIN_URL = "/accounts/login/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", [LOGIN_URL, "/accounts/password/reset/", "/accounts/signup/", "/healthz"]
)
def test_public_pages_stay_reachable_with_login_required_middleware(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_any_other_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


@pytest.mark.django_db
def test_signup_is_closed(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "walk-in@example.test",
            "password1": "Sup3r-secret!",
            "password2": "Sup3r-secret!",
        },
    )
    assert b"Sign Up Closed" in response.content or b"closed" in response.content.lower()
    from accounts.models import User

    assert not User.objects.filter(email="walk-in@example.test").exists()


@pytest.mark.django_db
def test_login_with_email_and_password(client):
    user = UserFactory(email="fellow@example.test")
    response = client.post(LOGIN_URL, {"login": "fellow@example.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response.wsgi_request.user == user


@pytest.mark.django_db
def test_wrong_password_shows_a_clear_error_and_does_not_sign_in(client):
    UserFactory(email="fellow@example.test")
    response = client.post(LOGIN_URL, {"login": "fellow@example.test", "password": "wrong"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_password_reset_sends_a_link_and_does_not_reveal_unknown_addresses(client):
    UserFactory(email="known@example.test")
    known = client.post("/accounts/password/reset/", {"email": "known@example.test"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.test"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    reset_mails = [m for m in mail.outbox if "known@example.test" in m.to]
    assert len(reset_mails) == 1
    assert "/accounts/password/reset/key/" in reset_mails[0].body


@pytest.mark.django_db
def test_totp_setup_is_available_to_every_signed_in_user(client):
    client.force_login(UserFactory())
    assert client.get(reverse("mfa_index")).status_code == 200

    # Turning MFA on asks for the password again first (allauth reauthentication).
    first = client.get(reverse("mfa_activate_totp"))
    assert first.status_code == 302 and "reauthenticate" in first["Location"]
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert b"data:image/svg" in response.content  # the QR code to scan
