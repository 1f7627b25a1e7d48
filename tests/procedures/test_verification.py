import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from curriculum.models import Membership
from procedures.models import ProcedureEntryEvent, ProcedureLogEntry
from procedures.services.verification import (
    entry_reopen,
    entry_return,
    entry_verify,
    entry_verify_bulk,
)
from tests.accounts.factories import UserFactory
from tests.conftest import assert_constant_queries
from tests.curriculum.factories import MembershipFactory
from tests.procedures.factories import ProcedureLogEntryFactory

Status = ProcedureLogEntry.Status
Action = ProcedureEntryEvent.Action


def _supervisor(people):
    return Membership.objects.get(program=people.program, user=people.faculty)


def _fellow(people):
    return Membership.objects.get(program=people.program, user=people.fellow)


def _entry(people, **fields):
    fields.setdefault("supervisor", _supervisor(people))
    return ProcedureLogEntryFactory(program=people.program, fellow=_fellow(people), **fields)


def _other_faculty(people):
    user = UserFactory()
    MembershipFactory(program=people.program, user=user, role=Membership.Role.FACULTY)
    return user


def test_supervisor_verifies_and_it_is_recorded(ours):
    entry = entry_verify(actor=ours.faculty, entry=_entry(ours))
    entry.refresh_from_db()
    assert entry.status == Status.VERIFIED
    assert entry.verified_by == ours.faculty and entry.verified_at is not None
    assert entry.events.get().action == Action.VERIFIED
    assert entry.events.get().actor == ours.faculty


def test_other_faculty_cannot_verify(ours):
    entry = _entry(ours)
    with pytest.raises(PermissionDenied):
        entry_verify(actor=_other_faculty(ours), entry=entry)
    entry.refresh_from_db()
    assert entry.status == Status.PENDING and not entry.events.exists()


def test_inactive_supervisor_cannot_verify(ours):
    entry = _entry(ours)
    Membership.objects.filter(pk=entry.supervisor_id).update(is_active=False)
    with pytest.raises(PermissionDenied):
        entry_verify(actor=ours.faculty, entry=entry)


@pytest.mark.parametrize("role", ["fellow", "coordinator"])
def test_fellow_and_coordinator_cannot_verify(ours, role):
    with pytest.raises(PermissionDenied):
        entry_verify(actor=ours.user(role), entry=_entry(ours))


def test_director_verifies_any_entry(ours):
    entry = entry_verify(actor=ours.director, entry=_entry(ours))
    assert entry.status == Status.VERIFIED and entry.verified_by == ours.director


def test_director_of_another_program_cannot_verify(ours, theirs):
    with pytest.raises(PermissionDenied):
        entry_verify(actor=theirs.director, entry=_entry(ours))


@pytest.mark.parametrize("status", [Status.VERIFIED, Status.RETURNED])
def test_only_pending_entries_are_verified(ours, status):
    entry = _entry(ours, status=status, verified_at="2026-10-02T10:00:00Z")
    with pytest.raises(ValidationError, match="Only a pending entry"):
        entry_verify(actor=ours.faculty, entry=entry)


def test_verified_entry_is_locked_against_return(ours):
    entry = entry_verify(actor=ours.faculty, entry=_entry(ours))
    with pytest.raises(ValidationError):
        entry_return(actor=ours.faculty, entry=entry, reason="Wrong level")
    entry.refresh_from_db()
    assert entry.status == Status.VERIFIED


def test_bulk_verifies_all(ours):
    entries = [_entry(ours) for _ in range(5)]
    count = entry_verify_bulk(
        actor=ours.faculty, program=ours.program, entry_ids=[e.pk for e in entries]
    )
    assert count == 5
    assert set(ProcedureLogEntry.objects.values_list("status", flat=True)) == {Status.VERIFIED}
    assert (
        ProcedureEntryEvent.objects.filter(action=Action.VERIFIED, actor=ours.faculty).count() == 5
    )


def test_bulk_verify_queries_do_not_grow_with_the_entries(ours):
    """Each entry its own procedure type: the audit records (which name the type) read none."""
    entries: list = []

    def grow(n):
        entries.extend(_entry(ours) for _ in range(n))

    def verify():
        entry_verify_bulk(
            actor=ours.faculty, program=ours.program, entry_ids=[e.pk for e in entries]
        )
        ProcedureLogEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
            status=Status.PENDING
        )

    assert_constant_queries(verify, grow, sizes=(5, 20, 50))


def test_bulk_director_verifies_entries_of_any_supervisor(ours):
    entries = [_entry(ours), _entry(ours, supervisor=MembershipFactory(program=ours.program))]
    assert (
        entry_verify_bulk(
            actor=ours.director, program=ours.program, entry_ids=[e.pk for e in entries]
        )
        == 2
    )


def _assert_nothing_changed():
    assert set(ProcedureLogEntry.objects.values_list("status", flat=True)) <= {
        Status.PENDING,
        Status.RETURNED,
    }
    assert not ProcedureEntryEvent.objects.exists()


def test_bulk_refuses_all_when_one_is_not_theirs(ours):
    mine = [_entry(ours) for _ in range(3)]
    not_mine = _entry(ours, supervisor=MembershipFactory(program=ours.program))
    with pytest.raises(PermissionDenied, match=str(not_mine.pk)):
        entry_verify_bulk(
            actor=ours.faculty,
            program=ours.program,
            entry_ids=[e.pk for e in mine] + [not_mine.pk],
        )
    _assert_nothing_changed()


def test_bulk_refuses_all_when_one_is_not_pending(ours):
    mine = [_entry(ours) for _ in range(3)]
    returned = _entry(ours, status=Status.RETURNED, return_reason="Fix it")
    with pytest.raises(ValidationError, match=str(returned.pk)):
        entry_verify_bulk(
            actor=ours.faculty,
            program=ours.program,
            entry_ids=[e.pk for e in mine] + [returned.pk],
        )
    _assert_nothing_changed()


def test_bulk_refuses_all_when_one_is_of_another_program(ours, theirs):
    mine = [_entry(ours) for _ in range(2)]
    other = _entry(theirs)
    with pytest.raises(ValidationError, match=str(other.pk)):
        entry_verify_bulk(
            actor=ours.faculty, program=ours.program, entry_ids=[e.pk for e in mine] + [other.pk]
        )
    _assert_nothing_changed()


def test_bulk_needs_at_least_one_entry(ours):
    with pytest.raises(ValidationError):
        entry_verify_bulk(actor=ours.faculty, program=ours.program, entry_ids=[])


def test_return_records_the_reason_the_fellow_sees(ours):
    entry = entry_return(actor=ours.faculty, entry=_entry(ours), reason="  Level was L5-S1 ")
    entry.refresh_from_db()
    assert entry.status == Status.RETURNED and entry.return_reason == "Level was L5-S1"
    event = entry.events.get()
    assert (event.action, event.actor, event.reason) == (
        Action.RETURNED,
        ours.faculty,
        "Level was L5-S1",
    )


@pytest.mark.parametrize("reason", ["", "   ", "x" * 301])
def test_return_requires_a_short_reason(ours, reason):
    entry = _entry(ours)
    with pytest.raises(ValidationError) as exc:
        entry_return(actor=ours.faculty, entry=entry, reason=reason)
    assert "reason" in exc.value.message_dict
    entry.refresh_from_db()
    assert entry.status == Status.PENDING


def test_return_by_non_supervisor_refused(ours):
    with pytest.raises(PermissionDenied):
        entry_return(actor=_other_faculty(ours), entry=_entry(ours), reason="No")


def test_director_reopens_verified_entry_and_it_is_recorded(ours):
    entry = entry_verify(actor=ours.faculty, entry=_entry(ours))
    entry = entry_reopen(actor=ours.director, entry=entry, reason="Wrong procedure type")
    entry.refresh_from_db()
    assert entry.status == Status.PENDING
    assert entry.verified_by is None and entry.verified_at is None
    event = entry.events.get(action=Action.REOPENED)
    assert event.actor == ours.director and event.reason == "Wrong procedure type"


@pytest.mark.parametrize("role", ["faculty", "coordinator", "fellow"])
def test_only_the_director_reopens(ours, role):
    entry = entry_verify(actor=ours.faculty, entry=_entry(ours))
    with pytest.raises(PermissionDenied):
        entry_reopen(actor=ours.user(role), entry=entry, reason="Please")
    entry.refresh_from_db()
    assert entry.status == Status.VERIFIED


def test_reopen_needs_a_verified_entry_and_a_reason(ours):
    with pytest.raises(ValidationError, match="Only a verified entry"):
        entry_reopen(actor=ours.director, entry=_entry(ours), reason="Please")
    entry = entry_verify(actor=ours.faculty, entry=_entry(ours))
    with pytest.raises(ValidationError):
        entry_reopen(actor=ours.director, entry=entry, reason="")


def test_a_return_reason_that_identifies_the_patient_is_refused(db):
    from procedures.services.verification import entry_return
    from tests.procedures.factories import ProcedureLogEntryFactory

    entry = ProcedureLogEntryFactory()
    with pytest.raises(ValidationError, match="medical record number"):
        entry_return(actor=entry.supervisor.user, entry=entry, reason="Wrong patient, MRN 12345678")
    entry.refresh_from_db()
    assert entry.status == "pending" and entry.return_reason == ""
