"""Importing shifts from a scheduling system's CSV: preview with row errors, all or nothing."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from core.once import new_token
from curriculum.models import Membership
from tests.conftest import assert_constant_queries
from tests.curriculum.factories import MembershipFactory
from workhours.imports import shift_import, shift_import_preview, shifts_parse
from workhours.models import Shift
from workhours.program_views import _session_key

from .factories import ShiftFactory

NY = zoneinfo.ZoneInfo("America/New_York")
HEADER = "email,start,end,kind\n"


def csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def at(day: int, hour: int, zone=NY) -> datetime.datetime:
    return datetime.datetime(2026, 9, day, hour, tzinfo=zone)


def fellow_of(people):
    return Membership.objects.get(program=people.program, user=people.fellow)


# --- Parsing without a database -------------------------------------------------------------


def test_parse_matches_fellows_and_reads_local_times():
    preview = shifts_parse(
        csv("Fellow@Example.org,2026-09-01T07:00,2026-09-01T17:00,clinical"),
        zone=NY,
        fellows={"fellow@example.org": (7, "Dr Fellow")},
        existing={},
    )
    (row,) = preview.rows
    assert preview.is_clean and preview.new_count == 1
    assert (row.fellow_id, row.fellow_name, row.kind) == (7, "Dr Fellow", "clinical")
    assert row.start == at(1, 7) and row.end == at(1, 17)
    assert row.start.utcoffset() == datetime.timedelta(hours=-4)


def test_parse_names_every_bad_row_by_number():
    fellows = {"a@x.org": (1, "A")}
    preview = shifts_parse(
        csv(
            "a@x.org,2026-09-01T07:00,2026-09-01T17:00,clinical",  # row 2: fine
            "a@x.org,yesterday,2026-09-01T17:00,clinical",  # row 3: malformed date
            "a@x.org,2026-09-02T07:00,2026-09-02T17:00,surgery",  # row 4: unknown kind
            "a@x.org,2026-09-03T17:00,2026-09-03T07:00,clinical",  # row 5: end before start
            "nobody@x.org,2026-09-04T07:00,2026-09-04T17:00,clinical",  # row 6: unknown email
            "a@x.org,2026-09-05T07:00,2026-09-08T07:00,clinical",  # row 7: 72 hours
        ),
        zone=NY,
        fellows=fellows,
        existing={},
    )
    assert [row.number for row in preview.rows if not row.is_ready] == [3, 4, 5, 6, 7]
    errors = preview.errors
    assert errors[0] == "Row 3: start and end must be ISO date-times."
    assert errors[1].startswith("Row 4: unknown kind “surgery”")
    assert errors[2] == "Row 5: the shift must end after it starts."
    assert errors[3] == "Row 6: “nobody@x.org” is not an active fellow of this program."
    assert errors[4].startswith("Row 7: a shift lasts at most 48 hours")
    assert not preview.is_clean and preview.problem_count == 5


def test_parse_overlap_within_file_marks_both_rows():
    preview = shifts_parse(
        csv(
            "a@x.org,2026-09-01T07:00,2026-09-01T17:00,clinical",
            "a@x.org,2026-09-01T17:00,2026-09-01T19:00,education",  # touches row 2
            "a@x.org,2026-09-01T16:00,2026-09-01T18:00,education",  # overlaps rows 2 and 3
            "b@x.org,2026-09-01T07:00,2026-09-01T17:00,clinical",  # another fellow: fine
            "b@x.org,2026-09-01T07:00,2026-09-01T17:00,clinical",  # twice
        ),
        zone=NY,
        fellows={"a@x.org": (1, "A"), "b@x.org": (2, "B")},
        existing={},
    )
    status = {row.number: row.problems for row in preview.rows}
    assert status[4] and status[2] and status[5] is not None
    assert "overlaps row" in status[4][0]
    assert (
        status[6] == ["is the same shift as row 5."]
        and status[5][-1] == "is the same shift as row 6."
    )


def test_parse_existing_shift_duplicate_is_skipped_overlap_is_an_error():
    existing = {1: [(at(1, 7), at(1, 17), "clinical")]}
    preview = shifts_parse(
        csv(
            "a@x.org,2026-09-01T07:00,2026-09-01T17:00,clinical",  # already there
            "a@x.org,2026-09-01T17:00,2026-09-01T20:00,education",  # touches: fine
        ),
        zone=NY,
        fellows={"a@x.org": (1, "A")},
        existing=existing,
    )
    assert preview.is_clean and preview.skipped_count == 1 and preview.new_count == 1
    overlap = shifts_parse(
        csv("a@x.org,2026-09-01T12:00,2026-09-01T20:00,clinical"),
        zone=NY,
        fellows={"a@x.org": (1, "A")},
        existing=existing,
    )
    assert overlap.errors == [
        "Row 2: overlaps the clinical shift already logged 2026-09-01 07:00-17:00."
    ]


def test_parse_file_problems_stop_the_preview():
    preview = shifts_parse(b"who,when\nx,y\n", zone=NY, fellows={}, existing={})
    assert preview.file_errors and not preview.rows and not preview.is_clean


# --- Against the database -------------------------------------------------------------------


def test_preview_only_matches_active_fellows_of_this_program(ours, theirs):
    inactive = MembershipFactory(program=ours.program, role=Membership.Role.FELLOW, is_active=False)
    content = csv(
        f"{ours.fellow.email},2026-09-01T07:00,2026-09-01T17:00,clinical",
        f"{theirs.fellow.email},2026-09-01T07:00,2026-09-01T17:00,clinical",
        f"{ours.faculty.email},2026-09-01T07:00,2026-09-01T17:00,clinical",
        f"{inactive.user.email},2026-09-01T07:00,2026-09-01T17:00,clinical",
    )
    preview = shift_import_preview(
        actor=ours.coordinator, program=ours.program, content=content, zone=NY
    )
    assert [row.is_ready for row in preview.rows] == [True, False, False, False]


def test_import_saves_all_with_source_and_one_audit_event(ours):
    content = csv(
        f"{ours.fellow.email},2026-09-01T07:00,2026-09-01T17:00,clinical",
        f"{ours.fellow.email},2026-09-02T07:00,2026-09-03T07:00,in-house-call",
    )
    done = shift_import(actor=ours.coordinator, program=ours.program, content=content, zone=NY)
    assert done.new_count == 2
    shifts = list(Shift.objects.order_by("start"))
    assert [(s.start, s.kind, s.source, s.created_by) for s in shifts] == [
        (at(1, 7), "clinical", "imported", ours.coordinator),
        (at(2, 7), "in-house-call", "imported", ours.coordinator),
    ]
    assert all(s.fellow == fellow_of(ours) and s.program == ours.program for s in shifts)
    event = AuditEvent.objects.get(action="shift.import")
    assert event.changes["imported"] == 2 and event.changes["skipped"] == 0


def test_import_refuses_everything_when_one_row_is_bad(ours):
    content = csv(
        f"{ours.fellow.email},2026-09-01T07:00,2026-09-01T17:00,clinical",
        "stranger@example.org,2026-09-02T07:00,2026-09-02T17:00,clinical",
    )
    with pytest.raises(ValidationError) as raised:
        shift_import(actor=ours.director, program=ours.program, content=content, zone=NY)
    assert "Row 3" in str(raised.value)
    assert (
        not Shift.objects.exists() and not AuditEvent.objects.filter(action="shift.import").exists()
    )


def test_import_twice_skips_what_is_already_there(ours):
    content = csv(f"{ours.fellow.email},2026-09-01T07:00,2026-09-01T17:00,clinical")
    shift_import(actor=ours.coordinator, program=ours.program, content=content, zone=NY)
    again = shift_import(actor=ours.coordinator, program=ours.program, content=content, zone=NY)
    assert (again.new_count, again.skipped_count) == (0, 1)
    assert Shift.objects.count() == 1


def test_import_overlap_with_a_logged_shift_is_refused(ours):
    ShiftFactory(program=ours.program, fellow=fellow_of(ours), start=at(1, 8), end=at(1, 12))
    content = csv(f"{ours.fellow.email},2026-09-01T07:00,2026-09-01T17:00,clinical")
    with pytest.raises(ValidationError):
        shift_import(actor=ours.coordinator, program=ours.program, content=content, zone=NY)
    assert Shift.objects.count() == 1


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_import_refused_to_other_roles(ours, role):
    content = csv(f"{ours.fellow.email},2026-09-01T07:00,2026-09-01T17:00,clinical")
    with pytest.raises(PermissionDenied):
        shift_import(actor=ours.user(role), program=ours.program, content=content, zone=NY)


# --- The page --------------------------------------------------------------------------------


def _url(people) -> str:
    return reverse("workhours:shift_import", kwargs={"program_id": people.program.pk})


def _upload(client, people, content: bytes, zone="America/New_York"):
    upload = SimpleUploadedFile("shifts.csv", content, content_type="text/csv")
    return client.post(_url(people), {"step": "preview", "file": upload, "timezone": zone})


def test_page_preview_then_import(client, ours):
    client.force_login(ours.coordinator)
    content = csv(
        f"{ours.fellow.email},2026-09-01T07:00,2026-09-01T17:00,clinical",
        f"{ours.fellow.email},2026-09-02T09:00,2026-09-02T17:00,education",
    )
    ShiftFactory(
        program=ours.program,
        fellow=fellow_of(ours),
        start=at(2, 9),
        end=at(2, 17),
        kind="education",
    )
    page = _upload(client, ours, content)
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 new shift, 1 already there (skipped)" in text
    assert "Already there, skipped" in text and "Import 1 shift" in text
    assert not Shift.objects.filter(source="imported").exists()  # the preview saves nothing
    digest = page.context["digest"]
    done = client.post(
        _url(ours), {"step": "confirm", "digest": digest, "_once": new_token()}, follow=True
    )
    assert "1 shift imported. 1 already there, skipped." in done.content.decode()
    assert Shift.objects.filter(source="imported").count() == 1
    # A second confirm (a double submit) finds nothing waiting and creates nothing.
    again = client.post(_url(ours), {"step": "confirm", "digest": digest, "_once": new_token()})
    assert "no checked file waiting" in again.content.decode()
    assert Shift.objects.count() == 2


def test_page_uses_the_zone_chosen(client, ours):
    client.force_login(ours.director)
    content = csv(f"{ours.fellow.email},2026-09-01T07:00,2026-09-01T17:00,clinical")
    page = _upload(client, ours, content, zone="UTC")
    client.post(
        _url(ours), {"step": "confirm", "digest": page.context["digest"], "_once": new_token()}
    )
    assert Shift.objects.get().start == at(1, 7, zone=datetime.UTC)


def test_page_with_row_errors_keeps_nothing_to_confirm(client, ours):
    client.force_login(ours.coordinator)
    page = _upload(
        client, ours, csv("nobody@example.org,2026-09-01T07:00,2026-09-01T17:00,clinical")
    )
    text = page.content.decode()
    assert "Nothing was imported." in text and "Row 2:" in text and "Import 1" not in text
    assert _session_key(ours.program) not in client.session


def test_page_confirm_with_a_stale_digest_shows_the_preview_again(client, ours):
    client.force_login(ours.coordinator)
    content = csv(f"{ours.fellow.email},2026-09-01T07:00,2026-09-01T17:00,clinical")
    _upload(client, ours, content)
    page = client.post(_url(ours), {"step": "confirm", "digest": "x" * 64, "_once": new_token()})
    assert "The file changed since this page was shown" in page.content.decode()
    assert not Shift.objects.exists()


def test_page_confirm_revalidates(client, ours):
    """A shift logged between the preview and the confirm: the import is refused, nothing saved."""
    client.force_login(ours.coordinator)
    content = csv(f"{ours.fellow.email},2026-09-01T07:00,2026-09-01T17:00,clinical")
    page = _upload(client, ours, content)
    ShiftFactory(program=ours.program, fellow=fellow_of(ours), start=at(1, 8), end=at(1, 9))
    again = client.post(
        _url(ours), {"step": "confirm", "digest": page.context["digest"], "_once": new_token()}
    )
    assert "overlaps the clinical shift already logged" in again.content.decode()
    assert Shift.objects.count() == 1


def test_template_download(client, ours):
    client.force_login(ours.coordinator)
    url = reverse("workhours:shift_import_template", kwargs={"program_id": ours.program.pk})
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"email,start,end,kind")


def test_preview_queries_do_not_grow_with_rows_or_fellows(ours):
    lines = []

    def grow(n):
        for _ in range(n):
            fellow = MembershipFactory(program=ours.program, role=Membership.Role.FELLOW)
            day = len(lines) + 1
            ShiftFactory(program=ours.program, fellow=fellow, start=at(day, 1), end=at(day, 2))
            lines.append(
                f"{fellow.user.email},2026-09-{day:02d}T07:00,2026-09-{day:02d}T17:00,clinical"
            )

    def run():
        preview = shift_import_preview(
            actor=ours.coordinator, program=ours.program, content=csv(*lines), zone=NY
        )
        assert preview.is_clean and preview.new_count == len(lines)

    assert_constant_queries(run, grow, sizes=(1, 8))
