"""The director signs in and lands on the cohort dashboard of the demo program."""

import pytest

from curriculum.models import Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME

pytestmark = pytest.mark.browser


def test_director_lands_on_the_cohort_dashboard(demo, desktop):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    desktop.sign_in("director@demo.test", DEMO_PASSWORD)
    page = desktop.page
    assert page.url.endswith(f"/programs/{program.pk}/dashboard/")
    page.get_by_role("heading", name="Cohort dashboard").wait_for()
    heatmap = page.get_by_role("table", name="Fellows by subcompetency")
    assert heatmap.get_by_role("row").count() == 1 + 6  # header and the six demo fellows
    for heading in ("Milestone levels", "Procedure targets", "Fellows on leave"):
        assert page.get_by_role("heading", name=heading).count() == 1
    assert page.get_by_role("link", name="Download CSV").count() >= 5
    desktop.screenshot("cohort-dashboard-desktop")
    desktop.assert_accessible()
    desktop.assert_no_console_errors()


def test_cohort_dashboard_fits_a_phone(demo, phone):
    phone.sign_in("coordinator@demo.test", DEMO_PASSWORD)
    phone.page.get_by_role("heading", name="Cohort dashboard").wait_for()
    phone.screenshot("cohort-dashboard-phone")
    phone.assert_accessible()
