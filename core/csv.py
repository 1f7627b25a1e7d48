"""CSV in and out, the same way everywhere: uploads are checked before parsing, and every cell
written for a spreadsheet is made safe to open."""

import csv
import io
from collections.abc import Iterable, Iterator

from django.http import HttpResponse
from django.utils.http import content_disposition_header

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """The value as text that a spreadsheet shows and never runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> HttpResponse:
    """A CSV download; every cell goes through ``spreadsheet_safe``."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    writer = csv.writer(response)
    writer.writerow(spreadsheet_safe(value) for value in header)
    for row in rows:
        writer.writerow(spreadsheet_safe(value) for value in row)
    return response


def decode_upload(content: bytes, *, max_bytes: int) -> tuple[str | None, str | None]:
    """``(text, None)`` for a UTF-8 CSV file (a BOM is fine), or ``(None, why not)``."""
    if len(content) > max_bytes:
        return None, f"The file is larger than {max_bytes // 1024} KB. Split it into smaller files."
    if content.startswith(b"PK\x03\x04"):
        return None, (
            "This looks like a spreadsheet workbook, not a CSV file. "
            "Save it as “CSV UTF-8” and upload that."
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."
    if "\x00" in text:
        return None, "The file is not a CSV text file."
    return text, None


def csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the file row it starts on (a quoted value may span rows).
    Raises ``csv.Error`` on malformed CSV."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next_row = 1
    for values in reader:
        number, next_row = next_row, reader.line_num + 1
        yield number, values
