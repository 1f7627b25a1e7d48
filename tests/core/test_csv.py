import csv
import io

import pytest

from core.csv import csv_records, csv_response, decode_upload, spreadsheet_safe


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("-5", "'-5"),
        ("@SUM", "'@SUM"),
        ("L4-L5", "L4-L5"),
        (None, ""),
        (12, "12"),
    ],
)
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected


def test_csv_response_is_a_safe_download():
    response = csv_response("x.csv", ["name"], [["=cmd()"], ["Dr. Ada"]])
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["name"], ["'=cmd()"], ["Dr. Ada"]]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"x" * 2048, "larger than 1 KB"),
        (b"PK\x03\x04rest", "spreadsheet workbook"),
        ("é".encode("latin-1"), "not UTF-8"),
        (b"a,\x00b", "not a CSV text file"),
    ],
)
def test_decode_upload_refuses_what_is_not_a_csv_file(content, problem):
    text, why = decode_upload(content, max_bytes=1024)
    assert text is None and problem in why


def test_decode_upload_accepts_a_bom_and_records_keep_their_row_numbers():
    text, why = decode_upload('\ufeffa,b\n1,"two\nlines"\n3,4\n'.encode(), max_bytes=1024)
    assert why is None
    assert list(csv_records(text)) == [(1, ["a", "b"]), (2, ["1", "two\nlines"]), (4, ["3", "4"])]


def test_upload_stash_keeps_only_clean_files_and_returns_their_digest():
    from core.csv import upload_stash, upload_stashed

    session = {}
    digest = upload_stash(session, "k", b"a,b\n", keep=True)
    assert upload_stashed(session, "k") == (b"a,b\n", digest)
    assert upload_stash(session, "k", b"bad", keep=False) != digest
    assert upload_stashed(session, "k") is None
