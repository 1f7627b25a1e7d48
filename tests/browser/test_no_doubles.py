"""A double tap on Save logs one procedure; a refused save lands on its error summary."""

import re

import pytest
from playwright.sync_api import expect

from demo.people import DEMO_PASSWORD
from procedures.models import ProcedureLogEntry
from tests.browser.test_procedure_log import catalogue as catalogue  # fixture

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_double_tap_on_save_logs_one_entry(catalogue, viewport, request):
    browser_page = request.getfixturevalue(viewport)
    program, fellow = catalogue
    page = browser_page.page
    before = ProcedureLogEntry.objects.filter(fellow=fellow).count()
    browser_page.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    browser_page.goto(f"/programs/{program.pk}/procedures/log/new/?repeat=1")
    page.get_by_role("button", name="Save entry").dblclick()
    page.wait_for_url(re.compile(rf"/programs/{program.pk}/procedures/log/$"))
    expect(page.get_by_text("Logged: Test lumbar transforaminal on")).to_be_visible()
    assert ProcedureLogEntry.objects.filter(fellow=fellow).count() == before + 1
    browser_page.assert_no_console_errors()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_refused_save_focuses_the_error_summary(catalogue, viewport, request):
    browser_page = request.getfixturevalue(viewport)
    program, fellow = catalogue
    page = browser_page.page
    before = ProcedureLogEntry.objects.filter(fellow=fellow).count()
    browser_page.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    browser_page.goto(f"/programs/{program.pk}/procedures/log/new/?repeat=1")
    page.get_by_label("Note (optional)").fill("MRN 12345678")
    page.get_by_role("button", name="Save entry").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_in_viewport()
    browser_page.screenshot(f"no-doubles-error-summary-{viewport}")
    # The summary's link takes the person to the field.
    summary.get_by_role("link", name=re.compile("Note")).click()
    expect(page.get_by_label("Note (optional)")).to_be_focused()
    # The buttons work again for the corrected resubmit, which saves one entry.
    page.get_by_label("Note (optional)").fill("")
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_url(re.compile(rf"/programs/{program.pk}/procedures/log/$"))
    assert ProcedureLogEntry.objects.filter(fellow=fellow).count() == before + 1
    browser_page.assert_accessible()
    browser_page.assert_no_console_errors()


def test_repeat_last_warns_about_an_identical_entry_for_today(catalogue, phone):
    program, _fellow = catalogue
    page = phone.page
    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    phone.goto(f"/programs/{program.pk}/procedures/log/new/?repeat=1")
    expect(page.locator("[data-identical-entry]")).to_have_count(0)
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_url(re.compile(rf"/programs/{program.pk}/procedures/log/$"))
    phone.goto(f"/programs/{program.pk}/procedures/log/new/?repeat=1")
    expect(page.locator("[data-identical-entry]")).to_contain_text(
        "You already logged an identical Test lumbar transforaminal on"
    )
    phone.screenshot("no-doubles-repeat-warning-phone")
    phone.assert_accessible()
