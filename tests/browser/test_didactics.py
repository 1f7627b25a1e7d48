"""On a phone, a fellow checks in to a conference with its code and sees their attendance
update; a wrong code and a check-in after the window closed are refused in words."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from curriculum.models import Membership, Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from didactics.models import Attendance
from didactics.services import checkin as services
from tests.accounts.factories import PASSWORD
from tests.curriculum.factories import MembershipFactory
from tests.didactics.factories import SeriesFactory, SessionFactory

pytestmark = pytest.mark.browser
Role = Membership.Role


def session_with_window(program, *, topic, opens, closes):
    """A session that ended yesterday (so it counts) with check-in open from ``opens`` to
    ``closes`` minutes from now (the window is editable)."""
    series = SeriesFactory(program=program, name=f"Browser-test {topic}")
    session = SessionFactory(
        series=series, date=program.today() - datetime.timedelta(days=1), topic=topic
    )
    now = timezone.now()
    return services.session_open_checkin(
        actor=None,
        session=session,
        opens_at=now + datetime.timedelta(minutes=opens),
        closes_at=now + datetime.timedelta(minutes=closes),
    )


def test_fellow_checks_in_with_the_code_on_a_phone(demo, phone, desktop):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    session = session_with_window(program, topic="Opioid rotation in practice", opens=-5, closes=60)
    # A session today, so the calendar's highlighted "Today" item is checked on every date.
    SessionFactory(
        series=SeriesFactory(program=program, name="Case review"),
        date=program.today(),
        topic="Today's case review",
    )

    desktop.sign_in("coordinator@demo.test", DEMO_PASSWORD)
    desktop.goto(f"/programs/{program.pk}/didactics/sessions/{session.pk}/run-check-in/")
    assert desktop.page.get_by_text(session.checkin_code, exact=True).is_visible()
    assert desktop.page.get_by_role("img", name="QR code of the check-in link").is_visible()
    desktop.screenshot("didactics-run-check-in-desktop")
    desktop.assert_accessible()
    desktop.assert_no_console_errors()
    # The coordinator's other pages, with the demo year's data.
    rotation = program.rotations.get(name="Acute pain service")
    for name, path in [
        ("calendar", f"/programs/{program.pk}/didactics/"),
        ("cohort-attendance", f"/programs/{program.pk}/didactics/attendance/cohort/"),
        ("roll", f"/programs/{program.pk}/didactics/sessions/{session.pk}/roll/"),
        ("series", f"/programs/{program.pk}/didactics/series/"),
        ("objectives", f"/programs/{program.pk}/didactics/objectives/rotations/{rotation.pk}/"),
    ]:
        desktop.goto(path)
        if name == "calendar":
            expect(desktop.page.locator(".list-group-item-primary").first).to_contain_text("Today")
        desktop.screenshot(f"didactics-{name}-desktop")
        desktop.assert_accessible()
    desktop.goto(f"/programs/{program.pk}/didactics/attendance/cohort/")
    assert desktop.page.get_by_text("Below 80 %").count() >= 1  # the demo's weak fellow
    desktop.assert_no_console_errors()

    page = phone.page
    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    phone.goto(f"/programs/{program.pk}/didactics/attendance/")
    row = page.get_by_role("row", name=re.compile("Browser-test Opioid rotation"))
    assert "0 of 1" in row.inner_text()
    phone.screenshot("didactics-my-attendance-before-phone")
    phone.assert_accessible()

    page.get_by_role("link", name=re.compile("Check in: Opioid rotation in practice")).click()
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/check-in/$"))
    page.get_by_label("Check-in code").fill(session.checkin_code.lower())
    phone.screenshot("didactics-check-in-phone")
    phone.assert_accessible()
    page.get_by_role("button", name="Check in").click()
    expect(page).to_have_url(re.compile(r"/didactics/attendance/$"))

    expect(page.get_by_text("Checked in to “Opioid rotation in practice”").first).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Browser-test Opioid rotation"))
    assert "1 of 1" in row.inner_text() and "100 %" in row.inner_text()
    assert Attendance.objects.filter(session=session, fellow__user__email="fellow1@demo.test")
    phone.screenshot("didactics-my-attendance-after-phone")
    phone.assert_accessible()
    phone.assert_no_console_errors()


def test_wrong_code_and_closed_window_are_refused_with_a_message(transactional_db, phone):
    fellow = MembershipFactory(role=Role.FELLOW)
    program = fellow.program
    open_now = session_with_window(program, topic="Adjuvants", opens=-5, closes=60)
    closed = session_with_window(program, topic="Anti-inflammatories", opens=-120, closes=-60)
    page = phone.page
    phone.sign_in(fellow.user.email, PASSWORD)

    phone.goto(f"/programs/{program.pk}/didactics/sessions/{open_now.pk}/check-in/")
    wrong = "".join(c for c in services.CODE_ALPHABET if c not in open_now.checkin_code)[:6]
    page.get_by_label("Check-in code").fill(wrong)
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_text(re.compile(r"That code is wrong.*4 tries left")).first).to_be_visible()
    phone.screenshot("didactics-check-in-wrong-code-phone")
    phone.assert_accessible()

    phone.goto(f"/programs/{program.pk}/didactics/sessions/{closed.pk}/check-in/")
    page.get_by_label("Check-in code").fill(closed.checkin_code)
    page.get_by_role("button", name="Check in").click()
    expect(
        page.get_by_text(re.compile("Check-in closed .* Ask the coordinator")).first
    ).to_be_visible()
    phone.screenshot("didactics-check-in-closed-phone")
    phone.assert_accessible()
    phone.assert_no_console_errors()
    assert not Attendance.objects.exists()
