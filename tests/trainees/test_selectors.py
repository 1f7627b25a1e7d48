import pytest

from curriculum.models import Membership
from tests.trainees.factories import CohortFactory, EnrolmentFactory
from trainees.models import Enrolment
from trainees.selectors import (
    cohort_enrolment_list,
    cohort_list,
    fellow_membership_list,
    fellowable_membership_list,
    my_enrolment_list,
)

Role = Membership.Role


@pytest.fixture
def cohort(ours):
    cohort = CohortFactory(program=ours.program)
    EnrolmentFactory(cohort=cohort, membership=ours.fellow.memberships.get())
    EnrolmentFactory(cohort=cohort, status=Enrolment.Status.LEAVE, leave_days=10)
    return cohort


@pytest.mark.parametrize("role", ["director", "coordinator", "faculty"])
def test_staff_and_faculty_see_the_programs_cohorts_with_counts(ours, cohort, role):
    [seen] = cohort_list(user=ours.user(role), program=ours.program)
    assert seen == cohort
    assert (seen.fellow_count, seen.active_count, seen.leave_count, seen.completed_count) == (
        2,
        1,
        1,
        0,
    )
    assert cohort_enrolment_list(user=ours.user(role), cohort=cohort).count() == 2


@pytest.mark.parametrize("role", Role.values)
def test_another_programs_people_see_no_cohorts(ours, theirs, cohort, role):
    assert not cohort_list(user=theirs.user(role), program=ours.program).exists()
    assert not cohort_enrolment_list(user=theirs.user(role), cohort=cohort).exists()
    assert not fellowable_membership_list(user=theirs.user(role), program=ours.program).exists()


def test_fellows_see_no_cohorts(ours, cohort):
    assert not cohort_list(user=ours.fellow, program=ours.program).exists()
    assert not cohort_enrolment_list(user=ours.fellow, cohort=cohort).exists()


def test_a_fellow_sees_only_their_own_profile(ours, cohort):
    own = ours.fellow.memberships.get()
    assert list(fellow_membership_list(user=ours.fellow, program=ours.program)) == [own]
    everyone = fellow_membership_list(user=ours.faculty, program=ours.program)
    assert set(everyone) == set(Membership.objects.filter(program=ours.program, role=Role.FELLOW))
    assert everyone.count() == 2


def test_a_deactivated_fellow_no_longer_sees_their_profile(ours, cohort):
    ours.fellow.memberships.update(is_active=False)
    assert not fellow_membership_list(user=ours.fellow, program=ours.program).exists()
    assert fellow_membership_list(user=ours.director, program=ours.program).count() == 2


def test_another_program_sees_no_fellow_profiles(ours, theirs, cohort):
    for role in Role.values:
        assert not fellow_membership_list(user=theirs.user(role), program=ours.program).exists()


def test_my_enrolments_are_only_mine(ours, theirs, cohort):
    [mine] = my_enrolment_list(user=ours.fellow, program=ours.program)
    assert mine.membership.user == ours.fellow
    assert not my_enrolment_list(user=ours.director, program=ours.program).exists()
    assert not my_enrolment_list(user=theirs.fellow, program=ours.program).exists()


def test_only_staff_list_fellows_to_enrol(ours, cohort):
    assert fellowable_membership_list(user=ours.coordinator, program=ours.program).count() == 2
    assert not fellowable_membership_list(user=ours.faculty, program=ours.program).exists()
    assert not fellowable_membership_list(user=ours.fellow, program=ours.program).exists()
