"""The director signs a fellow's final summative evaluation, on a phone and on a desktop: refused
while the year-end CCC review is not finalised; once it is, the signed page shows the snapshot
(training dates, leave, CCC levels, procedures against targets)."""

import pytest
from playwright.sync_api import expect

from assessments.models import (
    CommitteeMeeting,
    CompetencyCommittee,
    ReviewPeriod,
    SummativeEvaluation,
)
from assessments.selectors.unscoped import milestone_set_subcompetencies, period_milestone_set
from assessments.services.ccc import ccc_levels_record, ccc_packets_assemble, ccc_review_finalise
from curriculum.models import Membership, Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME

pytestmark = pytest.mark.browser
FELLOW_EMAIL = "fellow3@demo.test"


def _finalise_year_end(program, fellow):
    """What the committee does on its own pages (tests/browser/test_ccc.py walks through them)."""
    director = Membership.objects.get(program=program, role=Membership.Role.DIRECTOR).user
    period = ReviewPeriod.objects.get(program=program, kind=ReviewPeriod.Kind.YEAR_END)
    review = next(
        r for r in ccc_packets_assemble(actor=director, period=period) if r.fellow == fellow
    )
    committee = CompetencyCommittee.objects.get(program=program)
    meeting = CommitteeMeeting.objects.create(
        period=period, held_on=program.today(), recorded_by=director
    )
    meeting.present.set(committee.members.all())
    subs = milestone_set_subcompetencies(period_milestone_set(period))
    ccc_levels_record(
        actor=director,
        review=review,
        levels={sub.pk: "4.0" for sub in subs},
        committee_notes="Ready to graduate.",
    )
    ccc_review_finalise(actor=director, review=review, password=DEMO_PASSWORD)


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_summative_refused_before_the_year_end_review_then_signed_with_snapshot(
    demo, request, screen
):
    browser_page = request.getfixturevalue(screen)
    page = browser_page.page
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    fellow = Membership.objects.get(program=program, user__email=FELLOW_EMAIL)
    browser_page.sign_in("director@demo.test", DEMO_PASSWORD)
    browser_page.goto(f"/programs/{program.pk}/fellows/{fellow.pk}/summative/")
    page.get_by_role("heading", name="Final summative evaluation").wait_for()
    expect(page.locator("#summative-refusal")).to_contain_text("year-end CCC review")
    expect(page.locator("#summative-snapshot")).to_contain_text("Evidence now")

    page.get_by_label("Narrative").fill("Safe, independent and thoughtful with every patient.")
    page.get_by_role("radio", name="Yes").check()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign and share").click()
    expect(page.get_by_text("cannot be signed before the").first).to_be_visible()
    assert page.locator("#summative-status").inner_text() != "Signed and shared"
    browser_page.screenshot(f"summative-refused-{screen}")
    browser_page.assert_accessible()
    assert not SummativeEvaluation.objects.filter(fellow=fellow, status="signed").exists()

    _finalise_year_end(program, fellow)
    browser_page.goto(f"/programs/{program.pk}/fellows/{fellow.pk}/summative/")
    expect(page.locator("#summative-refusal")).to_have_count(0)
    page.get_by_label("Narrative").fill("Safe, independent and thoughtful with every patient.")
    page.get_by_role("radio", name="Yes").check()
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign and share").click()
    page.get_by_text("Signed and shared with").wait_for()
    expect(page.locator("#summative-status")).to_have_text("Signed and shared")
    snapshot = page.locator("#summative-snapshot")
    expect(snapshot).to_contain_text("Evidence when signed")
    expect(snapshot).to_contain_text("Year-end review")
    expect(page.locator("#snapshot-levels tbody tr").first).to_contain_text("4.0")
    expect(page.locator("#summative-readiness")).to_have_text("Yes")
    browser_page.screenshot(f"summative-signed-{screen}")
    browser_page.assert_accessible()
    browser_page.assert_no_console_errors()
    assert SummativeEvaluation.objects.get(fellow=fellow).is_signed
