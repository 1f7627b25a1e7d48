"""The calendar feed is read by a strict third-party parser (``icalendar``) whatever a title holds:
control characters are escaped or dropped, lines are folded at 75 octets, UIDs carry the site's
host, there is no METHOD, and a calendar without events is still a calendar."""

import datetime
import re

import pytest
from icalendar import Calendar

from reminders import ical
from reminders.services.preferences import calendar_token_reset
from tests.reminders import scenario
from trainees.models import Deadline

STAMP = datetime.datetime(2027, 1, 4, 9, 30, tzinfo=datetime.UTC)
DAY = datetime.date(2027, 1, 15)
# A bare CR, CRLF, LF, a NUL, a tab, TEXT's special characters, Unicode line breaks and emoji
# (one with a zero-width joiner, one outside the BMP).
HOSTILE = (
    "CCC\rreview, part 1; see \\\\share\\fellows\r\nthen\nsign\x00 off\tnow\x7f\x1b "
    "\u2028next\x85 🩺 🧑‍⚕️ ✅"
)
# What a client shows: every line break one newline, the tab a space, other controls gone.
HOSTILE_SHOWN = "CCC\nreview, part 1; see \\\\share\\fellows\nthen\nsign off now \nnext\n 🩺 🧑‍⚕️ ✅"


def _parse(body: str) -> Calendar:
    """Parse with ``icalendar`` and fail on anything it had to forgive, or that RFC 5545 forbids
    on the wire: a line not ended by CRLF, a raw control character, a line over 75 octets."""
    assert body.endswith("\r\n")
    for line in body.split("\r\n")[:-1]:
        assert len(line.encode()) <= 75, line
        assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]", line), repr(line)
    parsed = Calendar.from_ical(body)
    for component in parsed.walk():
        assert not component.errors, component.errors
    assert parsed["VERSION"] == "2.0" and parsed["PRODID"] == ical.PRODID
    assert "METHOD" not in parsed  # no iTIP method without an ORGANIZER
    return parsed


def test_hostile_text_round_trips_through_a_strict_parser():
    event = ical.Event(
        uid="deadline-1@fellowship.example.org",
        day=DAY,
        summary=HOSTILE,
        description=f"Note;\r{HOSTILE}",
        url="https://fellowship.example.org/programs/1/calendar/",
    )
    body = ical.calendar([event], name="Deadlines, mine\r", stamp=STAMP)
    parsed = _parse(body)
    assert "\r\nX-WR-CALNAME:Deadlines\\, mine\\n\r\n" in body  # an X- property: kept raw
    (vevent,) = parsed.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == HOSTILE_SHOWN
    assert str(vevent["DESCRIPTION"]) == f"Note;\n{HOSTILE_SHOWN}"
    assert str(vevent["UID"]) == "deadline-1@fellowship.example.org"
    assert vevent["DTSTART"].dt == DAY and vevent["DTEND"].dt == DAY + datetime.timedelta(days=1)
    assert str(vevent["URL"]) == "https://fellowship.example.org/programs/1/calendar/"


def test_a_300_character_title_folds_at_75_octets_and_comes_back_whole():
    title = ("Lumbar radiofrequency ablation review — ünïcode, 🩺; " * 6)[:300]
    assert len(title) == 300
    body = ical.calendar(
        [ical.Event(uid="x-1@example.org", day=DAY, summary=title)], name="Long", stamp=STAMP
    )
    assert body.count("\r\n ") >= 4  # folded, not one long line
    (vevent,) = _parse(body).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == title


def test_a_calendar_without_events_is_still_valid():
    body = ical.calendar([], name="Nothing due", stamp=STAMP)
    parsed = _parse(body)
    assert parsed.walk("VEVENT") == [] and str(parsed["X-WR-CALNAME"]) == "Nothing due"
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")


def test_site_uid_uses_the_host_of_site_url(settings):
    settings.SITE_URL = "https://fellowship.example.org:8443/base/"
    assert ical.site_uid("deadline-12") == "deadline-12@fellowship.example.org"
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert ical.site_uid("assessment-3\r\n") == "assessment-3@127.0.0.1"


@pytest.mark.django_db
def test_the_feed_with_a_hostile_deadline_title_parses_and_uids_carry_the_site_host(
    client, ours, settings
):
    settings.SITE_URL = "https://fellowship.example.org"
    s = scenario.build(ours)
    title = HOSTILE.replace("\x00", "")  # PostgreSQL stores no NUL; the rest it keeps
    hostile = Deadline.objects.create(
        program=ours.program,
        academic_year=s.ccc.academic_year,
        kind=Deadline.Kind.CCC_REVIEW,
        title=title,
        due_date=s.ccc.due_date,
    )
    token = calendar_token_reset(actor=ours.director).calendar_token
    response = client.get(f"/calendar/{token}/feed.ics")
    assert response.status_code == 200
    events = _parse(response.content.decode()).walk("VEVENT")
    by_uid = {str(event["UID"]): event for event in events}
    assert len(by_uid) == len(events) >= 4  # unique
    assert all(uid.endswith("@fellowship.example.org") for uid in by_uid)
    assert str(by_uid[f"deadline-{hostile.pk}@fellowship.example.org"]["SUMMARY"]) == (
        HOSTILE_SHOWN
    )
    assert f"deadline-{s.final.pk}@fellowship.example.org" in by_uid


@pytest.mark.django_db
def test_an_empty_feed_is_a_valid_calendar(client, ours):
    token = calendar_token_reset(actor=ours.faculty).calendar_token  # nothing assigned yet
    response = client.get(f"/calendar/{token}/feed.ics")
    assert response.status_code == 200
    assert _parse(response.content.decode()).walk("VEVENT") == []
