"""Sign-in hardening: throttling, password reset without enumeration, session expiry, and the
program rule that directors and faculty use two-factor sign-in."""

import time
import types

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from accounts.middleware import STAMP_KEY, STAMP_REFRESH_SECONDS
from curriculum.models import Membership
from tests.accounts.factories import PASSWORD, UserFactory
from tests.role_pages import assert_role_page_access

Role = Membership.Role
LOGIN_URL = "/accounts/login/"
RESET_URL = "/accounts/password/reset/"


def _shift_allauth_clock(monkeypatch, seconds: float) -> None:
    """allauth's rate limiter sees the time ``seconds`` later than it is."""
    fake = types.SimpleNamespace(
        time=lambda: time.time() + seconds, monotonic=time.monotonic, sleep=time.sleep
    )
    monkeypatch.setattr("allauth.core.internal.ratelimit.time", fake)


# --- Throttling -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sixth_wrong_password_is_refused_and_then_the_right_one_too_until_the_window_passes(
    client, monkeypatch
):
    user = UserFactory(email="target@example.test")
    for attempt in range(5):
        response = client.post(LOGIN_URL, {"login": user.email, "password": f"guess-{attempt}"})
        assert response.status_code == 200
        assert "not correct" in response.content.decode()

    sixth = client.post(LOGIN_URL, {"login": user.email, "password": "guess-6"})
    assert sixth.status_code == 200
    assert "Too many failed login attempts" in sixth.content.decode()

    right = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    assert "Too many failed login attempts" in right.content.decode()
    assert SESSION_KEY not in client.session, "the right password must wait out the lock too"

    _shift_allauth_clock(monkeypatch, 15 * 60 + 1)
    after = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    assert after.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.django_db
def test_the_lock_is_per_account_so_others_still_sign_in(client):
    UserFactory(email="target@example.test")
    other = UserFactory(email="colleague@example.test")
    for attempt in range(6):
        client.post(LOGIN_URL, {"login": "target@example.test", "password": f"guess-{attempt}"})
    response = client.post(LOGIN_URL, {"login": other.email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_password_reset_emails_are_throttled_per_address(client):
    UserFactory(email="known@example.test")
    for _ in range(3):
        assert client.post(RESET_URL, {"email": "known@example.test"}).status_code == 302
    fourth = client.post(RESET_URL, {"email": "known@example.test"})
    assert fourth.status_code == 429
    assert len(mail.outbox) == 3


# --- Password reset does not reveal whether an address exists ---------------------------------


@pytest.mark.django_db
def test_password_reset_answers_known_and_unknown_addresses_alike(client):
    UserFactory(email="known@example.test")
    known = client.post(RESET_URL, {"email": "known@example.test"}, follow=True)
    unknown = client.post(RESET_URL, {"email": "nobody@example.test"}, follow=True)

    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200

    # The page shown afterwards is the same, apart from the CSRF token and the address itself.
    def page(response, address):
        text = response.content.decode().replace(address, "ADDRESS")
        return [line for line in text.splitlines() if "csrf" not in line.lower()]

    assert page(known, "known@example.test") == page(unknown, "nobody@example.test")

    # Each address gets exactly one email: only whoever reads that mailbox learns whether it
    # holds an account; the person at the form learns nothing.
    by_address = {message.to[0]: message for message in mail.outbox}
    assert len(mail.outbox) == 2
    assert sorted(by_address) == ["known@example.test", "nobody@example.test"]
    assert "/accounts/password/reset/key/" in by_address["known@example.test"].body
    assert "/accounts/password/reset/key/" not in by_address["nobody@example.test"].body


# --- Session expiry ---------------------------------------------------------------------------


def _age_stamp(client, **seconds_ago) -> None:
    session = client.session
    stamp = session[STAMP_KEY]
    for name, ago in seconds_ago.items():
        stamp[name] = time.time() - ago
    session[STAMP_KEY] = stamp
    session.save()


def test_signing_in_starts_the_session_clocks(client, ours):
    before = time.time()
    client.force_login(ours.fellow)
    stamp = client.session[STAMP_KEY]
    assert before <= stamp["started"] == stamp["seen"] <= time.time()


def test_an_idle_session_is_signed_out_with_a_message(client, ours):
    client.force_login(ours.fellow)
    _age_stamp(client, seen=settings.SESSION_IDLE_TIMEOUT + 5)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN_URL)
    assert "signed out after 60 minutes without activity" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_session_in_use_stays_signed_in_and_its_idle_clock_moves(client, ours):
    client.force_login(ours.fellow)
    _age_stamp(
        client, seen=settings.SESSION_IDLE_TIMEOUT - 60, started=settings.SESSION_IDLE_TIMEOUT
    )
    assert client.get("/").status_code == 302  # to the fellow's home, not to sign in
    assert not client.get("/").url.startswith(LOGIN_URL)
    assert time.time() - client.session[STAMP_KEY]["seen"] < 5


def test_a_session_ends_after_the_absolute_limit_however_busy(client, ours):
    client.force_login(ours.fellow)
    _age_stamp(client, seen=1, started=settings.SESSION_COOKIE_AGE + 1)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN_URL)
    assert "a session lasts at most 12 hours" in response.content.decode()


def test_a_recent_stamp_is_not_rewritten_on_every_request(client, ours):
    client.force_login(ours.fellow)
    _age_stamp(client, seen=STAMP_REFRESH_SECONDS - 30)
    seen = client.session[STAMP_KEY]["seen"]
    client.get("/")
    assert client.session[STAMP_KEY]["seen"] == seen


# --- Program rule: two-factor sign-in for directors and faculty -------------------------------


def security_url(program) -> str:
    return reverse("accounts:program_security", kwargs={"program_id": program.pk})


def test_security_page_is_for_the_director_only(client, ours, theirs):
    assert_role_page_access(client, ours, theirs, security_url(ours.program), {Role.DIRECTOR})


def test_director_turns_the_rule_on_and_off(client, ours):
    client.force_login(ours.director)
    TOTP.activate(ours.director, generate_totp_secret())
    response = client.post(security_url(ours.program), {"require_mfa_for_staff": "on"}, follow=True)
    assert "now required" in response.content.decode()
    ours.program.refresh_from_db()
    assert ours.program.require_mfa_for_staff is True

    client.post(security_url(ours.program), {})
    ours.program.refresh_from_db()
    assert ours.program.require_mfa_for_staff is False


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FACULTY, Role.FELLOW])
def test_other_roles_cannot_change_the_rule(client, ours, role):
    client.force_login(ours.user(role))
    response = client.post(security_url(ours.program), {"require_mfa_for_staff": "on"})
    assert response.status_code == 404
    ours.program.refresh_from_db()
    assert ours.program.require_mfa_for_staff is False


def test_people_page_links_the_director_to_the_security_page(client, ours):
    client.force_login(ours.director)
    people = reverse("accounts:people", kwargs={"program_id": ours.program.pk})
    assert security_url(ours.program) in client.get(people).content.decode()
    client.force_login(ours.coordinator)
    assert security_url(ours.program) not in client.get(people).content.decode()


def _require_mfa(program) -> None:
    program.require_mfa_for_staff = True
    program.save()


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.FACULTY])
def test_director_or_faculty_without_an_authenticator_is_sent_to_set_one_up(client, ours, role):
    _require_mfa(ours.program)
    client.force_login(ours.user(role))
    response = client.get("/", follow=True)
    assert response.redirect_chain[0] == (reverse("mfa_activate_totp"), 302)
    page = response.content.decode()
    assert f"{ours.program.name} requires two-factor sign-in for directors and faculty" in page
    for path in (f"/programs/{ours.program.pk}/", f"/programs/{ours.program.pk}/waiting/"):
        assert client.get(path)["Location"] == reverse("mfa_activate_totp")

    # The setup itself, reauthentication, signing out and static files stay open.
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(
        reverse("account_reauthenticate")
    )
    assert client.get(reverse("account_reauthenticate")).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.FACULTY])
def test_adding_an_authenticator_releases_them_at_once(client, ours, role):
    _require_mfa(ours.program)
    client.force_login(ours.user(role))
    assert client.get("/")["Location"] == reverse("mfa_activate_totp")

    TOTP.activate(ours.user(role), generate_totp_secret())
    response = client.get(f"/programs/{ours.program.pk}/waiting/" if role == Role.FACULTY else "/")
    assert response.get("Location") != reverse("mfa_activate_totp")


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FELLOW])
def test_coordinators_and_fellows_are_not_held(client, ours, role):
    _require_mfa(ours.program)
    client.force_login(ours.user(role))
    assert client.get("/")["Location"] != reverse("mfa_activate_totp")


def test_staff_of_a_program_without_the_rule_are_not_held(client, ours, theirs):
    _require_mfa(theirs.program)
    client.force_login(ours.faculty)
    assert client.get("/")["Location"] != reverse("mfa_activate_totp")


def test_an_inactive_role_does_not_hold_anyone(client, ours):
    _require_mfa(ours.program)
    Membership.objects.filter(user=ours.faculty).update(is_active=False)
    client.force_login(ours.faculty)
    assert client.get("/").get("Location") != reverse("mfa_activate_totp")


def test_a_rule_turned_on_reaches_people_already_signed_in_within_the_refresh(client, ours):
    client.force_login(ours.faculty)
    waiting = f"/programs/{ours.program.pk}/waiting/"
    assert client.get(waiting).status_code == 200
    _require_mfa(ours.program)
    assert client.get(waiting).status_code == 200  # checked at sign-in, not on every request
    _age_stamp(client, mfa_checked=STAMP_REFRESH_SECONDS + 1)
    assert client.get(waiting)["Location"] == reverse("mfa_activate_totp")


def test_htmx_requests_are_redirected_by_header(client, ours):
    _require_mfa(ours.program)
    client.force_login(ours.faculty)
    response = client.get(f"/programs/{ours.program.pk}/waiting/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("mfa_activate_totp")


def test_a_director_turning_the_rule_on_without_an_authenticator_is_held_next(client, ours):
    client.force_login(ours.director)
    response = client.post(security_url(ours.program), {"require_mfa_for_staff": "on"})
    assert response["Location"] == security_url(ours.program)
    assert client.get(security_url(ours.program))["Location"] == reverse("mfa_activate_totp")


def test_middlewares_add_no_query_to_an_ordinary_page(client, ours, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(ours.faculty)
    waiting = f"/programs/{ours.program.pk}/waiting/"
    with CaptureQueriesContext(connection) as queries:
        client.get(waiting)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "mfa_authenticator" not in sql
    assert "django_session" in sql and 'UPDATE "django_session"' not in sql
