"""The year's evidence: each section's figures from the year's data."""

from program_evaluation.evidence import year_evidence
from tests.program_evaluation.factories import GraduateOutcomeFactory, evidence_world, year


def test_the_evidence_counts_the_years_data(ours):
    academic_year = evidence_world(ours, fellows=2)
    GraduateOutcomeFactory(program=ours.program, graduation_year=2025, board_exam="failed")
    evidence = year_evidence(program=ours.program, year=academic_year)
    assert evidence["fellows"] == 2
    [period] = evidence["milestones"]["periods"]
    [row] = period["cohorts"]
    assert (row["cohort"], row["fellows"], row["levels"], row["at_or_above"]) == (
        "Class of 2027",
        2,
        4,
        2,
    )
    assert row["percent"] == 50.0
    assert [fellow["below"] for fellow in row["below"]] == [1, 1]
    assert evidence["case_logs"]["total"] == 2
    [target] = evidence["case_logs"]["targets"]
    assert (target["met"], target["fellows"]) == (2, 2)
    faculty, multi = evidence["completion"]["groups"]
    assert (faculty["requested"], faculty["signed"], faculty["declined"]) == (4, 2, 2)
    assert faculty["percent"] == 50.0 and faculty["median_days"] is not None
    assert multi["requested"] == 0 and multi["percent"] is None
    outcomes = evidence["outcomes"]
    assert (outcomes["passed"], outcomes["taken"], outcomes["pass_rate"]) == (1, 2, 50.0)
    assert len(outcomes["graduates"]) == 1  # this year's graduate only


def test_another_years_data_stays_out(ours):
    evidence_world(ours, fellows=1)
    later = year(ours, 2028)
    evidence = year_evidence(program=ours.program, year=later)
    assert evidence["fellows"] == 0
    assert evidence["milestones"]["periods"] == []
    assert evidence["case_logs"]["total"] == 0
    assert evidence["completion"]["groups"][0]["requested"] == 0


def test_another_programs_data_stays_out(ours, theirs):
    evidence_world(theirs, fellows=2)
    academic_year = year(ours)
    evidence = year_evidence(program=ours.program, year=academic_year)
    assert evidence["fellows"] == 0
    assert evidence["case_logs"]["total"] == 0
    assert evidence["outcomes"]["taken"] == 0
