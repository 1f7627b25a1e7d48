import pytest
from django.contrib.auth.models import AnonymousUser

from curriculum.models import Membership
from curriculum.selectors import (
    membership_list,
    program_list,
    program_member_list,
    program_role_counts,
)
from tests.curriculum.factories import MembershipFactory

Role = Membership.Role


def test_membership_list_is_the_users_own_active_roles(ours, theirs):
    MembershipFactory(user=ours.fellow, program=theirs.program, role=Role.FELLOW, is_active=False)
    assert [m.program for m in membership_list(user=ours.fellow)] == [ours.program]
    assert list(membership_list(user=AnonymousUser())) == []


def test_program_list_is_narrowed_by_role(ours, theirs):
    assert list(program_list(user=ours.director)) == [ours.program]
    assert list(program_list(user=ours.fellow, roles=Membership.STAFF_ROLES)) == []
    assert list(program_list(user=ours.coordinator, roles=Membership.STAFF_ROLES)) == [ours.program]
    assert list(program_list(user=AnonymousUser())) == []


def test_roster_is_visible_to_staff_of_that_program_only(ours, theirs):
    roster = program_member_list(user=ours.director, program=ours.program)
    assert {m.user for m in roster} == {ours.director, ours.coordinator, ours.faculty, ours.fellow}
    assert list(program_member_list(user=ours.fellow, program=ours.program)) == []
    assert list(program_member_list(user=theirs.director, program=ours.program)) == []


def test_role_counts_count_active_members_only(ours):
    MembershipFactory(program=ours.program, role=Role.FELLOW)
    MembershipFactory(program=ours.program, role=Role.FELLOW, is_active=False)
    assert program_role_counts(program=ours.program) == {
        "director": 1,
        "coordinator": 1,
        "faculty": 1,
        "fellow": 2,
    }


@pytest.mark.django_db
def test_deactivated_member_loses_access(ours):
    Membership.objects.filter(user=ours.director).update(is_active=False)
    assert list(program_list(user=ours.director)) == []


def test_milestone_sets_are_visible_to_every_member_of_their_program_only(ours, theirs):
    from curriculum.selectors import milestone_set_full_list, milestone_set_list
    from curriculum.services import milestone_set_load_default

    ours_set = milestone_set_load_default(actor=None, program=ours.program)
    milestone_set_load_default(actor=None, program=theirs.program)
    for role in Role.values:
        assert list(milestone_set_list(user=ours.user(role), program=ours.program)) == [ours_set]
        assert list(milestone_set_full_list(user=ours.user(role), program=ours.program)) == [
            ours_set
        ]
        assert list(milestone_set_list(user=theirs.user(role), program=ours.program)) == []
        assert list(milestone_set_full_list(user=theirs.user(role), program=ours.program)) == []
    assert list(milestone_set_list(user=AnonymousUser(), program=ours.program)) == []
    assert (
        milestone_set_list(user=ours.fellow, program=ours.program).get().subcompetency_count == 18
    )

    Membership.objects.filter(user=ours.fellow).update(is_active=False)
    assert list(milestone_set_list(user=ours.fellow, program=ours.program)) == []


def test_milestone_set_full_list_prefetches_the_tree_in_order(ours, django_assert_num_queries):
    from curriculum.selectors import milestone_set_full_list
    from curriculum.services import milestone_set_load_default

    milestone_set_load_default(actor=None, program=ours.program)
    with django_assert_num_queries(4):  # sets, competencies, subcompetencies, descriptors
        (milestone_set,) = milestone_set_full_list(user=ours.fellow, program=ours.program)
        tree = [
            (sub.code, [d.level for d in sub.levels.all()])
            for competency in milestone_set.competencies.all()
            for sub in competency.subcompetencies.all()
        ]
    assert tree[0] == ("PC1", [1, 2, 3, 4, 5]) and tree[-1][0] == "ICS3" and len(tree) == 18
