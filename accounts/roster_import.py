"""Reading a roster CSV (``email,full_name,role``) into a preview that names every bad row.

Pure parsing and validation: nothing here touches the database. What the database knows (who
already holds a role, who already has an open invitation) is passed in as sets of
``(email, role)`` pairs, so every rule can be tested without one.
"""

import csv
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.csv import CsvPreview, csv_records, decode_upload
from curriculum.models import Membership

from .models import INVITABLE_ROLES

MAX_BYTES = 256 * 1024
MAX_ROWS = 500
COLUMNS = ("email", "full_name", "role")
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 150
TEMPLATE_CSV = "email,full_name,role\r\njane.doe@example.org,Dr. Jane Doe,fellow\r\n"

_ROLE_WORDS = " or ".join(INVITABLE_ROLES)
_COLUMN_WORDS = ", ".join(COLUMNS)


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one cell (or the whole row when ``column`` is empty)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row} ({self.column})" if self.column else f"Row {self.row}"
        return f"{where}: {self.message}"


@dataclass
class RosterRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    email: str
    full_name: str
    role: str
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_ready(self) -> bool:
        return not self.problems

    @property
    def errors(self) -> list[str]:
        return [str(problem) for problem in self.problems]

    def add(self, column: str, message: str) -> None:
        self.problems.append(RowProblem(self.number, column, message))


@dataclass
class RosterPreview(CsvPreview):
    @property
    def notes(self) -> list[str]:
        return [note for row in self.rows for note in row.notes]


def roster_parse(
    content: bytes,
    *,
    members: Collection[tuple[str, str]] = frozenset(),
    open_invitations: Collection[tuple[str, str]] = frozenset(),
) -> RosterPreview:
    """Check a roster file. ``members`` and ``open_invitations`` hold lower-case
    ``(email, role)`` pairs: active roles in the program, and invitations not yet accepted
    or withdrawn."""
    preview = RosterPreview()
    text = _decode(content, preview)
    if text is None:
        return preview
    records = _read_records(text, preview)
    if records is None:
        return preview
    if not records:
        preview.file_errors.append(f"The file is empty. The first row must be: {_COLUMN_WORDS}.")
        return preview
    (_, header), data = records[0], records[1:]
    positions = _read_header(header, preview)
    if positions is None:
        return preview
    if not data:
        preview.file_errors.append("The file has a header row but nobody below it.")
        return preview
    if len(data) > MAX_ROWS:
        preview.file_errors.append(
            f"The file has {len(data)} people; at most {MAX_ROWS} can be imported at once. "
            "Split it into smaller files."
        )
        return preview
    for number, values in data:
        preview.rows.append(_read_row(number, values, positions, len(header)))
    _check_duplicates(preview.rows)
    for row in preview.rows:
        _check_against_program(row, members, open_invitations)
    return preview


def _decode(content: bytes, preview: RosterPreview) -> str | None:
    text, problem = decode_upload(content, max_bytes=MAX_BYTES)
    if problem:
        preview.file_errors.append(problem)
    return text


def _read_records(text: str, preview: RosterPreview) -> list[tuple[int, list[str]]] | None:
    """Non-blank records, each with the file row it starts on."""
    records = []
    number = 1
    try:
        for number, values in csv_records(text):
            if any(value.strip() for value in values):
                records.append((number, values))
    except csv.Error as error:
        preview.file_errors.append(f"The file is not valid CSV (near row {number}: {error}).")
        return None
    return records


def _read_header(header: list[str], preview: RosterPreview) -> dict[str, int] | None:
    names = [name.strip().lower() for name in header]
    problems = []
    for index, name in enumerate(names):
        if not name:
            problems.append(f"Column {index + 1} of the header row has no name.")
        elif name not in COLUMNS:
            problems.append(f"Unexpected column “{header[index].strip()}”.")
        elif names.index(name) != index:
            problems.append(f"The column “{name}” appears twice.")
    problems += [f"Missing column “{column}”." for column in COLUMNS if column not in names]
    if problems:
        preview.file_errors += problems
        preview.file_errors.append(
            f"The first row must name exactly these columns: {_COLUMN_WORDS}."
        )
        return None
    return {name: names.index(name) for name in COLUMNS}


def _read_row(number: int, values: list[str], positions: dict[str, int], width: int) -> RosterRow:
    def cell(column: str) -> str:
        index = positions[column]
        return values[index].strip() if index < len(values) else ""

    row = RosterRow(
        number=number, email=cell("email"), full_name=cell("full_name"), role=cell("role")
    )
    if len(values) > width and any(value.strip() for value in values[width:]):
        row.add("", f"has {len(values)} values but the header names only {width} columns")

    if not row.email:
        row.add("email", "the email address is missing")
    else:
        try:
            if len(row.email) > MAX_EMAIL_LENGTH:
                raise ValidationError("too long")
            validate_email(row.email)
        except ValidationError:
            row.add("email", f"“{row.email}” is not a valid email address")
        else:
            row.email = row.email.lower()

    if not row.full_name:
        row.add("full_name", "the full name is missing")
    elif len(row.full_name) > MAX_NAME_LENGTH:
        row.add("full_name", f"the full name is longer than {MAX_NAME_LENGTH} characters")

    role = row.role.lower()
    if not role:
        row.add("role", f"the role is missing (use {_ROLE_WORDS})")
    elif role not in INVITABLE_ROLES:
        row.add("role", f"“{row.role}” is not a role you can import (use {_ROLE_WORDS})")
    else:
        row.role = role
    return row


def _check_duplicates(rows: list[RosterRow]) -> None:
    by_email: dict[str, list[RosterRow]] = defaultdict(list)
    for row in rows:
        if row.email:
            by_email[row.email.lower()].append(row)
    for email, same in by_email.items():
        if len(same) < 2:
            continue
        for row in same:
            others = ", ".join(str(other.number) for other in same if other is not row)
            word = "rows" if len(same) > 2 else "row"
            row.add("email", f"{email} is also on {word} {others}; list each person once")


def _check_against_program(
    row: RosterRow,
    members: Collection[tuple[str, str]],
    open_invitations: Collection[tuple[str, str]],
) -> None:
    if row.role not in INVITABLE_ROLES or not row.email:
        return
    role_words = Membership.Role(row.role).label.lower()
    if (row.email, row.role) in members:
        row.add("email", f"{row.email} already has the {role_words} role in this program")
    elif (row.email, row.role) in open_invitations and row.is_ready:
        row.notes.append(
            f"Row {row.number}: {row.email} already has an open invitation as {role_words}; "
            "it will be withdrawn and a new one sent."
        )
