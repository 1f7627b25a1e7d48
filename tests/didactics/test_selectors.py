"""The attendance and objective summaries (also used by the CCC packet) and their scoping."""

import datetime
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from curriculum.models import Membership
from didactics import selectors
from didactics.models import Attendance
from didactics.services import attendance as attendance_services
from tests.conftest import assert_constant_queries
from tests.curriculum.factories import MembershipFactory, RotationFactory
from tests.didactics.factories import (
    AttendanceFactory,
    ObjectiveFactory,
    ProgressFactory,
    SeriesFactory,
    SessionFactory,
)
from tests.trainees.factories import EnrolmentFactory

Role = Membership.Role
Status = Attendance.Status
PAST = datetime.date(2026, 9, 2)


def fellow_of(people):
    return Membership.objects.get(user=people.fellow, program=people.program, role=Role.FELLOW)


def past_sessions(series, count, start=PAST):
    return [
        SessionFactory(series=series, date=start + datetime.timedelta(weeks=i))
        for i in range(count)
    ]


def test_summary_counts_past_sessions_and_leaves_excused_out(ours):
    fellow = fellow_of(ours)
    core = SeriesFactory(program=ours.program, name="Core", kind="core_lecture")
    sessions = past_sessions(core, 6)
    future = fellow.program.today() + datetime.timedelta(days=30)
    upcoming = SessionFactory(series=core, date=future)
    AttendanceFactory(session=upcoming, fellow=fellow)  # does not count: not over yet
    for session in sessions[:3]:
        AttendanceFactory(session=session, fellow=fellow)
    AttendanceFactory(
        session=sessions[3], fellow=fellow, status=Status.EXCUSED, method="roll", reason="On call"
    )
    [row] = selectors.attendance_summary(fellow=fellow)
    assert (row.past_sessions, row.present, row.excused, row.absent) == (6, 3, 1, 2)
    assert row.counted == 5
    assert row.percent == 60
    assert row.required_percent == 80
    assert row.shortfall


def test_summary_uses_the_programs_requirement_per_kind_and_optional_series(ours):
    fellow = fellow_of(ours)
    journal = SeriesFactory(program=ours.program, name="A journal", kind="journal_club")
    rounds = SeriesFactory(
        program=ours.program, name="B rounds", kind="grand_rounds", attendance_required=False
    )
    for session in past_sessions(journal, 4)[:3]:
        AttendanceFactory(session=session, fellow=fellow)
    past_sessions(rounds, 2)
    attendance_services.requirement_set(
        actor=ours.director, program=ours.program, kind="journal_club", required_percent=75
    )
    journal_row, rounds_row = selectors.attendance_summary(fellow=fellow)
    assert (journal_row.percent, journal_row.required_percent, journal_row.shortfall) == (
        75,
        75,
        False,
    )
    assert (rounds_row.percent, rounds_row.required_percent, rounds_row.shortfall) == (
        0,
        None,
        False,
    )


def test_summary_counts_only_sessions_since_the_fellow_started(ours):
    enrolment = EnrolmentFactory(
        cohort__program=ours.program,
        membership__program=ours.program,
        start_date=datetime.date(2026, 9, 10),
    )
    core = SeriesFactory(program=ours.program)
    past_sessions(core, 4)  # Sep 2, 9, 16, 23: two before the fellow started
    [row] = selectors.attendance_summary(fellow=enrolment.membership)
    assert row.past_sessions == 2


def test_summary_is_none_before_anything_counts(ours):
    SeriesFactory(program=ours.program)
    [row] = selectors.attendance_summary(fellow=fellow_of(ours))
    assert (row.percent, row.shortfall) == (None, False)


def test_summary_is_a_fixed_number_of_queries(ours):
    fellow = Membership.objects.select_related("program").get(pk=fellow_of(ours).pk)

    def add_series(sessions):  # one more series, with that many sessions attended
        series = SeriesFactory(program=ours.program)
        for session in past_sessions(series, sessions):
            AttendanceFactory(session=session, fellow=fellow)

    def summary():
        rows = selectors.attendance_summary(fellow=fellow)
        [(r.percent, r.series.name) for r in rows]

    assert_constant_queries(summary, add_series, sizes=(1, 9), exactly=5)


def test_cohort_attendance_is_for_staff_only_and_marks_shortfalls(ours, theirs):
    core = SeriesFactory(program=ours.program)
    sessions = past_sessions(core, 5)
    good = fellow_of(ours)
    weak = MembershipFactory(program=ours.program, role=Role.FELLOW)
    for session in sessions:
        AttendanceFactory(session=session, fellow=good)
    AttendanceFactory(session=sessions[0], fellow=weak)
    for user in (ours.faculty, ours.fellow, theirs.director):
        assert selectors.cohort_attendance(user=user, program=ours.program) == ([], [])
    series, rows = selectors.cohort_attendance(user=ours.coordinator, program=ours.program)
    by_fellow = {row.fellow: row for row in rows}
    assert series == [core]
    assert by_fellow[good].shortfalls == []
    assert [item.percent for item in by_fellow[weak].shortfalls] == [20]


def test_cohort_attendance_query_count_does_not_grow_with_fellows(ours):
    core = SeriesFactory(program=ours.program)
    sessions = past_sessions(core, 3)

    def add_fellows(n):
        for _ in range(n):
            fellow = MembershipFactory(program=ours.program, role=Role.FELLOW)
            AttendanceFactory(session=sessions[0], fellow=fellow)

    cohort = partial(selectors.cohort_attendance, user=ours.director, program=ours.program)
    assert_constant_queries(cohort, add_fellows, sizes=(4, 8))


def test_objective_progress_per_rotation_in_one_query(ours):
    fellow = fellow_of(ours)
    other = MembershipFactory(program=ours.program, role=Role.FELLOW)
    aps = RotationFactory(program=ours.program, name="Acute pain")
    clinic = RotationFactory(program=ours.program, name="Clinic")
    RotationFactory(program=ours.program, name="No objectives")
    aps_objectives = [ObjectiveFactory(rotation=aps) for _ in range(3)]
    ObjectiveFactory(rotation=clinic)
    ProgressFactory(objective=aps_objectives[0], fellow=fellow)
    ProgressFactory(
        objective=aps_objectives[1],
        fellow=fellow,
        confirmed_by=ours.director,
        confirmed_at=aps_objectives[1].created_at,
    )
    ProgressFactory(objective=aps_objectives[2], fellow=other)  # someone else's
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.objective_progress(fellow=fellow)
        summary = [(r.rotation.name, r.total, r.met, r.confirmed) for r in rows]
    assert len(queries) == 1
    assert summary == [("Acute pain", 3, 2, 1), ("Clinic", 1, 0, 0)]


@pytest.mark.parametrize("role", ["director", "coordinator", "faculty", "fellow"])
def test_sessions_are_visible_to_every_member_and_no_outsider(ours, theirs, role):
    session = SessionFactory(series__program=ours.program)
    assert list(selectors.session_list(user=ours.user(role), program=ours.program)) == [session]
    assert not selectors.session_list(user=theirs.user(role), program=ours.program).exists()
