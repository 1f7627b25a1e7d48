"""CSV exports of the program's shifts and findings."""

import csv
import datetime
import io
import zoneinfo

from django.urls import reverse

from tests.trainees.factories import AcademicYearFactory, CohortFactory, EnrolmentFactory

from .factories import FindingExplanationFactory, ShiftFactory

NY = zoneinfo.ZoneInfo("America/New_York")


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def _fellow(ours, name="Dr Ann Lee"):
    year = AcademicYearFactory(
        program=ours.program,
        start_date=datetime.date(2024, 7, 1),
        end_date=datetime.date(2025, 6, 30),
    )
    cohort = CohortFactory(program=ours.program, academic_year=year)
    return EnrolmentFactory(cohort=cohort, membership__user__full_name=name).membership


def test_shifts_export_in_the_program_zone(client, ours, theirs):
    fellow = _fellow(ours, name="=Dr Ann Lee")
    ShiftFactory(
        program=ours.program,
        fellow=fellow,
        start=datetime.datetime(2024, 9, 2, 7, tzinfo=NY),
        end=datetime.datetime(2024, 9, 2, 17, 30, tzinfo=NY),
        source="imported",
    )
    ShiftFactory(
        program=ours.program, fellow=fellow, start=datetime.datetime(2024, 10, 2, 7, tzinfo=NY)
    )
    ShiftFactory(program=theirs.program, start=datetime.datetime(2024, 9, 3, 7, tzinfo=NY))
    client.force_login(ours.coordinator)
    url = reverse("workhours:shifts_export", kwargs={"program_id": ours.program.pk})
    response = client.get(url, {"start": "2024-09-01", "end": "2024-09-30"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert _rows(response) == [
        ["fellow", "email", "start", "end", "kind", "hours", "source"],
        [
            "'=Dr Ann Lee",  # made safe for a spreadsheet
            fellow.user.email,
            "2024-09-02 07:00",
            "2024-09-02 17:30",
            "clinical",
            "10.5",
            "imported",
        ],
    ]


def test_findings_export_with_explanation(client, ours):
    fellow = _fellow(ours)
    start = datetime.datetime(2024, 9, 2, 7, tzinfo=NY)
    ShiftFactory(
        program=ours.program, fellow=fellow, start=start, end=start + datetime.timedelta(hours=30)
    )
    FindingExplanationFactory(
        program=ours.program,
        fellow=fellow,
        rule="24+4",
        period_start=start,
        period_end=start + datetime.timedelta(hours=30),
        text="Trauma night.",
    )
    client.force_login(ours.director)
    url = reverse("workhours:findings_export", kwargs={"program_id": ours.program.pk})
    rows = _rows(client.get(url, {"start": "2024-09-01", "end": "2024-09-30"}))
    assert rows[0] == [
        "fellow",
        "email",
        "rule",
        "severity",
        "period_start",
        "period_end",
        "detail",
        "explanation",
    ]
    assert rows[1:] == [
        [
            "Dr Ann Lee",
            fellow.user.email,
            "24+4",
            "violation",
            "2024-09-02 07:00",
            "2024-09-03 13:00",
            "continuous period of 30 h (limit 24 + 4)",
            "Trauma night.",
        ]
    ]


def test_export_with_a_bad_period_says_why(client, ours):
    client.force_login(ours.coordinator)
    url = reverse("workhours:shifts_export", kwargs={"program_id": ours.program.pk})
    response = client.get(url, {"start": "2024-09-30", "end": "2024-09-01"})
    assert response.status_code == 400
    assert "The last day must be on or after the first." in response.content.decode()


def test_export_defaults_to_the_last_12_weeks(client, ours):
    client.force_login(ours.coordinator)
    url = reverse("workhours:findings_export", kwargs={"program_id": ours.program.pk})
    response = client.get(url)
    assert response.status_code == 200 and len(_rows(response)) == 1
