"""Phone-first work pages (issue 15 item 7): the fellow's log as cards on a phone, a table on a
desktop; the verification queue's "select all on this page" and its sticky bar with the count."""

import pytest
from playwright.sync_api import expect

from curriculum.models import Membership, Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from procedures.models import ProcedureLogEntry
from tests.browser.conftest import SCREENSHOTS
from tests.procedures.factories import ProcedureLogEntryFactory, ProcedureTypeFactory

pytestmark = pytest.mark.browser
Role = Membership.Role
REASON = "Level says L4-L5 but the images show L5-S1; please correct."


@pytest.fixture
def work(demo):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    fellow = Membership.objects.get(
        program=program, user__email="fellow1@demo.test", role=Role.FELLOW
    )
    faculty = Membership.objects.get(
        program=program, user__email="faculty1@demo.test", role=Role.FACULTY
    )
    procedure_type = ProcedureTypeFactory(
        program=program, name="Browser-test cervical interlaminar ESI"
    )
    returned = ProcedureLogEntryFactory(
        program=program,
        fellow=fellow,
        supervisor=faculty,
        procedure_type=procedure_type,
        performed_on=program.today(),
        status=ProcedureLogEntry.Status.RETURNED,
        return_reason=REASON,
    )
    pending = [
        ProcedureLogEntryFactory(
            program=program, fellow=fellow, supervisor=faculty, procedure_type=procedure_type
        )
        for _ in range(8)
    ]
    return program, returned, pending


def _viewport_shot(page, name: str) -> None:
    """What is on the screen (the full-page shots cannot show where a sticky bar sits)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _returned_row(page, entry):
    return page.locator("tr.entry-row").filter(has=page.locator(f'a[href$="/{entry.pk}/edit/"]'))


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_log_shows_status_reason_and_actions_within_the_screen(work, device, request):
    browser_page = request.getfixturevalue(device)
    program, returned, _pending = work
    page = browser_page.page
    browser_page.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    browser_page.goto(f"/programs/{program.pk}/procedures/log/")
    row = _returned_row(page, returned)
    expect(row.get_by_text(f"Reason: {REASON}")).to_be_visible()
    expect(row.get_by_text("Returned", exact=True)).to_be_visible()
    edit = row.get_by_role("link", name="Edit Browser-test cervical interlaminar")
    delete = row.get_by_role("link", name="Delete Browser-test cervical interlaminar")
    expect(edit).to_be_visible()
    expect(delete).to_be_visible()
    width = page.evaluate("window.innerWidth")
    for action in (edit, delete):
        box = action.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (device, box, width)
    header = page.get_by_role("columnheader", name="Status")
    if device == "phone":
        # A card: the column headers are hidden, each cell names itself, the row is one block.
        thead = page.locator("table.table-cards thead")
        assert thead.bounding_box()["width"] <= 1  # visually hidden, still read out
        assert header.count() == 1
        assert row.evaluate("r => getComputedStyle(r).display") == "block"
        assert "Status:" in row.evaluate(
            "r => getComputedStyle(r.querySelector('[data-label=Status]'), '::before').content"
        )
    else:
        expect(header).to_be_visible()
        assert row.evaluate("r => getComputedStyle(r).display") == "table-row"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    browser_page.screenshot(f"phone-work-log-{device}")
    row.scroll_into_view_if_needed()
    _viewport_shot(page, f"phone-work-log-{device}-viewport")
    browser_page.assert_accessible()
    browser_page.assert_no_console_errors()


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_queue_select_all_and_the_sticky_bar_count(work, device, request):
    browser_page = request.getfixturevalue(device)
    program, _returned, pending = work
    page = browser_page.page
    browser_page.sign_in("faculty1@demo.test", DEMO_PASSWORD)
    browser_page.goto(f"/programs/{program.pk}/procedures/verify/")
    select_all = page.get_by_label("Select all on this page")
    expect(select_all).to_be_visible()  # shown by select_all.js
    bar = page.locator(".bulk-bar")
    count = bar.get_by_text("0 selected")
    expect(count).to_be_visible()

    # The bar sits at the bottom of the viewport while the list runs on below it.
    boxes = page.locator('input[name="entry"][form="bulk-form"]')
    on_page = boxes.count()
    assert on_page >= len(pending)
    height = page.evaluate("window.innerHeight")
    bar_box = bar.bounding_box()
    last_box = boxes.last.bounding_box()
    assert last_box["y"] > height, "the list should be longer than the screen"
    assert abs(bar_box["y"] + bar_box["height"] - height) <= 1, (bar_box, height)
    browser_page.screenshot(f"phone-work-queue-{device}")

    select_all.check()
    expect(bar.get_by_text(f"{on_page} selected")).to_be_visible()
    for entry in pending:
        expect(page.locator(f"#select-{entry.pk}")).to_be_checked()
    page.locator(f"#select-{pending[0].pk}").uncheck()
    expect(bar.get_by_text(f"{on_page - 1} selected")).to_be_visible()
    assert select_all.evaluate("box => box.indeterminate")
    assert not select_all.is_checked()

    page.mouse.wheel(0, 600)  # scrolled down the list, the bar is still on screen
    expect(bar.get_by_role("button", name="Verify selected")).to_be_in_viewport()
    _viewport_shot(page, f"phone-work-queue-selected-{device}-viewport")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    browser_page.assert_accessible()

    bar.get_by_role("button", name="Verify selected").click()
    page.get_by_role("heading", name=f"Verify {on_page - 1} entries?").wait_for()
    browser_page.assert_no_console_errors()
