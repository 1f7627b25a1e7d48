"""A fellow fills in a confidential evaluation on a phone; the director reads last year's
aggregate results at a desk."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from curriculum.models import Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME

pytestmark = pytest.mark.browser


def test_fellow_submits_and_director_reads_aggregate(demo, phone, desktop):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    phone.goto(reverse("surveys:my_evaluations", kwargs={"program_id": program.pk}))
    expect(phone.page.get_by_role("heading", name="My confidential evaluations")).to_be_visible()
    phone.page.locator("#pending").get_by_role("link", name="Annual program evaluation").click()
    expect(phone.page.locator("#confidentiality")).to_contain_text("stored without your name")
    phone.assert_accessible()
    phone.assert_fits_the_screen()
    for group in phone.page.locator("#evaluation-form fieldset").all():
        group.get_by_text("4 - Agree").click()
    phone.screenshot("confidential-evaluation-fill-phone")
    phone.page.get_by_role("button", name="Submit").click()
    expect(phone.page.locator("#submitted")).to_contain_text(
        "Submitted - your answers are not linked to you"
    )
    phone.assert_no_console_errors()

    desktop.sign_in("director@demo.test", DEMO_PASSWORD)
    desktop.goto(reverse("surveys:collection_list", kwargs={"program_id": program.pk}))
    expect(desktop.page.get_by_role("heading", name="Confidential evaluations")).to_be_visible()
    desktop.assert_accessible()
    desktop.page.locator("#collections").get_by_role(
        "link", name="Results of Annual program evaluation"
    ).last.click()
    expect(desktop.page.locator("#completion")).to_contain_text("6 of 6 fellows completed")
    expect(desktop.page.get_by_role("heading", name="Comments")).to_be_visible()
    desktop.screenshot("confidential-evaluation-results-desktop")
    desktop.assert_accessible()
    desktop.assert_no_console_errors()
