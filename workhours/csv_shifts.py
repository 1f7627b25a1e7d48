"""Shifts from a CSV file (``email,start,end,kind``), checked row by row: all rows or none."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from core.csv import CsvPreview, TableShape, read_table

from .rules import KINDS, Shift

SHAPE = TableShape(
    columns=("email", "start", "end", "kind"),
    required=("email", "start", "end", "kind"),
    max_bytes=20 * 1024 * 1024,
    max_rows=200_000,
    plural="shifts",
    none="no shifts",
)


@dataclass
class ShiftsRead:
    """The shifts read, or the problems that stop the file being read (rows are file rows)."""

    shifts: list[Shift] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _when(text: str, zone: tzinfo) -> datetime:
    """An ISO date-time; without an offset it is local to ``zone``, with one the offset wins."""
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=zone) if value.utcoffset() is None else value


def shifts_read(content: bytes, *, zone: tzinfo) -> ShiftsRead:
    """Parse ``content``: every malformed row is named by its row number in the file."""
    result = ShiftsRead()
    preview = CsvPreview()
    table = read_table(content, SHAPE, preview)
    if table is None:
        result.errors = preview.file_errors
        return result
    columns, records = table
    for number, values in records:
        shift, error = shift_row_read(number, values, columns, zone=zone)
        if error:
            result.errors.append(error)
        else:
            result.shifts.append(shift)
    return result


def shift_row_read(
    number: int, values: list[str], columns: dict[str, int], *, zone: tzinfo
) -> tuple[Shift | None, str]:
    """One data row as a shift (person = the lower-case email), or the row's problem in words."""
    cells = {name: values[i].strip() if i < len(values) else "" for name, i in columns.items()}
    missing = [name for name in SHAPE.columns if not cells[name]]
    if missing or len(values) > len(SHAPE.columns):
        what = f"missing {', '.join(missing)}" if missing else "too many values"
        return None, f"Row {number}: {what}."
    try:
        start, end = _when(cells["start"], zone), _when(cells["end"], zone)
    except ValueError:
        return None, f"Row {number}: start and end must be ISO date-times."
    if cells["kind"] not in KINDS:
        return None, f"Row {number}: unknown kind “{cells['kind']}” (one of {', '.join(KINDS)})."
    if end <= start:
        return None, f"Row {number}: the shift must end after it starts."
    return Shift(cells["email"].lower(), start, end, cells["kind"]), ""
