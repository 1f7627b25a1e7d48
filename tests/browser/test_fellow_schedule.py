"""Issue 3's journey: the director invites a fellow, enrols them, schedules a rotation in the
grid (htmx), and the fellow, after accepting, sees that schedule on their phone."""

import re

import pytest
from playwright.sync_api import expect

from curriculum.models import Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/invitations/[\w-]+/")
FELLOW = "Dr. Nora Quinn"


def test_invited_fellow_accepts_and_sees_their_schedule(demo, desktop, phone, mailoutbox):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    director = desktop.page

    # The director invites the fellow.
    desktop.sign_in("director@demo.test", DEMO_PASSWORD)
    desktop.goto(f"/programs/{program.pk}/people/")
    director.get_by_label("Email").fill("nora.quinn@demo.test")
    director.get_by_label("Full name").fill(FELLOW)
    director.get_by_label("Role").select_option("fellow")
    director.get_by_role("button", name="Send invitation").click()
    expect(director.get_by_text("Invitation sent to nora.quinn@demo.test").first).to_be_visible()

    # The fellow accepts on their phone.
    [message] = [m for m in mailoutbox if m.to == ["nora.quinn@demo.test"]]
    phone.page.goto(LINK.search(message.body).group(0))
    phone.page.get_by_label("Password").first.fill("Stellate-Ganglion-42")
    phone.page.get_by_label("Password (again)").fill("Stellate-Ganglion-42")
    phone.page.get_by_role("button", name="Create account").click()
    expect(phone.page).to_have_url(re.compile(r"/my-progress/$"))

    # The director enrols her in the Class of 2027 ...
    desktop.goto(f"/programs/{program.pk}/cohorts/")
    director.get_by_role("link", name="Class of 2027").click()
    director.get_by_role("link", name="Enrol a fellow").click()
    director.get_by_label("Fellow").select_option(label=FELLOW)
    director.get_by_label("Start date").fill("2026-07-01")
    director.get_by_role("button", name="Save").click()
    expect(director.get_by_text(re.compile(r" enrolled\.$")).first).to_be_visible()
    assert FELLOW in director.content()

    # ... and books a rotation from the schedule grid: the editor opens and saves in place.
    desktop.goto(f"/programs/{program.pk}/schedule/")
    assert "Gap" in director.content()  # her whole year is still open, and the page says so
    director.get_by_role("link", name=re.compile(rf"^{FELLOW}, week of Sep 7")).click()
    director.get_by_role("heading", name=f"Add a block for {FELLOW}").wait_for()
    director.get_by_label("Rotation").select_option(label="Acute pain service")
    director.get_by_label("Start date").fill("2026-09-07")
    director.get_by_label("End date").fill("2026-10-04")
    director.get_by_role("button", name="Add block").click()
    director.get_by_text("Acute pain service Sep 07-Oct 04, 2026 added").wait_for()
    assert director.url.endswith("/schedule/")  # swapped in place by htmx, no navigation
    desktop.screenshot("schedule-grid-desktop")
    desktop.assert_accessible()
    desktop.assert_no_console_errors()

    # An overlapping block is refused with a message, not silently accepted.
    director.get_by_role("link", name=re.compile(rf"^{FELLOW}, week of Sep 14")).click()
    # A scheduled cell opens its block for editing; from there, add another block instead.
    director.get_by_role("link", name=f"Add a new block for {FELLOW} instead").click()
    director.get_by_role("heading", name=f"Add a block for {FELLOW}").wait_for()
    director.get_by_label("Rotation").select_option(label="Cancer pain")
    director.get_by_label("Start date").fill("2026-09-14")
    director.get_by_label("End date").fill("2026-10-11")
    director.get_by_role("button", name="Add block").click()
    director.get_by_text("This overlaps Acute pain service").wait_for()

    # The fellow sees her schedule.
    phone.page.get_by_role("link", name="My pathway").click()
    phone.page.get_by_role("heading", name="Rotation schedule").wait_for()
    schedule = phone.page.content()
    assert "Acute pain service" in schedule and "Sep 7 to Oct 4, 2026" in schedule
    phone.screenshot("my-pathway-phone")
    phone.assert_accessible()
    phone.assert_no_console_errors()
    overflow = phone.page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
