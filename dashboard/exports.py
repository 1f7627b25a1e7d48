"""Streamed CSV: rows are written as the database cursor yields them, so memory stays flat
however many rows a download holds."""

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from core.csv import spreadsheet_safe

LINES_PER_CHUNK = 500  # one write to the client per 500 rows, not one per row


class _Echo:
    """A file-like object whose ``write`` hands the line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_streaming_response(
    filename: str, header: Iterable, rows: Iterable[Iterable]
) -> StreamingHttpResponse:
    """A CSV download streamed row by row; every cell goes through ``spreadsheet_safe``."""
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
