"""The director opens the annual program evaluation from its list and sees the year's evidence
assembled, then the printable page."""

import re

import pytest
from playwright.sync_api import expect

from curriculum.models import Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME

pytestmark = pytest.mark.browser

SECTIONS = (
    "1. Milestone attainment against targets",
    "2. Case logs",
    "3. Evaluation completion",
    "7. Graduates' outcomes",
    "8. The committee's record",
)


def test_the_director_opens_the_annual_program_evaluation(demo, desktop):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    desktop.sign_in("director@demo.test", DEMO_PASSWORD)
    desktop.goto(f"/programs/{program.pk}/program-evaluation/")
    expect(desktop.page.get_by_role("heading", name="Annual program evaluations")).to_be_visible()
    desktop.page.locator("#evaluations").get_by_role("link", name="2026-2027").click()
    page = desktop.page
    expect(page.get_by_role("heading", name="Annual program evaluation 2026-2027")).to_be_visible()
    for heading in SECTIONS:
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    # Figures: the board pass rate of the demo's graduates, and last year's carried items.
    expect(page.locator("#section-outcomes .pe-figure").first).to_have_text("100.0%")
    expect(page.locator("#section-milestones .pe-figure").first).to_have_text(re.compile(r"\d"))
    expect(page.locator("#previous-items")).to_contain_text("Add a cadaver course")
    expect(page.locator("#action-items")).to_contain_text("carried from last year")
    desktop.screenshot("annual-program-evaluation-desktop")
    desktop.assert_accessible()
    desktop.assert_no_console_errors()
    page.get_by_role("link", name="Printable page").click()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name="2. Case logs")).to_be_visible()
    desktop.screenshot("annual-program-evaluation-print")
    page.emulate_media(media="screen")
