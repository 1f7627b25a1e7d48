"""Pages show times on the program's clock: program_for activates its zone for the request, and
every request starts and ends on UTC (core.middleware.TimezoneResetMiddleware)."""

import datetime
import zoneinfo

import time_machine
from django.http import HttpResponse
from django.utils import timezone

from audit.services import audit_record
from core.middleware import TimezoneResetMiddleware
from didactics.services.checkin import session_open_checkin
from tests.accounts.factories import PASSWORD
from tests.assessments.test_signing import _make_draft
from tests.conftest import page_ok
from tests.didactics.factories import SessionFactory

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def _in_chicago(ours):
    ours.program.timezone = "America/Chicago"
    ours.program.save(update_fields=["timezone"])
    return ours.program


def test_a_check_in_window_shows_on_its_own_edit_form_as_it_was_set(client, ours):
    program = _in_chicago(ours)
    session = SessionFactory(series__program=program, date=datetime.date(2027, 1, 13))
    session_open_checkin(
        actor=ours.coordinator,
        session=session,
        opens_at=datetime.datetime(2027, 1, 13, 5, 45, tzinfo=CHICAGO),
        closes_at=datetime.datetime(2027, 1, 13, 7, 30, tzinfo=CHICAGO),
    )
    client.force_login(ours.coordinator)
    page = page_ok(
        client, f"/programs/{program.pk}/didactics/sessions/{session.pk}/run-check-in/"
    ).content.decode()
    assert 'value="2027-01-13T05:45"' in page and 'value="2027-01-13T07:30"' in page
    assert "5:45 AM" in page and "7:30 AM" in page
    assert "11:45 PM" not in page


def test_a_check_in_window_typed_on_the_form_is_read_on_the_programs_clock(client, ours):
    program = _in_chicago(ours)
    session = SessionFactory(series__program=program, date=datetime.date(2027, 1, 13))
    client.force_login(ours.coordinator)
    response = client.post(
        f"/programs/{program.pk}/didactics/sessions/{session.pk}/run-check-in/",
        {"opens_at": "2027-01-13T05:45", "closes_at": "2027-01-13T07:30"},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.checkin_opens_at == datetime.datetime(2027, 1, 13, 11, 45, tzinfo=datetime.UTC)


def test_a_signature_shows_the_programs_time_and_says_which_zone(client, ours):
    from assessments.services.signatures.sign import assessment_sign

    program = _in_chicago(ours)
    draft = _make_draft(ours)
    with time_machine.travel(datetime.datetime(2027, 1, 15, 18, 5, tzinfo=datetime.UTC)):
        assessment_sign(actor=ours.faculty, assessment=draft, password=PASSWORD)
    client.force_login(ours.faculty)
    page = page_ok(client, f"/programs/{program.pk}/assessments/{draft.pk}/").content.decode()
    assert "Jan 15, 2027 12:05 CST" in page
    assert "18:05" not in page


def test_the_audit_trail_and_its_export_are_on_the_programs_clock(client, ours):
    program = _in_chicago(ours)
    with time_machine.travel(datetime.datetime(2027, 7, 1, 3, 30, tzinfo=datetime.UTC), tick=False):
        audit_record(actor=ours.director, action="program.note", obj=program, program=program)
    client.force_login(ours.director)
    page = page_ok(client, f"/programs/{program.pk}/audit/").content.decode()
    assert "2027-06-30 22:30 CDT" in page  # still June 30 in Chicago
    export = client.get(f"/programs/{program.pk}/audit/export/")
    body = b"".join(export.streaming_content).decode()
    assert body.startswith("when (America/Chicago),") and "\r\n2027-06-30T22:30:00-05:00," in body


def test_every_request_starts_and_ends_on_utc(client, ours, rf):
    _in_chicago(ours)
    client.force_login(ours.director)
    page_ok(client, f"/programs/{ours.program.pk}/")  # activated Chicago while it ran
    assert timezone.get_current_timezone_name() == "UTC"

    seen = []

    def view(request):
        seen.append(timezone.get_current_timezone_name())
        timezone.activate(CHICAGO)  # a program page
        return HttpResponse()

    timezone.activate(CHICAGO)  # as if this thread kept the zone of an earlier request
    TimezoneResetMiddleware(view)(rf.get("/"))
    assert seen == ["UTC"] and timezone.get_current_timezone_name() == "UTC"
