from curriculum.permissions import can_manage_roster, has_program_role
from tests.accounts.factories import UserFactory


def test_has_program_role(ours, theirs):
    assert has_program_role(ours.faculty, ours.program, ["faculty"])
    assert not has_program_role(ours.faculty, ours.program, ["director"])
    assert not has_program_role(theirs.faculty, ours.program, ["faculty"])


def test_only_staff_or_the_gme_office_manage_the_roster(ours, theirs):
    assert can_manage_roster(ours.director, ours.program)
    assert can_manage_roster(ours.coordinator, ours.program)
    assert not can_manage_roster(ours.faculty, ours.program)
    assert not can_manage_roster(ours.fellow, ours.program)
    assert not can_manage_roster(theirs.director, ours.program)
    assert can_manage_roster(UserFactory(is_superuser=True), ours.program)
