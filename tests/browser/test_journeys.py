"""End-to-end journeys of the three users on the demo program, from first sign-in to the CCC
export: a fellow and a faculty member on phones, the director on a desktop.

Every page of every journey is screenshotted (artifacts/screenshots/journey-*.png), checked by
axe-core (no serious or critical violations, no sideways scroll) and must leave no console error
(a CSP violation shows up there).
"""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments.models import Assessment, CCCReview, ReviewPeriod, Signature
from assessments.selectors.unscoped import milestone_set_subcompetencies
from curriculum.models import Membership, Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from procedures.models import ProcedureLogEntry

pytestmark = pytest.mark.browser
Role = Membership.Role

PROCEDURE = "Lumbar transforaminal epidural steroid injection"
OBSERVATION_FORM = "Procedure direct observation"


class Journey:
    """Numbers the steps of one journey; each step is screenshotted and checked."""

    def __init__(self, browser_page, name: str, device: str):
        self.bp = browser_page
        self.page = browser_page.page
        self.name = name
        self.device = device
        self.count = 0

    def step(self, label: str) -> None:
        """Screenshot and check the page the journey has just waited for (by what it shows)."""
        self.count += 1
        self.bp.screenshot(f"journey-{self.name}-{self.count:02d}-{label}-{self.device}")
        self.bp.assert_accessible()
        self.bp.assert_no_console_errors()

    def nav(self, name: str) -> None:
        """Follow a link of the main navigation (opened first where it is collapsed); the caller
        then waits for the heading of the page it leads to."""
        self.bp.open_navigation()
        navigation = self.page.get_by_role("navigation", name="Main")
        link = navigation.get_by_role("link", name=name, exact=True)
        href = link.get_attribute("href")
        link.click()
        expect(self.page).to_have_url(re.compile(re.escape(href) + "$"))

    def sign_out(self) -> None:
        self.bp.sign_out()
        self.step("signed-out")
        # Signed out for real: back to the private page, reloaded, sends to the sign-in page.
        self.page.go_back()
        self.page.reload()
        expect(self.page).to_have_url(re.compile(r"/accounts/login/"))
        expect(self.page.get_by_role("button", name="Sign in")).to_be_visible()


def heading(page, name: str):
    return page.get_by_role("heading", name=name, exact=True)


def demo_program() -> Program:
    return Program.objects.get(name=DEMO_PROGRAM_NAME)


def test_fellow_journey_on_a_phone(demo, phone):
    program = demo_program()
    fellow = Membership.objects.get(
        program=program, user__email="fellow1@demo.test", role=Role.FELLOW
    )
    journey = Journey(phone, "fellow", "phone")
    page = journey.page

    # Signs in and lands on their home: progress and what is due.
    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    assert page.url.endswith(f"/programs/{program.pk}/my-progress/")
    heading(page, "My progress").wait_for()
    for name in ("What is due", "Procedure log", "Milestone levels", "Latest feedback"):
        assert heading(page, name).is_visible()
    # fellow1's mid-year review is finalised in the demo: levels, not "No CCC review yet".
    assert page.get_by_text("No CCC review yet").count() == 0
    journey.step("home")

    # Logs a procedure.
    journey.nav("Log procedures")
    heading(page, "My procedure log").wait_for()
    journey.step("procedure-log")
    page.get_by_role("link", name="Log a procedure", exact=True).click()
    heading(page, "Log a procedure").wait_for()
    before = ProcedureLogEntry.objects.filter(fellow=fellow).count()
    page.get_by_label("Date").fill(program.today().isoformat())
    page.get_by_label("Procedure").select_option(label=PROCEDURE)
    page.get_by_label("Guidance").select_option(label="Fluoroscopy")
    page.get_by_label("Performed").check()
    page.get_by_label("Supervising faculty").select_option(label="Dr. James Okafor")
    page.get_by_label("Supervision level").select_option(value="direct")
    page.get_by_label("Complication").select_option(label="None")
    page.get_by_label("Age band").select_option(label="40-64")
    page.get_by_label("Level", exact=True).fill("L4-L5")
    page.get_by_label("Laterality").select_option(label="Right")
    journey.step("procedure-form")
    page.get_by_role("button", name="Save entry").click()
    page.get_by_text(f"Logged: {PROCEDURE} on").wait_for()
    entries = ProcedureLogEntry.objects.filter(fellow=fellow).order_by("pk")
    assert entries.count() == before + 1
    entry = entries.last()
    assert (entry.status, entry.level, entry.laterality) == ("pending", "L4-L5", "right")
    assert entry.supervisor.user.email == "faculty1@demo.test"
    journey.step("procedure-logged")

    # Requests an assessment of that procedure from a faculty member.
    journey.nav("My progress")
    page.get_by_role("link", name="Request an assessment").click()
    heading(page, "Request an assessment").wait_for()
    page.get_by_label("Form").select_option(label=OBSERVATION_FORM)
    page.get_by_label("Assessor").select_option(label="Dr. James Okafor")
    page.get_by_label("Procedure (optional)").select_option(
        label=f"{entry.performed_on:%b %d, %Y} · {PROCEDURE}"
    )
    journey.step("assessment-request")
    page.get_by_role("button", name="Send request").click()
    page.get_by_text("Request sent to Dr. James Okafor").wait_for()
    requested = Assessment.objects.get(fellow=fellow, procedure_entry=entry)
    assert requested.status == Assessment.Status.DRAFT
    assert requested.assessor.user.email == "faculty1@demo.test"
    assert requested.template.name == OBSERVATION_FORM
    journey.step("assessment-requested")

    # My milestones: the trajectory charts are drawn, the table has the CCC levels.
    journey.nav("My progress")
    page.get_by_role("link", name="Milestone progress over time").click()
    heading(page, "Milestone progress").wait_for()
    charts = page.locator("canvas.trajectory-chart")
    assert charts.count() >= 1
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas.trajectory-chart')]"
        ".every(c => c.getBoundingClientRect().height > 0)"
    )
    table = page.locator("#trajectory-table")
    ccc_links = table.get_by_role("link")
    assert ccc_links.count() == program.milestone_sets.get().subcompetencies.count()
    journey.step("my-milestones")

    # Their finalised CCC packet (the mid-year review).
    ccc_links.first.click()
    heading(page, "CCC packet: Dr. Alex Chen").wait_for()
    assert page.locator("#review-status").inner_text() == "Finalised"
    assert page.get_by_text("Agreed focus for the next six months").is_visible()
    assert page.get_by_role("button", name="Finalise and sign").count() == 0
    assert page.locator("#packet-table select").count() == 0  # read-only for the fellow
    journey.step("ccc-packet")

    # Conferences: no check-in open, just their attendance.
    journey.nav("Conferences")
    heading(page, "My attendance").wait_for()
    journey.step("attendance")

    # Multi-source evidence.
    journey.nav("Multi-source")
    heading(page, "Multi-source evidence").wait_for()
    journey.step("multi-source")

    journey.sign_out()


def test_faculty_journey_on_a_phone(demo, phone):
    program = demo_program()
    journey = Journey(phone, "faculty", "phone")
    page = journey.page

    # Signs in and lands on "Waiting for me".
    phone.sign_in("faculty1@demo.test", DEMO_PASSWORD)
    assert page.url.endswith(f"/programs/{program.pk}/waiting/")
    heading(page, "Waiting for me").wait_for()
    heading(page, "Assessments to fill").wait_for()
    journey.step("waiting")

    # Fills and signs the oldest waiting assessment.
    waiting = Assessment.objects.filter(
        program=program,
        assessor__user__email="faculty1@demo.test",
        status=Assessment.Status.DRAFT,
    )
    assert waiting.exists(), "the demo leaves assessments waiting in faculty1's queue"
    page.get_by_role("link", name=re.compile("^Fill ")).first.click()
    page.wait_for_url(re.compile(r"/assessments/\d+/fill/$"))
    assessment = Assessment.objects.get(pk=int(page.url.rstrip("/").split("/")[-2]))
    assert assessment.status == Assessment.Status.DRAFT
    page.get_by_label("Narrative").fill(
        "Clear consent conversation and a safe, unhurried technique. Next: fewer fluoroscopy shots."
    )
    subcompetencies = list(assessment.template.subcompetencies.order_by("code"))
    for sub in subcompetencies:
        group = page.get_by_role("group", name=re.compile(rf"^{sub.code} "))
        group.get_by_label("3.5", exact=True).check()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    journey.step("assessment-fill")
    page.get_by_role("button", name="Sign and submit").click()
    page.get_by_text("Signed and sent to").wait_for()
    assert page.locator("#assessment-status").inner_text() == "Signed"
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SIGNED
    assert Signature.objects.filter(assessment=assessment, signer__email="faculty1@demo.test")
    assert assessment.ratings.count() == len(subcompetencies)
    journey.step("assessment-signed")

    # Verifies a pending procedure entry.
    journey.nav("Verify procedures")
    heading(page, "Procedures to verify").wait_for()
    journey.step("verification-queue")
    first = page.locator("input[name=entry]").first
    entry = ProcedureLogEntry.objects.get(pk=int(first.get_attribute("value")))
    assert entry.status == ProcedureLogEntry.Status.PENDING
    assert entry.supervisor.user.email == "faculty1@demo.test"
    label = f"{entry.fellow.user.display_name}, {entry.procedure_type.name}, " + format(
        entry.performed_on, "%b %-d, %Y"
    )
    page.get_by_role("button", name=f"Verify {label}", exact=True).click()
    page.get_by_text(f"Verified {entry.fellow.user.display_name}'s").wait_for()
    entry.refresh_from_db()
    assert entry.status == ProcedureLogEntry.Status.VERIFIED
    assert entry.verified_by.email == "faculty1@demo.test"
    journey.step("procedure-verified")

    # Opens the milestones of the fellow just assessed (no link leads there for faculty: by URL).
    fellow = assessment.fellow
    phone.goto(f"/programs/{program.pk}/fellows/{fellow.pk}/milestones/")
    heading(page, "Milestone progress").wait_for()
    assert page.get_by_text(fellow.user.display_name).first.is_visible()
    assert page.get_by_text(assessment.narrative[:40]).count() == 1  # the narrative just signed
    journey.step("fellow-milestones")

    journey.sign_out()


def test_director_journey_on_a_desktop(demo, desktop):
    program = demo_program()
    journey = Journey(desktop, "director", "desktop")
    page = journey.page

    # Signs in and lands on the cohort dashboard.
    desktop.sign_in("director@demo.test", DEMO_PASSWORD)
    assert page.url.endswith(f"/programs/{program.pk}/dashboard/")
    heading(page, "Cohort dashboard").wait_for()
    journey.step("dashboard")

    # CCC reviews, the mid-year period.
    journey.nav("CCC reviews")
    heading(page, "CCC reviews").wait_for()
    journey.step("ccc-periods")
    period = ReviewPeriod.objects.get(program=program, kind=ReviewPeriod.Kind.MIDYEAR)
    page.get_by_role("link", name=str(period), exact=True).click()
    heading(page, str(period)).wait_for()
    assert page.get_by_text("4 draft reviews are not in the export").is_visible()
    journey.step("ccc-period")

    # A draft packet: a consensus level for every subcompetency, then finalised.
    review = CCCReview.objects.get(period=period, fellow__user__email="fellow3@demo.test")
    assert review.status == CCCReview.Status.DRAFT
    page.get_by_role("link", name="Dr. Fatima Hassan", exact=True).click()
    heading(page, "CCC packet: Dr. Fatima Hassan").wait_for()
    journey.step("ccc-packet-draft")
    codes = codes_in_set(program)
    assert page.locator("#packet-table select").count() == len(codes)
    for index, code in enumerate(codes):
        level = "Not yet assessable" if code == "PBLI2" else ("3.0", "3.5")[index % 2]
        page.get_by_label(f"{code} consensus level").select_option(label=level)
    page.get_by_role("textbox", name="Committee notes").fill(
        "On track; more neuromodulation cases before the year-end review."
    )
    journey.step("ccc-packet-levels")
    page.get_by_role("button", name="Save consensus levels").click()
    page.get_by_text("Saved the consensus levels.").wait_for()
    assert review.levels.count() == len(codes)
    journey.step("ccc-packet-saved")
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Finalise and sign").click()
    page.get_by_text("Finalised and signed").wait_for()
    assert page.locator("#review-status").inner_text() == "Finalised"
    review.refresh_from_db()
    assert review.status == CCCReview.Status.FINALISED
    assert Signature.objects.filter(ccc_review=review, signer__email="director@demo.test")
    journey.step("ccc-packet-finalised")

    # The period's CSV export: the header row, and the fellow just finalised is in it.
    page.get_by_role("link", name=str(period), exact=True).click()
    heading(page, str(period)).wait_for()
    assert page.get_by_text("3 draft reviews are not in the export").is_visible()
    journey.step("ccc-period-after")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="ADS entry worksheet (CSV)").click()
    text = Path(download_info.value.path()).read_text("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "Last name",
        "First name",
        "Email",
        "Program year",
        *codes,
        "Committee meeting",
        "Members present",
    ]
    by_email = {row[2]: row for row in rows[1:]}
    assert set(by_email) == {"fellow1@demo.test", "fellow2@demo.test", "fellow3@demo.test"}
    hassan = dict(zip(rows[0], by_email["fellow3@demo.test"], strict=True))
    assert (hassan["Last name"], hassan["First name"]) == ("Hassan", "Fatima")
    assert hassan["PBLI2"] == "Not Yet Assessable"
    assert {hassan[code] for code in codes if code != "PBLI2"} == {"3.0", "3.5"}
    assert "Dr. Maria Alvarez" in hassan["Members present"]  # who agreed the levels

    # The audit trail shows the finalisation (the page has no link in the app: by URL).
    desktop.goto(f"/programs/{program.pk}/audit/")
    heading(page, "Audit trail").wait_for()
    finalised = (
        page.get_by_role("row")
        .filter(has_text=re.compile("finali[sz]e", re.I))
        .filter(has_text="Dr. Fatima Hassan")
        .filter(has_text="Dr. Maria Alvarez")
    )
    assert finalised.count() >= 1, "the CCC finalisation is not in the audit trail"
    journey.step("audit-trail")

    journey.sign_out()


def codes_in_set(program: Program) -> list[str]:
    """The subcompetency codes in the milestone set's own order (the export's columns)."""
    return [sub.code for sub in milestone_set_subcompetencies(program.milestone_sets.get())]
