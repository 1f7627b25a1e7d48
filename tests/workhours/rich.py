"""Rows in every workhours table for the all-tables round trip
(tests/transfer/test_program_round_trip_all_tables.build_rich_program)."""

import datetime

from workhours.models import FindingExplanation, Kind, Shift, ShiftTemplate

H = datetime.timedelta(hours=1)


def build_rich_rows(people, built) -> None:
    """``people``: ProgramPeople; ``built``: tests.scenario's build (fellow, faculty, ccc, ...)."""
    program, fellow = people.program, built.fellow
    start = datetime.datetime(2026, 7, 6, 11, tzinfo=datetime.UTC)
    # The fellow's 30-hour call (a 24 + 4 finding) and its explanation; a template row.
    Shift.objects.create(
        program=program,
        fellow=fellow,
        start=start,
        end=start + 30 * H,
        kind=Kind.IN_HOUSE_CALL,
        created_by=fellow.user,
    )
    Shift.objects.create(
        program=program,
        fellow=fellow,
        start=start + 48 * H,
        end=start + 58 * H,
        kind=Kind.CLINICAL,
        source=Shift.Source.IMPORTED,
        created_by=people.coordinator,
    )
    ShiftTemplate.objects.create(
        program=program,
        fellow=fellow,
        weekday=0,
        start_time=datetime.time(7),
        end_time=datetime.time(17),
        kind=Kind.CLINICAL,
    )
    FindingExplanation.objects.create(
        program=program,
        fellow=fellow,
        rule="24+4",
        period_start=start,
        period_end=start + 30 * H,
        text="Two emergencies at handover.",
    )
