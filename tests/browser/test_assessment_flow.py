"""A fellow requests an assessment, the faculty member fills and signs it on a phone, the fellow
acknowledges it."""

import re

import pytest

from assessments.models import Assessment, AssessmentTemplate
from curriculum.models import Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from tests.browser.conftest import PHONE, open_page

pytestmark = pytest.mark.browser


def test_request_fill_sign_acknowledge_on_phones(demo, phone, browser, live_server):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    milestone_set = program.milestone_sets.get()
    subs = list(milestone_set.subcompetencies.order_by("code")[:3])
    template = AssessmentTemplate.objects.create(
        program=program,
        milestone_set=milestone_set,
        name="Direct observation of a procedure",
        kind=AssessmentTemplate.Kind.DIRECT_OBSERVATION,
    )
    template.subcompetencies.set(subs)

    # Phone 1: the fellow asks Dr. Okafor right after the case.
    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    phone.goto(f"/programs/{program.pk}/my-progress/")
    phone.page.get_by_role("link", name="Request an assessment").click()
    phone.page.get_by_label("Form").select_option(label=template.name)
    phone.page.get_by_label("Assessor").select_option(label="Dr. James Okafor")
    phone.screenshot("assessment-request-phone")
    phone.assert_accessible()
    phone.page.get_by_role("button", name="Send request").click()
    phone.page.get_by_text("Request sent to Dr. James Okafor").wait_for()
    assessment = Assessment.objects.get(template=template)
    assert assessment.status == Assessment.Status.DRAFT

    # Phone 2: the faculty member fills and signs it from the queue.
    context, faculty = open_page(browser, live_server, PHONE)
    try:
        page = faculty.page
        faculty.sign_in("faculty1@demo.test", DEMO_PASSWORD)
        faculty.goto(f"/programs/{program.pk}/waiting/")
        page.get_by_role("heading", name="Assessments to fill").wait_for()
        page.get_by_role("link", name=re.compile(rf"^Fill .*{template.name}")).click()
        page.get_by_label("Narrative").fill(
            "Careful positioning and a clear explanation to the patient. Next: fewer passes."
        )
        for sub, level in zip(subs, ["3.0", "3.5", "Not yet assessable"], strict=True):
            group = page.get_by_role("group", name=re.compile(rf"^{sub.code} "))
            group.get_by_label(level, exact=True).check()
        page.get_by_label("Your password").fill(DEMO_PASSWORD)
        faculty.screenshot("assessment-fill-phone")
        faculty.assert_accessible()
        page.get_by_role("button", name="Sign and submit").click()
        page.get_by_text("Signed and sent to").wait_for()
        assert page.locator("#assessment-status").inner_text() == "Signed"
        faculty.screenshot("assessment-signed-phone")
        faculty.assert_accessible()
        faculty.assert_no_console_errors()
    finally:
        context.close()

    # Phone 1 again: the fellow reads it and acknowledges.
    phone.goto(f"/programs/{program.pk}/assessments/")
    card = phone.page.locator(".assessment-received", has_text=template.name)
    assert "Dr. James Okafor" in card.inner_text()
    card.get_by_role("button", name=re.compile("^Acknowledge")).click()
    phone.page.get_by_text(f"Acknowledged {template.name}").wait_for()
    card = phone.page.locator(".assessment-received", has_text=template.name)
    assert "Acknowledged by the fellow" in card.inner_text()
    card.get_by_role("link", name=template.name).click()
    phone.page.get_by_role("heading", name="Narrative").wait_for()
    assert "Not yet assessable" in phone.page.content()
    phone.screenshot("assessment-acknowledged-phone")
    phone.assert_accessible()
    phone.assert_no_console_errors()
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.ACKNOWLEDGED
