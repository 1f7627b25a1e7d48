"""Times on the program's clock in the browser (issue 15, item 1): a check-in window typed as
05:45-07:30 in Chicago reads 05:45-07:30 on its own form, and a signature says when, in the
program's zone, naming it."""

import datetime
import zoneinfo

import pytest
from playwright.sync_api import expect

from assessments.models import Signature
from curriculum.models import Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME, DEMO_TIMEZONE
from didactics.models import Session
from tests.didactics.factories import SeriesFactory, SessionFactory

pytestmark = pytest.mark.browser
CHICAGO = zoneinfo.ZoneInfo(DEMO_TIMEZONE)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_check_in_window_reads_back_in_the_programs_zone(demo, viewport, request):
    screen = request.getfixturevalue(viewport)
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    day = program.today() + datetime.timedelta(days=1)
    session = SessionFactory(
        series=SeriesFactory(program=program, name=f"Clock test {viewport}"),
        date=day,
        topic="Morning grand rounds",
    )
    screen.sign_in("coordinator@demo.test", DEMO_PASSWORD)
    screen.goto(f"/programs/{program.pk}/didactics/sessions/{session.pk}/run-check-in/")
    page = screen.page
    page.get_by_label("Check-in opens").fill(f"{day.isoformat()}T05:45")
    page.get_by_label("Check-in closes").fill(f"{day.isoformat()}T07:30")
    page.get_by_role("button", name="Open check-in").click()
    expect(page.get_by_text("Check-in is set up")).to_be_visible()
    expect(page.get_by_label("Check-in opens")).to_have_value(f"{day.isoformat()}T05:45")
    expect(page.get_by_label("Check-in closes")).to_have_value(f"{day.isoformat()}T07:30")
    session = Session.objects.get(pk=session.pk)
    opens = datetime.datetime.combine(day, datetime.time(5, 45), CHICAGO)
    assert session.checkin_opens_at == opens  # stored as the instant (UTC in the database)
    screen.screenshot(f"program-clock-check-in-{viewport}")
    screen.assert_no_console_errors()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_signature_shows_the_programs_time_and_zone(demo, viewport, request):
    screen = request.getfixturevalue(viewport)
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    signature = (
        Signature.objects.filter(assessment__program=program, assessment__isnull=False)
        .select_related("assessment")
        .order_by("-signed_at")
        .first()
    )
    local = signature.signed_at.astimezone(CHICAGO)
    expected = f"{local:%b} {local.day}, {local.year} {local:%H:%M} {local.tzname()}"
    screen.sign_in("director@demo.test", DEMO_PASSWORD)
    screen.goto(signature.assessment.get_absolute_url())
    expect(screen.page.get_by_text(expected, exact=True)).to_be_visible()
    screen.screenshot(f"program-clock-signature-{viewport}")
