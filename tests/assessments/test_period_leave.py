"""The review period page lists the fellows with leave in its window (ADS leaves them out of that
milestone round) and those who started off-cycle, read through a trainees selector."""

import datetime

import pytest

from tests.assessments.test_ccc_factories import ccc_setup
from tests.conftest import assert_constant_queries, page_ok
from tests.trainees.factories import EnrolmentFactory
from trainees.models import LeavePeriod
from trainees.selectors import review_period_leave
from trainees.services.leave import leave_period_add

D = datetime.date


@pytest.fixture
def ccc(ours):
    return ccc_setup(ours, assemble=False)


def period_url(ccc) -> str:
    return f"/programs/{ccc.people.program.pk}/ccc/periods/{ccc.midyear.pk}/"


def leave(ccc, enrolment, start, end, kind=LeavePeriod.Kind.PARENTAL):
    return leave_period_add(
        actor=ccc.people.director, enrolment=enrolment, kind=kind, start=start, end=end
    )


def test_the_period_lists_fellows_with_leave_in_it_and_off_cycle_starts(client, ccc):
    fellow = ccc.fellow.enrolments.get()
    assert (ccc.midyear.starts_on, ccc.midyear.ends_on) == (D(2026, 7, 1), D(2026, 12, 31))
    leave(ccc, fellow, D(2026, 12, 20), D(2027, 1, 10))  # overlaps the mid-year window's end
    late = EnrolmentFactory(
        cohort=ccc.cohort, membership__program=ccc.people.program, start_date=D(2026, 9, 1)
    )
    later_leave = EnrolmentFactory(cohort=ccc.cohort, membership__program=ccc.people.program)
    leave(ccc, later_leave, D(2027, 2, 1), D(2027, 2, 5))  # only in the year-end window
    client.force_login(ccc.people.faculty)
    page = page_ok(client, period_url(ccc)).content.decode()
    assert "ADS leaves them out of this milestone round" in page
    section = page.split('data-testid="period-leave"')[1].split("</ul>")[0]
    assert fellow.membership.user.display_name in section
    assert "Parental leave" in section and "Dec 20, 2026 to Jan 10, 2027" in section
    assert "22 days" in section
    assert later_leave.membership.user.display_name not in section
    off_cycle = page.split('data-testid="period-off-cycle"')[1].split("</ul>")[0]
    assert late.membership.user.display_name in off_cycle and "Sep 1, 2026" in off_cycle
    assert fellow.membership.user.display_name not in off_cycle


def test_a_period_without_leave_says_so(client, ccc):
    client.force_login(ccc.people.coordinator)
    page = page_ok(client, period_url(ccc)).content.decode()
    assert "No fellow had leave in this review window." in page
    assert "started on the first day of the year" in page


def test_the_selector_shows_nothing_to_fellows_and_other_programs(ccc, theirs):
    fellow = ccc.fellow.enrolments.get()
    leave(ccc, fellow, D(2026, 8, 1), D(2026, 8, 2))
    window = {
        "program": ccc.people.program,
        "academic_year": ccc.year,
        "starts_on": ccc.midyear.starts_on,
        "ends_on": ccc.midyear.ends_on,
    }
    [(row, periods)] = review_period_leave(user=ccc.people.director, **window)[0]
    assert row == fellow and [p.days for p in periods] == [2]
    assert review_period_leave(user=ccc.people.fellow, **window) == ([], [])
    assert review_period_leave(user=theirs.director, **window) == ([], [])


def test_the_period_page_query_count_does_not_grow_with_leave(client, ccc):
    client.force_login(ccc.people.coordinator)

    def add_fellows_on_leave(n):
        for i in range(n):
            enrolment = EnrolmentFactory(
                cohort=ccc.cohort,
                membership__program=ccc.people.program,
                start_date=D(2026, 8, 1),
            )
            leave(ccc, enrolment, D(2026, 9, 1 + i), D(2026, 9, 1 + i))

    assert_constant_queries(
        lambda: page_ok(client, period_url(ccc)), add_fellows_on_leave, sizes=(1, 4)
    )
