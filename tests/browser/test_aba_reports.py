"""The director drafts the ABA semiannual reports from the mid-year CCC review on a phone, edits
one and signs it with their password; the coordinator then exports the CSV and opens the
printable page on a desktop."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments.models import ReviewPeriod
from boards.models import AbaFellowReport, BoardSignature
from boards.services import aba_signature_problems
from curriculum.models import Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME

pytestmark = pytest.mark.browser


def test_director_drafts_and_signs_on_a_phone_and_the_coordinator_exports(demo, phone, desktop):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    midyear = ReviewPeriod.objects.get(program=program, kind=ReviewPeriod.Kind.MIDYEAR)
    page = phone.page
    phone.sign_in("director@demo.test", DEMO_PASSWORD)
    phone.goto(midyear.get_absolute_url())
    page.get_by_role("link", name="ABA reports").click()
    page.get_by_role("heading", name="ABA clinical competence reports · January 2027").wait_for()
    page.get_by_role("button", name="Draft reports from the CCC reviews").click()
    expect(page.get_by_text("Drafted 6 reports from the CCC reviews.")).to_be_visible()
    assert AbaFellowReport.objects.filter(period=midyear).count() == 6
    phone.screenshot("aba-reports-list-phone")
    phone.assert_accessible()

    page.get_by_role("link", name="Dr. Alex Chen", exact=True).click()
    page.get_by_role("heading", name="ABA clinical competence report").wait_for()
    expect(page.get_by_role("link", name="finalised CCC review")).to_be_visible()
    page.get_by_role("textbox", name="Comments").fill("On track; strong procedural skills.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Report saved.")).to_be_visible()
    phone.screenshot("aba-report-draft-phone")
    phone.assert_accessible()

    page.get_by_label("Your password").fill("not the password")
    page.get_by_role("button", name="Sign report").click()
    expect(page.get_by_text("That password is not correct.")).to_be_visible()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign report").click()
    expect(page.get_by_text("Report signed.")).to_be_visible()
    expect(page.locator("#report-status")).to_have_text("Signed")
    report = AbaFellowReport.objects.get(period=midyear, fellow__user__email="fellow1@demo.test")
    assert report.is_signed and BoardSignature.objects.filter(report=report).count() == 1
    assert aba_signature_problems() == []
    phone.screenshot("aba-report-signed-phone")
    phone.assert_accessible()
    phone.assert_no_console_errors()

    page = desktop.page
    desktop.sign_in("coordinator@demo.test", DEMO_PASSWORD)
    desktop.goto(midyear.get_absolute_url())
    page.get_by_role("link", name="ABA reports").click()
    page.get_by_role("heading", name="ABA clinical competence reports · January 2027").wait_for()
    expect(page.get_by_role("button", name="Draft reports from the CCC reviews")).to_have_count(0)
    desktop.screenshot("aba-reports-list-desktop")
    desktop.assert_accessible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text("utf-8"))))
    assert rows[0][:4] == ["Fellow", "Email", "Report", "Overall"] and len(rows) == 7
    chen = next(row for row in rows if row[1] == "fellow1@demo.test")
    assert chen[2] == "January 2027" and chen[-3] == "Signed"

    page.get_by_role("link", name="Printable page").click()
    expect(page.get_by_role("heading", name="Dr. Alex Chen")).to_be_visible()
    expect(page.get_by_text("On track; strong procedural skills.")).to_be_visible()
    desktop.screenshot("aba-reports-print-desktop")
    desktop.assert_accessible()
    desktop.assert_no_console_errors()
