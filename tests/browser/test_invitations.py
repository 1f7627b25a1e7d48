"""A director invites a fellow, who follows the emailed link, sets a password and lands home."""

import re

import pytest
from playwright.sync_api import expect

from curriculum.models import Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/invitations/[\w-]+/")


def test_director_invites_a_fellow_who_sets_a_password_and_lands_home(
    demo, desktop, phone, mailoutbox
):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)

    desktop.sign_in("director@demo.test", DEMO_PASSWORD)
    desktop.goto(f"/programs/{program.pk}/")
    desktop.page.get_by_role("link", name="Manage people").click()
    desktop.page.wait_for_url(re.compile(rf"/programs/{program.pk}/people/$"))
    desktop.page.get_by_label("Email").fill("new.fellow@demo.test")
    desktop.page.get_by_label("Full name").fill("Dr. Nora Quinn")
    desktop.page.get_by_label("Role").select_option("fellow")
    desktop.page.get_by_role("button", name="Send invitation").click()
    expect(
        desktop.page.get_by_text("Invitation sent to new.fellow@demo.test").first
    ).to_be_visible()
    desktop.screenshot("people-director-desktop")
    desktop.assert_accessible()
    desktop.assert_no_console_errors()

    [message] = [m for m in mailoutbox if m.to == ["new.fellow@demo.test"]]
    link = LINK.search(message.body).group(0)

    # The fellow opens the link on their phone: a separate browser context, not signed in.
    phone.page.goto(link)
    assert "Dr. Maria Alvarez" in phone.page.content()
    phone.screenshot("invitation-accept-phone")
    phone.assert_accessible()
    phone.page.get_by_label("Password").first.fill("Caudal-Epidural-77")
    phone.page.get_by_label("Password (again)").fill("Caudal-Epidural-77")
    phone.page.get_by_role("button", name="Create account").click()
    expect(phone.page).to_have_url(re.compile(rf"/programs/{program.pk}/my-progress/$"))
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("My progress")
    phone.assert_no_console_errors()
    overflow = phone.page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow

    # The same link, opened again, says plainly that it has been used.
    response = phone.page.goto(link)
    assert response.status == 410
    assert "already been used. Sign in instead." in phone.page.content()
    phone.assert_accessible()
