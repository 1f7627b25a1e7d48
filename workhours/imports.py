"""Importing shifts from a scheduling system's CSV export (``email,start,end,kind``).

``shift_import_preview`` reads the file against the program as it is now and names every bad row;
``shift_import`` reads it again (a preview is never trusted) and saves every new shift, or none.
The row format and its messages are ``workhours.csv_shifts``: the command and this page read a
file the same way.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.services import audit_record
from core.csv import CsvPreview, read_table
from curriculum.models import Membership, Program

from .csv_shifts import SHAPE, shift_row_read
from .models import MAX_SHIFT, Shift

# A web upload is kept in the session between the preview and the import: smaller than the
# command's limit (a year of shifts for a large program is about 10,000 rows).
IMPORT_SHAPE = dataclasses.replace(SHAPE, max_bytes=1024 * 1024, max_rows=10_000)
TEMPLATE_CSV = (
    "email,start,end,kind\r\n"
    "jane.doe@example.org,2026-07-06T07:00,2026-07-06T17:00,clinical\r\n"
    "jane.doe@example.org,2026-07-07T07:00,2026-07-08T07:00,in-house-call\r\n"
)
IMPORT_REFUSED = "Only the program director and coordinators import work hours."
TIME = "%Y-%m-%d %H:%M"


@dataclass
class ImportRow:
    """One data row of the file; ``number`` as a spreadsheet shows it (the header is row 1)."""

    number: int
    email: str = ""
    start: datetime | None = None
    end: datetime | None = None
    kind: str = ""
    fellow_id: int | None = None
    fellow_name: str = ""
    skipped: bool = False  # the same shift is already stored: nothing to do
    problems: list[str] = field(default_factory=list)

    @property
    def is_ready(self) -> bool:
        return not self.problems

    @property
    def errors(self) -> list[str]:
        return [f"Row {self.number}: {problem}" for problem in self.problems]

    @property
    def hours(self) -> float:
        return (self.end - self.start) / timedelta(hours=1) if self.start and self.end else 0


@dataclass
class ImportPreview(CsvPreview):
    @property
    def new_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.is_ready and not row.skipped]

    @property
    def new_count(self) -> int:
        return len(self.new_rows)

    @property
    def skipped_count(self) -> int:
        return sum(row.skipped for row in self.rows)


def can_import_shifts(user, program: Program) -> bool:
    """Director and coordinators of the program import shifts for its fellows."""
    return Membership.objects.filter(
        program=program, user=user, is_active=True, role__in=Membership.STAFF_ROLES
    ).exists()


def shifts_parse(
    content: bytes,
    *,
    zone: tzinfo,
    fellows: dict[str, tuple[int, str]],
    existing: dict[int, list[tuple[datetime, datetime, str]]],
) -> ImportPreview:
    """Check a file with no database: ``fellows`` maps lower-case emails of the program's active
    fellows to ``(membership id, name)``; ``existing`` maps membership ids to their stored
    shifts ``(start, end, kind)``, sorted by start."""
    preview = ImportPreview()
    table = read_table(content, IMPORT_SHAPE, preview)
    if table is None:
        return preview
    columns, records = table
    for number, values in records:
        row = ImportRow(number=number)
        preview.rows.append(row)
        cells = {name: values[i].strip() if i < len(values) else "" for name, i in columns.items()}
        row.email, row.kind = cells["email"].lower(), cells["kind"]
        shift, error = shift_row_read(number, values, columns, zone=zone)
        if error:
            row.problems.append(error.split(": ", 1)[1])
            continue
        row.start, row.end = shift.start, shift.end
        if row.end - row.start > MAX_SHIFT:
            row.problems.append("a shift lasts at most 48 hours (check the dates).")
        match = fellows.get(row.email)
        if match is None:
            row.problems.append(f"“{row.email}” is not an active fellow of this program.")
        else:
            row.fellow_id, row.fellow_name = match
    _check_existing(preview.rows, existing)
    _check_within_file(preview.rows)
    return preview


def _check_existing(rows: list[ImportRow], existing) -> None:
    for row in rows:
        if row.problems or row.fellow_id is None:
            continue
        stored = existing.get(row.fellow_id, [])
        if (row.start, row.end, row.kind) in {(s, e, k) for s, e, k in stored}:
            row.skipped = True
            continue
        starts = [start for start, _, _ in stored]
        # Stored shifts of one fellow never overlap, so only the last one starting before this
        # row ends can overlap it.
        index = bisect.bisect_left(starts, row.end)
        if index and stored[index - 1][1] > row.start:
            start, end, kind = stored[index - 1]
            row.problems.append(
                f"overlaps the {kind} shift already logged "
                f"{start.astimezone(row.start.tzinfo):{TIME}}-{end.astimezone(row.start.tzinfo):%H:%M}."
            )


def _check_within_file(rows: list[ImportRow]) -> None:
    by_fellow = defaultdict(list)
    for row in rows:
        if row.fellow_id is not None and row.start is not None and not row.skipped:
            by_fellow[row.fellow_id].append(row)
    for own in by_fellow.values():
        own.sort(key=lambda row: (row.start, row.end, row.number))
        latest: ImportRow | None = None  # the row ending last so far
        for row in own:
            if latest is not None and row.start < latest.end:
                same = (row.start, row.end, row.kind) == (latest.start, latest.end, latest.kind)
                words = "is the same shift as" if same else "overlaps"
                row.problems.append(f"{words} row {latest.number}.")
                latest.problems.append(f"{words} row {row.number}.")
            if latest is None or row.end > latest.end:
                latest = row


def _program_fellows(program: Program) -> dict[str, tuple[int, str]]:
    members = Membership.objects.filter(
        program=program, role=Membership.Role.FELLOW, is_active=True, user__is_active=True
    ).values_list("pk", "user__email", "user__full_name")
    return {email.lower(): (pk, name or email) for pk, email, name in members}


def _stored_shifts(program: Program, fellow_ids) -> dict[int, list[tuple[datetime, datetime, str]]]:
    existing = defaultdict(list)
    rows = (
        Shift.objects.filter(fellow_id__in=list(fellow_ids))
        .order_by("fellow_id", "start", "end")
        .values_list("fellow_id", "start", "end", "kind")
    )
    for fellow_id, start, end, kind in rows:
        existing[fellow_id].append((start, end, kind))
    return existing


def shift_import_preview(*, actor, program: Program, content: bytes, zone: tzinfo) -> ImportPreview:
    """Check a shifts CSV against the program as it is now. Reads only (three queries)."""
    if not can_import_shifts(actor, program):
        raise PermissionDenied(IMPORT_REFUSED)
    fellows = _program_fellows(program)
    emails = _emails(content)
    ids = [fellows[email][0] for email in emails if email in fellows]
    return shifts_parse(content, zone=zone, fellows=fellows, existing=_stored_shifts(program, ids))


def _emails(content: bytes) -> set[str]:
    """The lower-case emails the file names (to read only those fellows' stored shifts)."""
    table = read_table(content, IMPORT_SHAPE, CsvPreview())
    if table is None:
        return set()
    columns, records = table
    index = columns["email"]
    return {values[index].strip().lower() for _, values in records if index < len(values)}


def shift_import(*, actor, program: Program, content: bytes, zone: tzinfo) -> ImportPreview:
    """Save every new shift of a CSV file, or none: any bad row raises a ``ValidationError``
    listing every problem. Shifts already stored are skipped. One audit event with the counts."""
    if not can_import_shifts(actor, program):
        raise PermissionDenied(IMPORT_REFUSED)
    with transaction.atomic():
        # One import per program at a time: two identical uploads must not race each other.
        Program.objects.select_for_update().filter(pk=program.pk).first()
        preview = shift_import_preview(actor=actor, program=program, content=content, zone=zone)
        if not preview.is_clean:
            raise ValidationError(
                [ValidationError(message, code="shifts") for message in preview.errors]
                or [ValidationError("The file has no shifts to import.", code="shifts")]
            )
        Shift.objects.bulk_create(
            [
                Shift(
                    program=program,
                    fellow_id=row.fellow_id,
                    start=row.start,
                    end=row.end,
                    kind=row.kind,
                    source=Shift.Source.IMPORTED,
                    created_by=actor,
                )
                for row in preview.new_rows
            ]
        )
        audit_record(
            actor=actor,
            action="shift.import",
            obj=program,
            changes={
                "imported": preview.new_count,
                "skipped": preview.skipped_count,
                "fellows": len({row.fellow_id for row in preview.new_rows}),
                "timezone": str(zone),
            },
        )
    return preview
