"""The director runs a CCC review on a desktop: assembles the year-end packets, records the
consensus levels, finalises with their password and exports the CSV; the fellow then sees the
levels on their milestones page and the finalised packet."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments.models import CCCReview, ReviewPeriod, Signature
from curriculum.models import Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME

pytestmark = pytest.mark.browser


def test_director_runs_a_review_and_the_fellow_sees_the_levels(demo, desktop):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    page = desktop.page
    desktop.sign_in("director@demo.test", DEMO_PASSWORD)
    desktop.goto(f"/programs/{program.pk}/")
    page.get_by_role("link", name="CCC reviews", exact=True).click()
    page.get_by_role("heading", name="CCC reviews").wait_for()
    desktop.screenshot("ccc-periods-desktop")
    desktop.assert_accessible()

    year_end = ReviewPeriod.objects.get(program=program, kind=ReviewPeriod.Kind.YEAR_END)
    page.get_by_role("link", name=str(year_end)).click()
    page.get_by_role("button", name="Assemble packets").click()
    page.get_by_text("Assembled 6 draft packet(s).").wait_for()
    assert CCCReview.objects.filter(period=year_end).count() == 6
    desktop.assert_accessible()

    page.get_by_role("link", name="Dr. Fatima Hassan", exact=True).click()
    page.get_by_role("heading", name="CCC packet: Dr. Fatima Hassan").wait_for()
    selects = page.locator("#packet-table select")
    assert selects.count() == 18
    for index in range(selects.count()):
        selects.nth(index).select_option("3.5")
    page.get_by_label("PC2 consensus level").select_option(label="Not yet assessable")
    page.get_by_role("textbox", name="Committee notes").fill(
        "Ready for more independent neuromodulation cases."
    )
    desktop.screenshot("ccc-packet-draft-desktop")
    desktop.assert_accessible()
    page.get_by_role("button", name="Save consensus levels").click()
    page.get_by_text("Saved the consensus levels.").wait_for()

    # Levels are agreed at a meeting: none yet, then one without a quorum, then one with it.
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Finalise and sign").click()
    expect(page.get_by_text("Record the committee meeting at which these levels")).to_be_visible()
    packet = CCCReview.objects.get(period=year_end, fellow__user__email="fellow3@demo.test")
    for present in (["Dr. James Okafor", "Dr. Priya Raman"], None):
        desktop.goto(f"/programs/{program.pk}/ccc/periods/{year_end.pk}/meetings/new/")
        page.get_by_label("Held on").fill(program.today().isoformat())
        boxes = page.get_by_role("group", name="Members present").get_by_role("checkbox")
        for index in range(boxes.count()):
            box = boxes.nth(index)
            if (
                present is None
                or page.locator(f"label[for='{box.get_attribute('id')}']").inner_text() in present
            ):
                box.check()
        page.get_by_role("button", name="Record the meeting").click()
        expect(page.get_by_text("The meeting is recorded.")).to_be_visible()
        desktop.goto(packet.get_absolute_url())
        page.get_by_label("Your password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Finalise and sign").click()
        if present is not None:
            expect(page.get_by_text("quorum is 3 members; 2 were present")).to_be_visible()
            assert page.locator("#review-status").inner_text() != "Finalised"
            desktop.screenshot("ccc-no-quorum-desktop")
    page.get_by_text("Finalised and signed").wait_for()
    assert page.locator("#review-status").inner_text() == "Finalised"
    review = CCCReview.objects.get(period=year_end, fellow__user__email="fellow3@demo.test")
    assert Signature.objects.filter(ccc_review=review).count() == 1
    desktop.screenshot("ccc-packet-finalised-desktop")
    desktop.assert_accessible()

    desktop.goto(year_end.get_absolute_url())
    assert "5 draft reviews are not in the export" in page.content()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="ADS entry worksheet (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text("utf-8"))))
    assert rows[0][:5] == ["Last name", "First name", "Email", "Program year", "PC1"]
    assert rows[1][:5] == ["Hassan", "Fatima", "fellow3@demo.test", "1", "3.5"]
    assert "Not Yet Assessable" in rows[1]
    desktop.assert_no_console_errors()

    # The fellow now sees the committee's levels and the finalised packet.
    page.context.clear_cookies()
    desktop.sign_in("fellow3@demo.test", DEMO_PASSWORD)
    desktop.goto(f"/programs/{program.pk}/milestones/progress/")
    table = page.locator("#trajectory-table")
    table.get_by_role("link", name="3.5").first.wait_for()
    desktop.screenshot("ccc-fellow-milestones-desktop")
    desktop.assert_accessible()
    table.get_by_role("link", name="3.5").first.click()
    page.get_by_role("heading", name="CCC packet: Dr. Fatima Hassan").wait_for()
    assert "Ready for more independent neuromodulation cases." in page.content()
    desktop.screenshot("ccc-fellow-packet-desktop")
    desktop.assert_accessible()
    desktop.assert_no_console_errors()
