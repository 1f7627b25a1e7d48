"""The director imports a roster CSV, is told which row is wrong, fixes it and imports it."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Invitation
from curriculum.models import Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME

pytestmark = pytest.mark.browser

GOOD_ROWS = [
    "ana.ruiz@demo.test,Dr. Ana Ruiz,fellow",
    "ben.ode@demo.test,Dr. Ben Ode,fellow",
]
BAD_ROW = "cy.lee@demo,Dr. Cy Lee,faculty"
FIXED_ROW = "cy.lee@demo.test,Dr. Cy Lee,faculty"
EMAILS = ["ana.ruiz@demo.test", "ben.ode@demo.test", "cy.lee@demo.test"]


def write_csv(path, rows: list[str]):
    path.write_text("email,full_name,role\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_director_imports_a_roster_after_fixing_the_bad_row(demo, desktop, tmp_path, mailoutbox):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    page = desktop.page

    desktop.sign_in("director@demo.test", DEMO_PASSWORD)
    desktop.goto(f"/programs/{program.pk}/people/")
    page.get_by_role("link", name="Import a roster (CSV)").click()
    page.wait_for_url(re.compile(rf"/programs/{program.pk}/people/import/$"))

    page.get_by_label("Roster file (CSV)").set_input_files(
        write_csv(tmp_path / "roster.csv", [*GOOD_ROWS, BAD_ROW])
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("2 rows ready, 1 with problems").first).to_be_visible()

    table = page.get_by_role("table")
    assert "Row 4 (email): “cy.lee@demo” is not a valid email address" in table.inner_text()
    assert "2 rows ready, 1 with problems" in page.content()
    assert page.get_by_role("button", name=re.compile("^Invite")).count() == 0
    assert not Invitation.objects.filter(program=program, email__in=EMAILS).exists()
    desktop.screenshot("roster-import-problem-desktop")
    desktop.assert_accessible()

    page.get_by_label("Roster file (CSV)").set_input_files(
        write_csv(tmp_path / "roster-fixed.csv", [*GOOD_ROWS, FIXED_ROW])
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("3 rows ready, 0 with problems").first).to_be_visible()
    desktop.screenshot("roster-import-ready-desktop")
    desktop.assert_accessible()

    page.get_by_role("button", name="Invite 3 people").click()
    expect(page).to_have_url(re.compile(rf"/programs/{program.pk}/people/$"))
    expect(page.get_by_text("3 invitations sent.").first).to_be_visible()
    content = page.content()
    assert "3 invitations sent." in content
    for email in EMAILS:
        assert email in content
    desktop.screenshot("roster-import-done-desktop")
    desktop.assert_no_console_errors()
    assert sorted(m.to[0] for m in mailoutbox if m.to[0] in EMAILS) == EMAILS
    assert Invitation.objects.filter(program=program, email__in=EMAILS).count() == 3
