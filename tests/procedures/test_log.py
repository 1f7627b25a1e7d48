"""Services of a fellow's own log: every rule, the events, and the all-or-nothing import."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from curriculum.models import Membership
from procedures.csv_entries import COLUMNS, entries_parse
from procedures.models import FavouriteProcedure, Guidance, ProcedureEntryEvent, ProcedureLogEntry
from procedures.selectors.log import (
    entry_list,
    favourite_type_list,
    last_entry,
    repeat_initial,
    supervisor_list,
    type_initial,
)
from procedures.services.log import (
    LOCKED_MESSAGE,
    entry_create,
    entry_delete,
    entry_import,
    entry_update,
    favourite_toggle,
)
from tests.accounts.factories import UserFactory
from tests.curriculum.factories import MembershipFactory
from tests.procedures.factories import ProcedureLogEntryFactory, ProcedureTypeFactory

Entry = ProcedureLogEntry
Action = ProcedureEntryEvent.Action
Role = Membership.Role
DAY = datetime.date(2026, 10, 1)


def membership(people, role):
    return Membership.objects.get(program=people.program, user=people.user(role), role=role)


@pytest.fixture
def log(ours):
    """Our program's fellow and faculty memberships and a small catalogue."""
    fellow = membership(ours, Role.FELLOW)
    faculty = membership(ours, Role.FACULTY)
    tfesi = ProcedureTypeFactory(
        program=ours.program,
        name="Lumbar transforaminal epidural",
        allowed_guidance=[Guidance.FLUOROSCOPY],
        has_level=True,
        has_laterality=True,
    )
    trigger = ProcedureTypeFactory(
        program=ours.program, name="Trigger point injection", allowed_guidance=[Guidance.LANDMARK]
    )
    return type(
        "Log", (), {"fellow": fellow, "faculty": faculty, "tfesi": tfesi, "trigger": trigger}
    )


def fields(log, **overrides):
    values = {
        "performed_on": DAY,
        "procedure_type": log.tfesi,
        "guidance": Guidance.FLUOROSCOPY,
        "role": Entry.Role.PERFORMED,
        "supervisor": log.faculty,
        "supervision_level": Entry.SupervisionLevel.DIRECT,
        "complication": Entry.Complication.NONE,
        "age_band": Entry.AgeBand.AGE_40_64,
        "level": "L4-L5",
        "laterality": Entry.Laterality.LEFT,
        "note": "good spread",
    }
    values.update(overrides)
    return values


def create(ours, log, **overrides):
    return entry_create(actor=ours.fellow, fellow=log.fellow, **fields(log, **overrides))


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- create ------------------------------------------------------------------------------------


def test_fellow_logs_an_entry_pending_with_a_created_event(ours, log):
    entry = create(ours, log)
    assert entry.status == Entry.Status.PENDING
    assert entry.program == ours.program
    assert (entry.level, entry.laterality, entry.note) == ("L4-L5", "left", "good spread")
    event = entry.events.get()
    assert (event.action, event.actor) == (Action.CREATED, ours.fellow)


def test_an_mrn_in_the_note_is_refused_and_nothing_is_saved(ours, log):
    with pytest.raises(ValidationError) as excinfo:
        create(ours, log, note="MRN 12345678")
    (message,) = errors_of(excinfo)["note"]
    assert "medical record number" in message
    assert "must never identify a patient." in message
    assert not Entry.objects.exists()
    assert not ProcedureEntryEvent.objects.exists()


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.COORDINATOR, Role.FACULTY])
def test_only_the_fellow_logs_their_own_entries(ours, log, role):
    with pytest.raises(PermissionDenied):
        entry_create(actor=ours.user(role), fellow=log.fellow, **fields(log))


def test_another_fellow_cannot_log_for_a_fellow(ours, log):
    other = MembershipFactory(program=ours.program, role=Role.FELLOW)
    with pytest.raises(PermissionDenied):
        entry_create(actor=other.user, fellow=log.fellow, **fields(log))


def test_an_inactive_fellow_cannot_log(ours, log):
    Membership.objects.filter(pk=log.fellow.pk).update(is_active=False)
    log.fellow.refresh_from_db()
    with pytest.raises(PermissionDenied):
        create(ours, log)


def test_procedure_of_another_program_is_refused(ours, theirs, log):
    foreign = ProcedureTypeFactory(program=theirs.program, allowed_guidance=["fluoroscopy"])
    with pytest.raises(ValidationError) as excinfo:
        create(ours, log, procedure_type=foreign, level="", laterality="")
    assert "procedure_type" in errors_of(excinfo)


def test_retired_procedure_is_refused(ours, log):
    log.tfesi.is_active = False
    log.tfesi.save()
    with pytest.raises(ValidationError) as excinfo:
        create(ours, log)
    assert "retired" in errors_of(excinfo)["procedure_type"][0]


def test_guidance_must_be_allowed_for_the_procedure(ours, log):
    with pytest.raises(ValidationError) as excinfo:
        create(ours, log, guidance=Guidance.ULTRASOUND)
    assert "not done with ultrasound" in errors_of(excinfo)["guidance"][0]


def test_level_and_laterality_only_where_they_apply(ours, log):
    with pytest.raises(ValidationError) as excinfo:
        create(ours, log, procedure_type=log.trigger, guidance=Guidance.LANDMARK)
    errors = errors_of(excinfo)
    assert "has no spinal level" in errors["level"][0]
    assert "has no side" in errors["laterality"][0]
    entry = create(
        ours, log, procedure_type=log.trigger, guidance="landmark", level="", laterality=""
    )
    assert entry.level == ""


@pytest.mark.parametrize("role", [Role.FACULTY, Role.DIRECTOR])
def test_faculty_or_director_may_supervise(ours, log, role):
    assert create(ours, log, supervisor=membership(ours, role)).supervisor.role == role


def test_supervisor_must_be_active_faculty_of_the_program(ours, theirs, log):
    for supervisor in (
        membership(ours, Role.COORDINATOR),
        membership(ours, Role.FELLOW),
        membership(theirs, Role.FACULTY),
        MembershipFactory(program=ours.program, role=Role.FACULTY, is_active=False),
    ):
        with pytest.raises(ValidationError) as excinfo:
            create(ours, log, supervisor=supervisor)
        assert "supervisor" in errors_of(excinfo)


def test_date_not_in_the_future_nor_before_2000(ours, log):
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    for day, words in ((tomorrow, "future"), (datetime.date(1999, 12, 31), "before 2000")):
        with pytest.raises(ValidationError) as excinfo:
            create(ours, log, performed_on=day)
        assert words in errors_of(excinfo)["performed_on"][0]
    assert create(ours, log, performed_on=datetime.date(2000, 1, 1))


def test_choices_are_checked_by_full_clean(ours, log):
    with pytest.raises(ValidationError) as excinfo:
        create(ours, log, age_band="42")
    assert "age_band" in errors_of(excinfo)


# --- update ------------------------------------------------------------------------------------


def test_fellow_edits_a_pending_entry_with_an_edited_event(ours, log):
    entry = create(ours, log)
    entry = entry_update(actor=ours.fellow, entry=entry, **fields(log, level="L5-S1"))
    assert entry.level == "L5-S1"
    assert list(entry.events.values_list("action", flat=True)) == [Action.CREATED, Action.EDITED]


def test_a_returned_entry_goes_back_to_pending_on_edit(ours, log):
    entry = create(ours, log)
    Entry.objects.filter(pk=entry.pk).update(status=Entry.Status.RETURNED, return_reason="Level?")
    entry.refresh_from_db()
    entry = entry_update(actor=ours.fellow, entry=entry, **fields(log, level="L3-L4"))
    entry.refresh_from_db()
    assert (entry.status, entry.return_reason, entry.level) == ("pending", "", "L3-L4")


def test_a_verified_entry_is_locked(ours, log):
    entry = create(ours, log)
    Entry.objects.filter(pk=entry.pk).update(
        status=Entry.Status.VERIFIED, verified_at=timezone.now(), verified_by=ours.faculty
    )
    with pytest.raises(ValidationError) as excinfo:
        entry_update(actor=ours.fellow, entry=entry, **fields(log, level="L1-L2"))
    assert "verified entries are locked; ask the program director to reopen it" in str(
        excinfo.value
    )
    with pytest.raises(ValidationError, match="locked"):
        entry_delete(actor=ours.fellow, entry=entry)
    entry.refresh_from_db()
    assert entry.level == "L4-L5"
    assert LOCKED_MESSAGE


def test_the_note_is_screened_on_edit_too(ours, log):
    entry = create(ours, log)
    with pytest.raises(ValidationError) as excinfo:
        entry_update(actor=ours.fellow, entry=entry, **fields(log, note="DOB 03/14/1962"))
    assert "date of birth" in errors_of(excinfo)["note"][0]
    entry.refresh_from_db()
    assert entry.note == "good spread"


def test_another_fellow_or_faculty_cannot_edit_or_delete(ours, log):
    entry = create(ours, log)
    other = MembershipFactory(program=ours.program, role=Role.FELLOW).user
    for actor in (other, ours.faculty, ours.director, UserFactory()):
        with pytest.raises(PermissionDenied):
            entry_update(actor=actor, entry=entry, **fields(log))
        with pytest.raises(PermissionDenied):
            entry_delete(actor=actor, entry=entry)
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_a_retired_type_and_inactive_supervisor_may_be_kept_on_edit(ours, log):
    entry = create(ours, log)
    log.tfesi.is_active = False
    log.tfesi.save()
    Membership.objects.filter(pk=log.faculty.pk).update(is_active=False)
    log.faculty.refresh_from_db()
    entry = entry_update(actor=ours.fellow, entry=entry, **fields(log, note="second try"))
    assert entry.note == "second try"


# --- delete ------------------------------------------------------------------------------------


def test_delete_keeps_the_events_detached_with_a_summary(ours, log):
    entry = create(ours, log)
    entry_update(actor=ours.fellow, entry=entry, **fields(log))
    entry_delete(actor=ours.fellow, entry=entry)
    assert not Entry.objects.exists()
    events = list(ProcedureEntryEvent.objects.order_by("pk"))
    assert [e.action for e in events] == [Action.CREATED, Action.EDITED, Action.DELETED]
    assert all(e.entry_id is None for e in events)
    assert all("Lumbar transforaminal epidural on 2026-10-01" in e.summary for e in events)
    assert events[-1].actor == ours.fellow


# --- favourites --------------------------------------------------------------------------------


def test_favourite_toggle_pins_and_unpins(ours, theirs, log):
    assert favourite_toggle(actor=ours.fellow, fellow=log.fellow, procedure_type=log.tfesi)
    assert list(favourite_type_list(fellow=log.fellow)) == [log.tfesi]
    assert not favourite_toggle(actor=ours.fellow, fellow=log.fellow, procedure_type=log.tfesi)
    assert not FavouriteProcedure.objects.exists()
    with pytest.raises(PermissionDenied):
        favourite_toggle(actor=ours.faculty, fellow=log.fellow, procedure_type=log.tfesi)
    foreign = ProcedureTypeFactory(program=theirs.program)
    with pytest.raises(ValidationError):
        favourite_toggle(actor=ours.fellow, fellow=log.fellow, procedure_type=foreign)


# --- selectors ---------------------------------------------------------------------------------


def test_entry_list_scoping(ours, theirs, log):
    mine = create(ours, log)
    other_fellow = MembershipFactory(program=ours.program, role=Role.FELLOW)
    theirs_entry = ProcedureLogEntryFactory(
        program=ours.program, fellow=other_fellow, supervisor=log.faculty
    )
    program = ours.program
    assert list(entry_list(user=ours.fellow, program=program)) == [mine]
    assert list(entry_list(user=ours.fellow, program=program, fellow=other_fellow)) == []
    assert list(entry_list(user=other_fellow.user, program=program, fellow=log.fellow)) == []
    for role in (Role.DIRECTOR, Role.COORDINATOR, Role.FACULTY):
        user = ours.user(role)
        assert set(entry_list(user=user, program=program)) == {mine, theirs_entry}
        assert list(entry_list(user=user, program=program, fellow=other_fellow)) == [theirs_entry]
        assert list(entry_list(user=theirs.user(role), program=program)) == []
        assert list(entry_list(user=theirs.user(role), program=program, fellow=log.fellow)) == []


def test_entry_list_filters(ours, log):
    old = create(ours, log, performed_on=datetime.date(2026, 1, 5))
    new = create(
        ours,
        log,
        procedure_type=log.trigger,
        guidance="landmark",
        level="",
        laterality="",
        role=Entry.Role.ASSISTED,
    )
    Entry.objects.filter(pk=old.pk).update(status=Entry.Status.RETURNED)
    user, program = ours.fellow, ours.program
    assert list(entry_list(user=user, program=program, date_from=datetime.date(2026, 6, 1))) == [
        new
    ]
    assert list(entry_list(user=user, program=program, date_to=datetime.date(2026, 6, 1))) == [old]
    assert list(entry_list(user=user, program=program, category_id=log.trigger.category_id)) == [
        new
    ]
    assert list(entry_list(user=user, program=program, role="assisted")) == [new]
    assert list(entry_list(user=user, program=program, status="returned")) == [old]


def test_repeat_initial_copies_the_last_entry_dated_today(ours, log):
    today = datetime.date(2026, 11, 2)
    defaults = repeat_initial(fellow=log.fellow, today=today)
    assert defaults == {
        "performed_on": today,
        "role": "performed",
        "supervision_level": "direct",
        "complication": "none",
    }
    create(ours, log, complication=Entry.Complication.VASOVAGAL, note="felt faint")
    last = create(
        ours,
        log,
        performed_on=datetime.date(2026, 9, 1),
        level="L5-S1",
        supervision_level="indirect",
        complication="vasovagal",
    )
    assert last_entry(fellow=log.fellow) == last
    initial = repeat_initial(fellow=log.fellow, today=today)
    assert initial["performed_on"] == today
    assert initial["procedure_type"] == log.tfesi.pk
    assert initial["level"] == "L5-S1"
    assert initial["supervisor"] == log.faculty.pk
    assert initial["supervision_level"] == "indirect"
    assert initial["complication"] == "none"
    assert "note" not in initial
    chosen = type_initial(fellow=log.fellow, today=today, procedure_type=log.trigger)
    assert chosen["procedure_type"] == log.trigger.pk
    assert chosen["guidance"] == "landmark"
    assert chosen["supervisor"] == log.faculty.pk


def test_supervisor_list_is_active_faculty_and_director(ours, log):
    MembershipFactory(program=ours.program, role=Role.FACULTY, is_active=False)
    roles = sorted(supervisor_list(program=ours.program).values_list("role", flat=True))
    assert roles == ["director", "faculty"]


# --- import ------------------------------------------------------------------------------------

HEADER = ",".join(COLUMNS) + "\n"


def csv_bytes(log, *rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def good_row(log, **changes) -> str:
    values = {
        "date": "2026-09-15",
        "procedure": "lumbar TRANSFORAMINAL epidural",
        "guidance": "fluoroscopy",
        "role": "performed",
        "supervisor_email": log.faculty.user.email.upper(),
        "supervision_level": "direct",
        "complication": "none",
        "age_band": "40_64",
        "level": "L4-L5",
        "laterality": "left",
        "note": "",
    }
    values.update(changes)
    return ",".join(values.values())


def test_import_creates_every_entry_pending_with_events(ours, log):
    content = csv_bytes(log, good_row(log), good_row(log, date="09/16/2026", role="Assisted"))
    created = entry_import(actor=ours.fellow, fellow=log.fellow, content=content)
    assert len(created) == 2
    assert {e.status for e in created} == {"pending"}
    assert created[1].performed_on == datetime.date(2026, 9, 16)
    assert created[1].role == "assisted"
    assert ProcedureEntryEvent.objects.filter(action=Action.CREATED, actor=ours.fellow).count() == 2


def test_import_is_all_or_nothing_with_row_errors(ours, log):
    content = csv_bytes(
        log,
        good_row(log),
        good_row(log, note="MRN 12345678"),
        good_row(log, guidance="xray"),
        good_row(log, procedure="Unknown block", supervisor_email="nobody@example.org"),
        good_row(log, date="2999-01-01"),
        good_row(log, level="MRN 4821"),
    )
    with pytest.raises(ValidationError) as excinfo:
        entry_import(actor=ours.fellow, fellow=log.fellow, content=content)
    messages = excinfo.value.messages
    assert any(
        m.startswith("Row 3 (note): This looks like it contains a medical") for m in messages
    )
    assert (
        "Row 4 (guidance): 'xray' is not one of fluoroscopy, ultrasound, ct, landmark" in messages
    )
    assert any(m.startswith("Row 5 (procedure): 'Unknown block'") for m in messages)
    assert any(m.startswith("Row 5 (supervisor_email)") for m in messages)
    assert "Row 6 (date): 2999-01-01 is in the future" in messages
    # Every screened field of an entry, not only the note: the level too.
    assert any(
        m.startswith("Row 7 (level): This looks like it contains a medical") for m in messages
    )
    assert not Entry.objects.exists()
    assert not ProcedureEntryEvent.objects.exists()


def test_import_only_by_the_fellow(ours, log):
    with pytest.raises(PermissionDenied):
        entry_import(actor=ours.director, fellow=log.fellow, content=csv_bytes(log, good_row(log)))


def test_parse_reports_file_problems():
    kwargs = {"procedure_types": {}, "supervisors": {}, "today": DAY}
    assert "The file is empty" in entries_parse(b"", **kwargs).file_errors[0]
    preview = entries_parse(b"date,procedure,colour\n", **kwargs)
    assert "Unexpected column “colour”." in preview.file_errors
    assert "Missing column “guidance”." in preview.file_errors
    assert "header row but no entries" in entries_parse(HEADER.encode(), **kwargs).file_errors[0]
    assert "workbook" in entries_parse(b"PK\x03\x04xx", **kwargs).file_errors[0]
    assert "not UTF-8" in entries_parse(b"\xff\xfe\xfa", **kwargs).file_errors[0]


def test_parse_accepts_our_own_export_columns(log):
    header = HEADER.strip() + ",status,return_reason\n"
    row = good_row(log) + ",verified,\n"
    preview = entries_parse(
        (header + row).encode(),
        procedure_types={log.tfesi.name.lower(): log.tfesi},
        supervisors={log.faculty.user.email.lower(): log.faculty},
        today=DAY,
    )
    assert preview.is_clean, preview.errors
