"""The email allauth sends when a password reset names an address with no account: sign-up is
closed here, so it must send the reader to the program coordinator, not to a sign-up page."""

import pytest
from django.core import mail

from tests.accounts.factories import UserFactory

RESET_URL = "/accounts/password/reset/"


@pytest.mark.django_db
def test_reset_for_an_unknown_address_asks_for_an_invitation_with_no_signup_link(client):
    response = client.post(RESET_URL, {"email": "nobody@example.test"})
    assert response.status_code == 302

    (message,) = mail.outbox
    assert message.to == ["nobody@example.test"]
    assert message.subject == "[Fellowship] No account for this address"
    body = message.body
    assert "There is no account for this address." in body
    assert "nobody@example.test" in body
    assert "ask your program coordinator for an invitation" in body
    assert "/accounts/signup/" not in body
    assert "sign up for an account" not in body
    # No HTML part that could still carry allauth's default link.
    assert not getattr(message, "alternatives", [])


@pytest.mark.django_db
def test_reset_for_a_known_address_still_sends_the_reset_link(client):
    UserFactory(email="known@example.test")
    client.post(RESET_URL, {"email": "known@example.test"})
    (message,) = mail.outbox
    assert "/accounts/password/reset/key/" in message.body
    assert "No account" not in message.subject
