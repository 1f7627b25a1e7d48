"""Reading a roster CSV (``email,full_name,role``) into a preview that names every bad row.

Pure parsing and validation: nothing here touches the database. What the database knows (who
already holds a role, who already has an open invitation) is passed in as sets of
``(email, role)`` pairs, so every rule can be tested without one.
"""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.csv import CsvPreview, TableShape, read_table
from curriculum.models import Membership

from .models import INVITABLE_ROLES

MAX_BYTES = 256 * 1024
MAX_ROWS = 500
COLUMNS = ("email", "full_name", "role")
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 150
TEMPLATE_CSV = "email,full_name,role\r\njane.doe@example.org,Dr. Jane Doe,fellow\r\n"

_ROLE_WORDS = " or ".join(INVITABLE_ROLES)
SHAPE = TableShape(
    columns=COLUMNS,
    required=COLUMNS,
    max_bytes=MAX_BYTES,
    max_rows=MAX_ROWS,
    plural="people",
    none="nobody",
)


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
    table = read_table(content, SHAPE, preview)
    if table is None:
        return preview
    positions, data = table
    width = len(positions)  # the header names exactly COLUMNS, nothing else
    for number, values in data:
        preview.rows.append(_read_row(number, values, positions, width))
    _check_duplicates(preview.rows)
    for row in preview.rows:
        _check_against_program(row, members, open_invitations)
    return preview


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
