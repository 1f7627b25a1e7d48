"""A fellow asks a nurse for an evaluation on a phone; the nurse, without an account, fills the
form through the emailed link; the fellow's multi-source evidence shows it; the link then
refuses a second use. A patient gets a QR code and a plain-language form."""

import re

import pytest
from playwright.sync_api import expect

from curriculum.models import Program, Subcompetency
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from evaluators.models import ExternalEvaluationRequest

from .conftest import PHONE, open_page

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/evaluate/[\w-]+/")
NARRATIVE = "Briefs the recovery nurses before every list and answers our calls quickly."


def test_nurse_without_an_account_evaluates_a_fellow_through_a_single_use_link(
    demo, phone, browser, live_server, mailoutbox
):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    fellow = phone
    fellow.sign_in("fellow3@demo.test", DEMO_PASSWORD)
    fellow.goto(f"/programs/{program.pk}/multi-source/")
    fellow.page.get_by_role("link", name="Ask for an evaluation").click()
    fellow.page.wait_for_url(re.compile(r"/external-evaluations/new/$"))
    fellow.page.get_by_label("Who are you asking?").select_option("nurse")
    fellow.page.get_by_label("Their name").fill("Grace Lindqvist")
    fellow.page.get_by_label("Their email address").fill("grace.lindqvist@hospital.test")
    fellow.screenshot("external-request-form-phone")
    fellow.assert_accessible()
    fellow.page.get_by_role("button", name="Send request").click()
    fellow.page.wait_for_url(re.compile(r"/external-evaluations/$"))
    assert "Evaluation request emailed to Grace Lindqvist" in fellow.page.content()
    fellow.screenshot("external-request-list-phone")
    fellow.assert_accessible()
    fellow.assert_no_console_errors()

    [message] = [m for m in mailoutbox if m.to == ["grace.lindqvist@hospital.test"]]
    link = LINK.search(message.body).group(0)
    assert link.startswith(live_server.url)

    # The nurse opens the link in a browser that has never signed in.
    context, nurse = open_page(browser, live_server, PHONE)
    try:
        nurse.page.goto(link)
        assert (
            nurse.page.get_by_role("heading", level=1).inner_text() == "Evaluate Dr. Fatima Hassan"
        )
        assert DEMO_PROGRAM_NAME in nurse.page.content()
        nurse.assert_accessible()
        nurse.page.get_by_label("Comments").fill(NARRATIVE)
        request = ExternalEvaluationRequest.objects.get(
            evaluator_email="grace.lindqvist@hospital.test"
        )
        subs = Subcompetency.objects.filter(assessment_templates=request.template_id)
        for index, sub in enumerate(subs.order_by("code")):
            value = "na" if index == 0 else "little_help"
            nurse.page.locator(f"input[name='rating_{sub.pk}'][value='{value}']").check()
        nurse.screenshot("external-evaluation-form-phone")
        nurse.page.get_by_role("button", name="Submit evaluation").click()
        nurse.page.wait_for_url(re.compile(r"/evaluate/thanks/$"))
        assert nurse.page.get_by_role("heading", level=1).inner_text() == "Thank you"
        nurse.assert_accessible()
        nurse.assert_no_console_errors()

        # The fellow's multi-source evidence now shows it.
        fellow.goto(f"/programs/{program.pk}/multi-source/")
        evidence = fellow.page.locator("article.external-evaluation").first
        assert NARRATIVE in evidence.inner_text()
        assert "Nurse" in evidence.inner_text() and "Not yet assessable" in evidence.inner_text()
        assert "Grace Lindqvist" not in evidence.inner_text()
        fellow.screenshot("multi-source-evidence-phone")
        fellow.assert_accessible()

        # The same link refuses a second use, with a clear message.
        response = nurse.page.goto(link)
        assert response.status == 410
        assert nurse.page.get_by_role("heading", level=1).inner_text() == (
            "Evaluation already submitted"
        )
        assert "each link can be used only once" in nurse.page.content()
        nurse.screenshot("external-evaluation-used-phone")
        nurse.assert_accessible()
    finally:
        context.close()


def test_patient_gets_a_qr_code_and_a_plain_language_form(demo, phone, browser, live_server):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    phone.sign_in("fellow4@demo.test", DEMO_PASSWORD)
    phone.goto(f"/programs/{program.pk}/external-evaluations/new/")
    phone.page.get_by_label("Who are you asking?").select_option("patient")
    phone.page.get_by_role("button", name="Send request").click()
    phone.page.wait_for_url(re.compile(r"/link/$"))
    assert phone.page.get_by_alt_text("QR code of the evaluation link").is_visible()
    link = phone.page.get_by_label("Link").input_value()
    phone.screenshot("patient-link-qr-phone")
    phone.assert_accessible()
    phone.assert_no_console_errors()

    context, patient = open_page(browser, live_server, PHONE)
    try:
        patient.page.goto(link)
        assert "How was your care with Dr. Luis Moreno?" in patient.page.content()
        patient.screenshot("patient-evaluation-form-phone")
        patient.assert_accessible()
        for group in patient.page.locator("fieldset").all():
            group.get_by_label("Yes, mostly").check()
        patient.page.get_by_label("Anything else").fill("My mobile is 0412 555 019 if needed")
        patient.page.get_by_role("button", name="Submit evaluation").click()
        refused = patient.page.get_by_text("looks like it contains a phone number").first
        expect(refused).to_be_visible()
        patient.page.get_by_label("Anything else").fill("Clear and kind.")
        patient.page.get_by_role("button", name="Submit evaluation").click()
        patient.page.wait_for_url(re.compile(r"/evaluate/thanks/$"))
        patient.assert_no_console_errors()
    finally:
        context.close()
