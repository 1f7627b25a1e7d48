"""The client's address behind the TLS proxy: one function decides it (core.client_address), and
the login throttle and the audit trail both use its answer.

The proxy appends the address it saw to X-Forwarded-For; whatever stands to the left of the
entries our own proxies wrote came from the client and proves nothing.
"""

import runpy
import time

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from config import env
from core.client_address import client_address
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.test_security import _shift_allauth_clock

LOGIN_URL = "/accounts/login/"
MFA_URL = "/accounts/2fa/authenticate/"
PROXY = "10.0.0.1"
LOCKED = "Too many failed login attempts"


def _request(xff: str | None = None, remote: str = PROXY):
    headers = {"X-Forwarded-For": xff} if xff is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)


def _from(xff: str | None = None) -> Client:
    """A browser whose requests reach the app through the proxy at ``PROXY``."""
    headers = {"X-Forwarded-For": xff} if xff is not None else {}
    return Client(REMOTE_ADDR=PROXY, headers=headers)


def _fail_on_ten_accounts(browser: Client, *, xff=None) -> None:
    """Ten wrong passwords on ten different accounts: the per-address rate (10/m), not any
    account's own (5/15m). ``xff`` may be a callable giving the header for each attempt."""
    for n in range(10):
        account = UserFactory(email=f"victim{n}@example.test")
        headers = {"X-Forwarded-For": xff(n)} if callable(xff) else {}
        response = browser.post(
            LOGIN_URL, {"login": account.email, "password": "wrong"}, headers=headers
        )
        assert "not correct" in response.content.decode()


def _sign_in(browser: Client, user, *, xff=None):
    headers = {"X-Forwarded-For": xff} if xff else {}
    return browser.post(LOGIN_URL, {"login": user.email, "password": PASSWORD}, headers=headers)


def _user_with_totp(email: str):
    user = UserFactory(email=email)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


# --- The one function ---------------------------------------------------------------------------


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(_request("203.0.113.9")) == PROXY


def test_one_trusted_proxy_means_the_rightmost_entry(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(_request("1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    assert client_address(_request("203.0.113.9")) == "203.0.113.9"


def test_two_trusted_proxies_mean_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(_request("1.2.3.4,203.0.113.9, 10.0.0.2")) == "203.0.113.9"


def test_addresses_come_back_in_one_spelling(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(_request("2001:DB8::0:1")) == "2001:db8::1"
    assert client_address(_request("203.0.113.9:51234")) == "203.0.113.9"
    assert client_address(_request("[2001:db8::1]:443")) == "2001:db8::1"


@pytest.mark.parametrize(
    "xff",
    [
        None,  # reached the app without passing the proxy (a health check on the host)
        "",
        "203.0.113.9",  # fewer entries than proxies: the header is not what our proxies wrote
        "1.2.3.4, not-an-address",
        "1.2.3.4, ",
        "1.2.3.4, 203.0.113.9/24",
    ],
)
def test_a_malformed_header_falls_back_to_the_connecting_address(settings, xff):
    settings.TRUSTED_PROXY_COUNT = 2 if xff == "203.0.113.9" else 1
    assert client_address(_request(xff)) == PROXY


def test_the_setting_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("DJANGO_TRUSTED_PROXY_COUNT", raising=False)
    assert runpy.run_path(str(env.BASE_DIR / "config/settings/base.py"))["TRUSTED_PROXY_COUNT"] == 0
    monkeypatch.setenv("DJANGO_TRUSTED_PROXY_COUNT", "1")
    assert runpy.run_path(str(env.BASE_DIR / "config/settings/base.py"))["TRUSTED_PROXY_COUNT"] == 1


@pytest.mark.parametrize("value", ["-1", "one"])
def test_a_bad_setting_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("DJANGO_TRUSTED_PROXY_COUNT", value)
    with pytest.raises((ImproperlyConfigured, ValueError)):
        runpy.run_path(str(env.BASE_DIR / "config/settings/base.py"))


# --- The login throttle keys on it ----------------------------------------------------------


@pytest.mark.django_db
def test_one_client_failing_does_not_lock_out_another_behind_the_same_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = _from("198.51.100.1")
    _fail_on_ten_accounts(attacker)
    director = UserFactory(email="director@example.test")
    assert LOCKED in _sign_in(attacker, director).content.decode()  # the attacker's address is

    colleague = _from("198.51.100.2")
    response = _sign_in(colleague, director)
    assert response.status_code == 302
    assert colleague.session[SESSION_KEY] == str(director.pk)


@pytest.mark.django_db
def test_a_spoofed_leftmost_entry_does_not_dodge_the_throttle(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    real = "198.51.100.1"  # what the proxy appended; the attacker writes the rest
    attacker = Client(REMOTE_ADDR=PROXY)
    _fail_on_ten_accounts(attacker, xff=lambda n: f"1.2.3.{n}, {real}")

    account = UserFactory(email="someone@example.test")
    response = _sign_in(attacker, account, xff=f"9.9.9.9, {real}")
    assert LOCKED in response.content.decode()
    assert SESSION_KEY not in attacker.session
    # Another real client behind the same proxy is unaffected.
    assert _sign_in(_from("198.51.100.2"), account).status_code == 302


@pytest.mark.django_db
def test_with_no_trusted_proxy_the_header_cannot_choose_the_throttled_address(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    attacker = Client(REMOTE_ADDR=PROXY)
    _fail_on_ten_accounts(attacker, xff=lambda n: f"198.51.100.{n}")
    account = UserFactory(email="someone@example.test")
    response = _sign_in(_from("198.51.100.200"), account)
    assert LOCKED in response.content.decode()


# --- A locked address still lets an MFA account's right password reach the second factor -----


@pytest.mark.django_db
def test_after_the_address_is_locked_an_mfa_account_goes_on_to_its_second_factor(client):
    director, secret = _user_with_totp("director@example.test")
    fellow = UserFactory(email="fellow@example.test")
    _fail_on_ten_accounts(client)  # same address as everyone in this test (a hospital NAT)

    locked_out = Client()
    assert LOCKED in _sign_in(locked_out, fellow).content.decode()
    assert SESSION_KEY not in locked_out.session, "no second factor: the address lock holds"

    response = _sign_in(client, director)
    assert response.status_code == 302 and response["Location"].startswith(MFA_URL)
    assert SESSION_KEY not in client.session  # the password alone signs nobody in
    second = client.post(MFA_URL, {"code": _code(secret)})
    assert second.status_code == 302
    assert client.session[SESSION_KEY] == str(director.pk)


@pytest.mark.django_db
def test_a_completed_second_factor_does_not_reopen_a_locked_address(client):
    # allauth clears "login_failed" after a right code; were the per-address rate part of it, an
    # attacker with an MFA account of their own could wipe their address's failures at will.
    own, secret = _user_with_totp("own@example.test")
    _fail_on_ten_accounts(client)
    assert _sign_in(client, own)["Location"].startswith(MFA_URL)
    client.post(MFA_URL, {"code": _code(secret)})
    assert client.session[SESSION_KEY] == str(own.pk)
    fellow = UserFactory(email="fellow@example.test")
    assert LOCKED in _sign_in(Client(), fellow).content.decode()


@pytest.mark.django_db
def test_from_a_locked_address_a_wrong_password_gets_the_lock_message_and_counts(
    client, monkeypatch
):
    director, _ = _user_with_totp("director@example.test")
    _fail_on_ten_accounts(client)
    for attempt in range(5):
        response = client.post(LOGIN_URL, {"login": director.email, "password": f"guess-{attempt}"})
        assert LOCKED in response.content.decode()  # says nothing about the password
    # Once the address lock has passed, the account's own lock still refuses the right password:
    # the guesses made behind the address lock were counted against the account.
    _shift_allauth_clock(monkeypatch, 61)
    assert LOCKED in _sign_in(client, director).content.decode()
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_an_mfa_account_keeps_its_own_lock(client):
    director, _ = _user_with_totp("director@example.test")
    for attempt in range(5):
        client.post(LOGIN_URL, {"login": director.email, "password": f"guess-{attempt}"})
    response = _sign_in(Client(REMOTE_ADDR="192.0.2.50"), director)
    assert LOCKED in response.content.decode()


# --- The audit trail records it ---------------------------------------------------------------


def _change_the_sign_in_rule(ours, *, xff: str) -> AuditEvent:
    TOTP.activate(ours.director, generate_totp_secret())
    browser = _from(xff)
    browser.force_login(ours.director)
    url = reverse("accounts:program_security", kwargs={"program_id": ours.program.pk})
    assert browser.post(url, {"require_mfa_for_staff": "on"}).status_code == 302
    return AuditEvent.objects.get(action="program.require_mfa")


def test_the_audit_event_carries_the_client_from_the_trusted_header(settings, ours):
    settings.TRUSTED_PROXY_COUNT = 1
    event = _change_the_sign_in_rule(ours, xff="1.2.3.4, 203.0.113.9")
    assert event.ip_address == "203.0.113.9"


def test_without_trusted_proxies_the_audit_event_carries_the_connecting_address(settings, ours):
    settings.TRUSTED_PROXY_COUNT = 0
    event = _change_the_sign_in_rule(ours, xff="203.0.113.9")
    assert event.ip_address == PROXY
