"""A tiny iCalendar (RFC 5545) writer: all-day events, escaped text, folded lines, CRLF.

What any calendar client must be able to read, whatever people typed into a title:

- Every text value is cleaned first: a bare CR, CRLF, LF and the Unicode line breaks (NEL, LINE
  SEPARATOR, PARAGRAPH SEPARATOR) become one escaped newline, a tab becomes a space, and every other
  control character (NUL, C0, DEL, C1) and any lone surrogate is dropped. RFC 5545 section 3.3.11
  allows none of them raw in TEXT, and a raw CR splits the line in most parsers.
- Then TEXT is escaped (backslash, semicolon, comma, newline; section 3.3.11) and every content line
  is folded at 75 octets without splitting a UTF-8 sequence (section 3.1).
- UIDs carry the host of ``settings.SITE_URL`` on the right, so two installations never hand a
  client the same UID (section 3.8.4.7 suggests a domain name there).
- No METHOD: a published feed is not an iTIP message (RFC 5546 would then ask for an ORGANIZER).
- A calendar with no events is still VCALENDAR + VERSION + PRODID, which clients accept.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

PRODID = "-//Fellowship//Reminders//EN"
# CRLF first so it counts as one break; then the lone breaks, ASCII and Unicode.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


@dataclass(frozen=True)
class Event:
    uid: str
    day: datetime.date
    summary: str
    description: str = ""
    url: str = ""


def site_uid(local: str) -> str:
    """``local@host``, the host being the site's public address (``SITE_URL``)."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"{_clean(local, newline='')}@{host}"


def _clean(text: str, *, newline: str = "\n") -> str:
    """``text`` with line breaks unified to ``newline`` and every other control character gone."""
    text = _LINE_BREAK.sub(newline, text).replace("\t", " ")
    return "".join(
        char for char in text if char == "\n" or unicodedata.category(char) not in {"Cc", "Cs"}
    )


def _escape(text: str) -> str:
    return (
        _clean(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def calendar(events: list[Event], *, name: str, stamp: datetime.datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    dtstamp = stamp.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_clean(event.uid, newline='')}",
            f"DTSTAMP:{dtstamp}",
            f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{event.day + datetime.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{_escape(event.description)}")
        if event.url:
            lines.append(f"URL:{_clean(event.url, newline='')}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
