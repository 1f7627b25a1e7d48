"""A fellow updates and agrees to their learning plan on a phone; the director reads the plans
and the cohort's scholarly activity at a desk."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from curriculum.models import Program
from demo.people import DEMO_INSTITUTION, DEMO_PASSWORD, DEMO_PROGRAM_NAME

pytestmark = pytest.mark.browser


def _program_id() -> int:
    return Program.objects.get(name=DEMO_PROGRAM_NAME, institution=DEMO_INSTITUTION).pk


def test_a_fellow_records_progress_and_agrees_to_the_plan_on_a_phone(demo, phone):
    program_id = _program_id()
    phone.sign_in("fellow2@demo.test", DEMO_PASSWORD)
    phone.goto(reverse("portfolio:my_plan", kwargs={"program_id": program_id}))
    expect(phone.page.get_by_role("heading", name="My learning plan")).to_be_visible()
    phone.assert_accessible()
    second = phone.page.locator("article").nth(1)
    second.get_by_label("Status").select_option("achieved")
    second.get_by_label("What was done").fill("Led two tapering conversations, debriefed.")
    second.get_by_role("button", name="Save progress").click()
    expect(phone.page.get_by_text("Progress saved.")).to_be_visible()
    phone.page.get_by_role("button", name="I agree to this plan").click()
    expect(phone.page.get_by_text("You agreed to this plan.")).to_be_visible()
    expect(phone.page.get_by_role("button", name="I agree to this plan")).to_have_count(0)
    phone.screenshot("portfolio-my-plan-phone")
    phone.assert_accessible()
    phone.goto(reverse("portfolio:my_scholarly", kwargs={"program_id": program_id}))
    expect(phone.page.get_by_role("heading", name="My scholarly activity")).to_be_visible()
    phone.assert_accessible()
    phone.assert_no_console_errors()


def test_the_director_reads_the_plans_and_the_cohorts_scholarly_activity(demo, desktop):
    program_id = _program_id()
    desktop.sign_in("director@demo.test", DEMO_PASSWORD)
    desktop.goto(reverse("portfolio:plan_list", kwargs={"program_id": program_id}))
    expect(desktop.page.locator("#learning-plans tbody tr")).to_have_count(6)
    expect(desktop.page.get_by_text("Agreed by both")).to_have_count(1)
    desktop.screenshot("portfolio-plan-list-desktop")
    desktop.assert_accessible()
    desktop.goto(reverse("portfolio:cohort_scholarly", kwargs={"program_id": program_id}))
    expect(desktop.page.locator("#cohort-scholarly tbody tr")).to_have_count(3)
    desktop.page.get_by_label("Kind").select_option("qi")
    desktop.page.get_by_role("button", name="Filter").click()
    expect(desktop.page.locator("#cohort-scholarly tbody tr")).to_have_count(1)
    desktop.assert_accessible()
    desktop.assert_no_console_errors()
