"""Faculty bulk-verify five entries on a phone; the fellow sees the counts change."""

import re

import pytest

from curriculum.models import Membership, Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from tests.browser.conftest import PHONE, open_page
from tests.procedures.factories import (
    ProcedureLogEntryFactory,
    ProcedureTargetFactory,
    ProcedureTypeFactory,
)

pytestmark = pytest.mark.browser


def test_faculty_bulk_verifies_five_entries_and_fellow_sees_counts(
    demo, phone, browser, live_server
):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    fellow = Membership.objects.get(program=program, user__email="fellow1@demo.test")
    faculty = Membership.objects.get(program=program, user__email="faculty1@demo.test")
    procedure_type = ProcedureTypeFactory(program=program, name="Lumbar transforaminal ESI")
    ProcedureTargetFactory(program=program, procedure_type=procedure_type, minimum=10)
    entries = [
        ProcedureLogEntryFactory(
            program=program, fellow=fellow, supervisor=faculty, procedure_type=procedure_type
        )
        for _ in range(5)
    ]
    progress_path = f"/programs/{program.pk}/procedures/progress/"

    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    phone.goto(progress_path)
    row = phone.page.get_by_role("row", name=re.compile("Lumbar transforaminal ESI"))
    assert re.search(r"10\s+0\s+5\s+10\s+Short by 10", row.inner_text())
    phone.page.locator("#progress-chart").wait_for()
    phone.screenshot("procedure-progress-before-phone")
    phone.assert_accessible()

    context, faculty_page = open_page(browser, live_server, PHONE)
    try:
        page = faculty_page.page
        faculty_page.sign_in("faculty1@demo.test", DEMO_PASSWORD)
        faculty_page.goto(f"/programs/{program.pk}/procedures/verify/")
        # The demo may hold other pending entries; select exactly the five logged above.
        checkboxes = [page.locator(f"#select-{entry.pk}") for entry in entries]
        faculty_page.screenshot("verification-queue-phone")
        faculty_page.assert_accessible()
        for checkbox in checkboxes:
            checkbox.check()
        page.get_by_role("button", name="Verify selected").click()
        page.get_by_role("heading", name="Verify 5 entries?").wait_for()
        assert page.locator(".bulk-entry").count() == 5
        assert page.get_by_text("Dr. Alex Chen, Lumbar transforaminal ESI").count() == 5
        faculty_page.screenshot("verification-confirm-phone")
        faculty_page.assert_accessible()
        page.get_by_role("button", name="Verify these 5 entries").click()
        page.get_by_text("Verified 5 entries.").wait_for()
        assert page.get_by_text("Lumbar transforaminal ESI").count() == 0
        faculty_page.assert_no_console_errors()
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow
    finally:
        context.close()

    phone.page.reload()
    row = phone.page.get_by_role("row", name=re.compile("Lumbar transforaminal ESI"))
    assert re.search(r"10\s+5\s+0\s+5\s+Short by 5", row.inner_text())
    phone.screenshot("procedure-progress-after-phone")
    phone.assert_accessible()
    phone.assert_no_console_errors()
