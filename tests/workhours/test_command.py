"""``manage.py work_hours_check``: CSV in, findings out, no database."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connections


@pytest.fixture(autouse=True)
def no_database(monkeypatch):
    """Any attempt to use the database fails the test (the command must not touch it)."""

    def refuse(*args, **kwargs):
        raise AssertionError("work_hours_check touched the database")

    for connection in connections.all():
        monkeypatch.setattr(connection, "ensure_connection", refuse)
        monkeypatch.setattr(connection, "cursor", refuse)


def run(tmp_path, text, *args):
    path = tmp_path / "shifts.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("work_hours_check", str(path), *args, stdout=out)
    return out.getvalue()


GOOD = """email,start,end,kind
a@example.org,2026-03-02T07:00,2026-03-03T11:15,in-house-call
a@example.org,2026-03-03T18:00,2026-03-03T20:00,clinical
b@example.org,2026-03-02T07:00,2026-03-02T17:00,education
"""


def test_prints_a_header_and_one_line_per_finding(tmp_path):
    rows = list(csv.reader(io.StringIO(run(tmp_path, GOOD))))
    assert rows == [
        ["email", "rule", "period_start", "period_end", "detail"],
        [
            "a@example.org",
            "24+4",
            "2026-03-02T07:00:00+00:00",
            "2026-03-03T11:15:00+00:00",
            "continuous period of 28.25 h (limit 24 + 4)",
        ],
        [
            "a@example.org",
            "14h-after-24",
            "2026-03-03T11:15:00+00:00",
            "2026-03-03T18:00:00+00:00",
            "6.75 h free after 28.25 h of in-house call (at least 14 required)",
        ],
        [
            "a@example.org",
            "8h-rest",
            "2026-03-03T11:15:00+00:00",
            "2026-03-03T18:00:00+00:00",
            "6.75 h off between periods (8 advised; a warning)",
        ],
    ]


def test_compliant_shifts_print_only_the_header(tmp_path):
    text = "email,start,end,kind\na@example.org,2026-03-02T07:00,2026-03-02T17:00,clinical\n"
    assert run(tmp_path, text) == "email,rule,period_start,period_end,detail\n"


def test_times_are_local_to_the_zone_given_and_printed_in_it(tmp_path):
    text = "email,start,end,kind\na@example.org,2026-03-07T18:00,2026-03-08T23:15,clinical\n"
    # In New York the clocks go forward that night: 28.25 real hours, not 29.25.
    rows = list(csv.reader(io.StringIO(run(tmp_path, text, "--timezone", "America/New_York"))))
    assert rows[1][2:] == [
        "2026-03-07T18:00:00-05:00",
        "2026-03-08T23:15:00-04:00",
        "continuous period of 28.25 h (limit 24 + 4)",
    ]
    utc = list(csv.reader(io.StringIO(run(tmp_path, text))))
    assert utc[1][4] == "continuous period of 29.25 h (limit 24 + 4)"


def test_an_offset_in_the_value_wins_over_the_zone(tmp_path):
    text = (
        "email,start,end,kind\n"
        "a@example.org,2026-03-02T07:00+01:00,2026-03-03T11:15+01:00,clinical\n"
    )
    rows = list(csv.reader(io.StringIO(run(tmp_path, text, "--timezone", "Asia/Tokyo"))))
    assert rows[1][2:4] == ["2026-03-02T15:00:00+09:00", "2026-03-03T19:15:00+09:00"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("a@example.org,2026-03-02T07:00,tomorrow,clinical", "Row 3: start and end must be ISO"),
        ("a@example.org,2026-03-02T07:00,2026-03-02T07:00,clinical", "Row 3: the shift must end"),
        ("a@example.org,2026-03-02T09:00,2026-03-02T07:00,clinical", "Row 3: the shift must end"),
        ("a@example.org,2026-03-02T07:00,2026-03-02T09:00,nap", "Row 3: unknown kind “nap”"),
        ("a@example.org,2026-03-02T07:00,2026-03-02T09:00", "Row 3: missing kind."),
        (",2026-03-02T07:00,2026-03-02T09:00,clinical", "Row 3: missing email."),
    ],
)
def test_a_malformed_row_stops_the_command_naming_its_row(tmp_path, row, message):
    good = "b@example.org,2026-03-02T07:00,2026-03-02T09:00,clinical"
    text = f"email,start,end,kind\n{good}\n{row}\n"
    with pytest.raises(CommandError, match=message):
        run(tmp_path, text)


def test_every_malformed_row_is_named(tmp_path):
    text = "email,start,end,kind\na@x.org,bad,bad,clinical\na@x.org,2026-03-02T07:00,x,nap\n"
    with pytest.raises(CommandError) as raised:
        run(tmp_path, text)
    assert str(raised.value).splitlines() == [
        "Row 2: start and end must be ISO date-times.",
        "Row 3: start and end must be ISO date-times.",
    ]


def test_a_missing_column_in_the_header_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="Missing column “kind”"):
        run(tmp_path, "email,start,end\na@x.org,2026-03-02T07:00,2026-03-02T09:00\n")


def test_an_unknown_zone_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="Unknown time zone"):
        run(tmp_path, GOOD, "--timezone", "Mars/Olympus")


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("work_hours_check", str(tmp_path / "absent.csv"))
