"""Reading a CSV of a fellow's past entries into a preview that names every bad row.

Pure parsing and validation: nothing here touches the database. What the program knows (its
procedure types and supervisors) is passed in as mappings keyed by lower-case name or email, so
every rule can be tested without one. The services re-check every row when they save it.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.csv import CsvPreview, TableShape, read_table
from core.fields import screened_field_problems

from .models import Guidance, ProcedureLogEntry
from .rules import age_band_refusal, age_band_refused, telecom_refusal, telecom_refused

Entry = ProcedureLogEntry
MAX_BYTES = 256 * 1024
MAX_ROWS = 1000
EARLIEST_DATE = datetime.date(2000, 1, 1)
COLUMNS = (
    "date",
    "procedure",
    "guidance",
    "role",
    "supervisor_email",
    "supervision_level",
    "complication",
    "age_band",
    "level",
    "laterality",
    "note",
)
REQUIRED = COLUMNS[:8]
# Columns our own export adds; an exported file imports as it is, these are ignored.
IGNORED_COLUMNS = ("id", "site", "status", "return_reason", "fellow")
# The sample row names a procedure of the shipped catalogue (procedures/data/catalogue.yaml),
# so it imports as it is into a program that loaded it (tests/procedures/test_default_catalogue).
TEMPLATE_CSV = (
    ",".join(COLUMNS)
    + "\r\n2025-09-15,Lumbar transforaminal epidural steroid injection,fluoroscopy,performed,"
    + "faculty@example.org,direct,none,40_64,L4-L5,left,\r\n"
)
SHAPE = TableShape(
    columns=COLUMNS,
    required=REQUIRED,
    ignored=IGNORED_COLUMNS,
    max_bytes=MAX_BYTES,
    max_rows=MAX_ROWS,
    plural="entries",
    none="no entries",
)
CHOICES = {
    "guidance": Guidance,
    "role": Entry.Role,
    "supervision_level": Entry.SupervisionLevel,
    "complication": Entry.Complication,
    "age_band": Entry.AgeBand,
    "laterality": Entry.Laterality,
}


@dataclass
class EntryRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    values: dict[str, str]
    cleaned: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def is_ready(self) -> bool:
        return not self.problems

    @property
    def errors(self) -> list[str]:
        return self.problems

    def add(self, column: str, message: str) -> None:
        where = f"Row {self.number} ({column})" if column else f"Row {self.number}"
        self.problems.append(f"{where}: {message}")


class EntryPreview(CsvPreview):
    """Rows are ``EntryRow``."""


def entries_parse(
    content: bytes,
    *,
    procedure_types: Mapping[str, object],
    supervisors: Mapping[str, object],
    today: datetime.date,
    split_age_bands: bool = False,
) -> EntryPreview:
    """Check an entries file. ``procedure_types`` maps lower-case names to the program's active
    types (with their category); ``supervisors`` maps lower-case emails to its active
    faculty/director memberships; ``split_age_bands`` is the program's age-band setting."""
    preview = EntryPreview()
    table = read_table(content, SHAPE, preview)
    if table is None:
        return preview
    positions, data = table
    for number, values in data:
        row = EntryRow(
            number=number,
            values={
                column: (values[index].strip() if index < len(values) else "")
                for column, index in positions.items()
            },
        )
        _check_row(row, procedure_types, supervisors, today, split_age_bands)
        preview.rows.append(row)
    return preview


def _parse_date(value: str) -> datetime.date | None:
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _choice(row: EntryRow, column: str, *, required: bool) -> str:
    value = row.values.get(column, "")
    choices = CHOICES[column]
    if not value:
        if required:
            row.add(column, f"the {column.replace('_', ' ')} is missing")
        return ""
    lowered = value.lower()
    for choice_value, label in choices.choices:
        if lowered in (choice_value, str(label).lower()):
            return choice_value
    row.add(column, f"'{value}' is not one of {', '.join(choices.values)}")
    return ""


def _check_row(
    row: EntryRow, procedure_types, supervisors, today: datetime.date, split_age_bands: bool
) -> None:
    values = row.values
    cleaned = row.cleaned

    performed_on = _parse_date(values["date"]) if values["date"] else None
    if not values["date"]:
        row.add("date", "the date is missing")
    elif performed_on is None:
        row.add("date", f"'{values['date']}' is not a date (use YYYY-MM-DD)")
    elif performed_on > today:
        row.add("date", f"{performed_on:%Y-%m-%d} is in the future")
    elif performed_on < EARLIEST_DATE:
        row.add("date", f"{performed_on:%Y-%m-%d} is before 2000")
    cleaned["performed_on"] = performed_on

    procedure_type = None
    if not values["procedure"]:
        row.add("procedure", "the procedure is missing")
    else:
        procedure_type = procedure_types.get(values["procedure"].lower())
        if procedure_type is None:
            row.add(
                "procedure",
                f"'{values['procedure']}' is not an active procedure of this program's catalogue",
            )
    cleaned["procedure_type"] = procedure_type

    guidance = _choice(row, "guidance", required=True)
    if guidance and procedure_type is not None:
        allowed = list(procedure_type.allowed_guidance)
        if guidance not in allowed:
            row.add(
                "guidance",
                f"{procedure_type.name} is not done with {guidance} "
                f"(use {', '.join(allowed) or 'no guidance listed'})",
            )
    cleaned["guidance"] = guidance

    for column in ("role", "supervision_level", "complication", "age_band"):
        cleaned[column] = _choice(row, column, required=True)
    if procedure_type is not None and telecom_refused(procedure_type, cleaned["supervision_level"]):
        row.add("supervision_level", telecom_refusal(procedure_type))
    if age_band_refused(cleaned["age_band"], split=split_age_bands):
        row.add("age_band", age_band_refusal(cleaned["age_band"], split=split_age_bands))
    cleaned["laterality"] = _choice(row, "laterality", required=False)

    email = values["supervisor_email"].lower()
    supervisor = supervisors.get(email) if email else None
    if not email:
        row.add("supervisor_email", "the supervisor's email is missing")
    elif supervisor is None:
        row.add(
            "supervisor_email",
            f"{email} is not an active faculty member or director of this program",
        )
    cleaned["supervisor"] = supervisor

    level = values.get("level", "")
    if level and len(level) > 20:
        row.add("level", "the level is longer than 20 characters")
    if procedure_type is not None:
        if level and not procedure_type.has_level:
            row.add("level", f"{procedure_type.name} has no spinal level; leave it empty")
        if cleaned["laterality"] and not procedure_type.has_laterality:
            row.add("laterality", f"{procedure_type.name} has no side; leave it empty")
    cleaned["level"] = level

    note = values.get("note", "")
    if len(note) > 200:
        row.add("note", "the note is longer than 200 characters")
    cleaned["note"] = note
    # Every screened text field of an entry (the note, the level), as full_clean would.
    for name, problems in screened_field_problems(ProcedureLogEntry, cleaned).items():
        for problem in problems:
            row.add(name, problem)
