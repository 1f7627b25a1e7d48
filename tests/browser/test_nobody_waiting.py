"""Nobody left waiting, in the browser (issue 15, items 3 and 4): a fellow's request appears in
the faculty member's notifications at once; a coordinator sends a reminder from the overdue
board, and the emailed link opens on the server the app runs on (SITE_URL, as `make run` sets
it from PORT)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from assessments.models import Assessment, AssessmentTemplate
from curriculum.models import Membership, Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from reminders.models import NotificationPreference, Reminder
from tests.browser.conftest import open_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_request_appears_in_the_faculty_members_notifications(
    demo, viewport, request, browser, live_server
):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    milestone_set = program.milestone_sets.get()
    template = AssessmentTemplate.objects.create(
        program=program,
        milestone_set=milestone_set,
        name=f"Direct observation ({viewport})",
        kind=AssessmentTemplate.Kind.DIRECT_OBSERVATION,
    )
    template.subcompetencies.set(milestone_set.subcompetencies.order_by("code")[:2])
    fellow = request.getfixturevalue(viewport)
    fellow.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    fellow.goto(f"/programs/{program.pk}/assessments/request/")
    fellow.page.get_by_label("Form").select_option(label=template.name)
    fellow.page.get_by_label("Assessor").select_option(label="Dr. James Okafor")
    fellow.page.get_by_role("button", name="Send request").click()
    expect(fellow.page.get_by_text("Request sent to Dr. James Okafor")).to_be_visible()
    assessment = Assessment.objects.get(template=template)

    size = fellow.page.viewport_size
    context, faculty = open_page(browser, live_server, size)
    try:
        faculty.sign_in("faculty1@demo.test", DEMO_PASSWORD)
        faculty.open_navigation()
        faculty.page.get_by_role("link", name=re.compile(r"^Notifications")).click()
        notice = faculty.page.get_by_role(
            "link", name=f"Dr. Alex Chen asks you for an assessment: {template.name}"
        )
        expect(notice).to_be_visible()
        faculty.screenshot(f"notification-request-{viewport}")
        faculty.assert_accessible()
        notice.click()
        expect(faculty.page).to_have_url(re.compile(rf"/assessments/{assessment.pk}/$"))
        expect(faculty.page.get_by_role("link", name="Decline this request")).to_be_visible()
        faculty.assert_no_console_errors()
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_coordinator_sends_a_reminder_and_its_link_opens_here(
    demo, viewport, request, browser, live_server
):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    late = (
        Assessment.objects.filter(
            program=program,
            status__in=Assessment.OPEN_STATUSES,
            due_date__lt=program.today(),
            assessor__role=Membership.Role.FACULTY,
        )
        .select_related("assessor__user")
        .order_by("due_date", "pk")
        .first()
    )
    assert late is not None, "the demo has overdue evaluations on the board"
    mail.outbox.clear()
    coordinator = request.getfixturevalue(viewport)
    coordinator.sign_in("coordinator@demo.test", DEMO_PASSWORD)
    coordinator.goto(f"/programs/{program.pk}/dashboard/")
    board = coordinator.page.locator("section[aria-labelledby=overdue-heading]")
    board.locator("button[name=assessment]").first.click()
    expect(coordinator.page.get_by_text(re.compile(r"^Reminded 1 assessor of 1"))).to_be_visible()
    coordinator.screenshot(f"chase-sent-{viewport}")
    reminded = Reminder.objects.get(kind=Reminder.Kind.CHASE)
    [message] = [m for m in mail.outbox if "reminds you" in m.subject]
    assert message.to == [reminded.recipient.email]
    link = re.search(r"(http\S+/notifications/open/\S+/)", message.body).group(1)
    assert link.startswith(live_server.url)  # the port the server runs on, not 8000

    # A second click the same day sends nothing more.
    board.locator("button[name=assessment]").first.click()
    expect(coordinator.page.get_by_text(re.compile("already chased today"))).to_be_visible()
    assert Reminder.objects.filter(kind=Reminder.Kind.CHASE).count() == 1

    # The assessor opens the emailed link and lands on the assessment.
    NotificationPreference.objects.filter(user=reminded.recipient).delete()
    context, assessor = open_page(browser, live_server, coordinator.page.viewport_size)
    try:
        assessor.sign_in(reminded.recipient.email, DEMO_PASSWORD)
        assessor.page.goto(link)
        expect(assessor.page).to_have_url(re.compile(rf"/assessments/{reminded.object_id}/$"))
    finally:
        context.close()
