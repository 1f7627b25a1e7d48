"""CSV in and out, the same way everywhere: uploads are checked before parsing, and every cell
written for a spreadsheet is made safe to open."""

import base64
import csv
import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """The value as text that a spreadsheet shows and never runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def spreadsheet_restore(text: str) -> str:
    """Undo ``spreadsheet_safe`` on a cell read back from one of our own exports, so that an
    export imports back unchanged: ``'=x`` is ``=x`` again; any other text is left alone."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


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


LINES_PER_CHUNK = 500  # one write to the client per 500 rows, not one per row


class _Echo:
    """A file-like object whose ``write`` hands the line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_streaming_response(
    filename: str, header: Iterable, rows: Iterable[Iterable]
) -> StreamingHttpResponse:
    """A CSV download streamed as ``rows`` yields (read them with ``iterator()``), so memory
    stays flat however many rows it holds; every cell goes through ``spreadsheet_safe``."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow([spreadsheet_safe(value) for value in header])
        chunk = []
        for row in rows:
            chunk.append(writer.writerow([spreadsheet_safe(value) for value in row]))
            if len(chunk) >= LINES_PER_CHUNK:
                yield "".join(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
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


@dataclass
class CsvPreview:
    """What an import would do: every row with its problems, and problems with the file itself.
    ``rows`` hold objects with ``is_ready`` and ``errors``."""

    rows: list = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def ready_count(self) -> int:
        return sum(row.is_ready for row in self.rows)

    @property
    def problem_count(self) -> int:
        return len(self.rows) - self.ready_count

    @property
    def is_clean(self) -> bool:
        return not self.file_errors and bool(self.rows) and self.problem_count == 0

    @property
    def errors(self) -> list[str]:
        """Every problem in words: file-level first, then row by row."""
        return self.file_errors + [error for row in self.rows for error in row.errors]


# The preview -> confirm step keeps the checked file in the session, with its digest so that a
# confirm from a stale page (another file checked in another tab since) is caught.


def upload_stash(session, key: str, content: bytes, *, keep: bool) -> str:
    """Keep ``content`` under ``key`` when ``keep`` (a clean preview); always return its digest."""
    digest = hashlib.sha256(content).hexdigest()
    if keep:
        session[key] = {"content": base64.b64encode(content).decode("ascii"), "digest": digest}
    else:
        session.pop(key, None)
    return digest


def upload_stashed(session, key: str) -> tuple[bytes, str] | None:
    """The stashed file and its digest, or ``None`` when nothing is waiting."""
    stored = session.get(key)
    if not stored:
        return None
    return base64.b64decode(stored["content"]), stored["digest"]


@dataclass(frozen=True)
class TableShape:
    """What an import file must look like, and how its messages name the rows."""

    columns: tuple[str, ...]  # every column the file may have, in the template's order
    required: tuple[str, ...]  # those it must have
    max_bytes: int
    max_rows: int
    plural: str  # "people", "entries": what the rows are
    none: str  # "nobody", "no entries": what an empty body holds
    ignored: tuple[str, ...] = ()  # accepted and not read (columns an export adds)


def read_table(
    content: bytes, shape: TableShape, preview: CsvPreview
) -> tuple[dict[str, int], list[tuple[int, list[str]]]] | None:
    """Decode the upload and check its header and size. Returns the position of each column
    present and the non-blank data records with their file row numbers; or ``None`` after
    adding the file-level problems to ``preview.file_errors``."""
    text, problem = decode_upload(content, max_bytes=shape.max_bytes)
    if problem:
        preview.file_errors.append(problem)
        return None
    number = 1
    records = []
    try:
        for number, values in csv_records(text):
            if any(value.strip() for value in values):
                records.append((number, values))
    except csv.Error as error:
        preview.file_errors.append(f"The file is not valid CSV (near row {number}: {error}).")
        return None
    words = ", ".join(shape.columns)
    if not records:
        preview.file_errors.append(f"The file is empty. The first row must be: {words}.")
        return None
    (_, header), data = records[0], records[1:]
    names = [name.strip().lower() for name in header]
    problems = []
    for index, name in enumerate(names):
        if not name:
            problems.append(f"Column {index + 1} of the header row has no name.")
        elif name not in shape.columns and name not in shape.ignored:
            problems.append(f"Unexpected column “{header[index].strip()}”.")
        elif names.index(name) != index:
            problems.append(f"The column “{name}” appears twice.")
    problems += [f"Missing column “{c}”." for c in shape.required if c not in names]
    if problems:
        exactly = "exactly " if shape.required == shape.columns else ""
        preview.file_errors += [
            *problems,
            f"The first row must name {exactly}these columns: {words}.",
        ]
        return None
    if not data:
        preview.file_errors.append(f"The file has a header row but {shape.none} below it.")
        return None
    if len(data) > shape.max_rows:
        preview.file_errors.append(
            f"The file has {len(data)} {shape.plural}; at most {shape.max_rows} can be imported "
            "at once. Split it into smaller files."
        )
        return None
    return {name: names.index(name) for name in shape.columns if name in names}, data
