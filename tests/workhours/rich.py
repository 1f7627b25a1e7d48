"""Rows in every workhours table for the all-tables round trip
(tests/transfer/test_program_round_trip_all_tables.build_rich_program)."""


def build_rich_rows(people, built) -> None:
    """``people``: ProgramPeople; ``built``: tests.scenario's build (fellow, faculty, ccc, ...)."""
