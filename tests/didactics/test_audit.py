"""Every didactics service that changes a program's records writes one audit event naming the
actor and the changed fields; a refused change writes none."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from curriculum.models import Membership
from didactics.models import Attendance
from didactics.services import attendance as attendance_services
from didactics.services import checkin as checkin_services
from didactics.services import objectives as objectives_services
from didactics.services import schedule as schedule_services
from tests.curriculum.factories import RotationFactory
from tests.didactics.factories import (
    ObjectiveFactory,
    ProgressFactory,
    SeriesFactory,
    SessionFactory,
    TeacherFactory,
)

Role = Membership.Role
T = datetime.time
MINUTE = datetime.timedelta(minutes=1)


def member(people, role):
    return Membership.objects.get(user=getattr(people, role), program=people.program, role=role)


def only_event(action: str) -> AuditEvent:
    """The one event of ``action``; fails when there are none or several."""
    return AuditEvent.objects.get(action=action)


def session_fields(series):
    return {
        "series": series,
        "start_time": T(7),
        "end_time": T(8),
        "topic": "Core lecture",
    }


# --- Calendar ---------------------------------------------------------------------------------


def test_series_create_is_audited_and_a_refusal_is_not(ours):
    with pytest.raises(PermissionDenied):
        schedule_services.series_create(
            actor=ours.faculty, program=ours.program, name="X", kind="core_lecture"
        )
    assert not AuditEvent.objects.exists()
    series = schedule_services.series_create(
        actor=ours.coordinator, program=ours.program, name="Grand rounds", kind="core_lecture"
    )
    event = only_event("didactics.series.create")
    assert (event.actor, event.program, event.object_id) == (
        ours.coordinator,
        ours.program,
        str(series.pk),
    )
    assert event.changes["name"] == "Grand rounds"


def test_session_create_is_audited_and_a_refusal_is_not(ours):
    series = SeriesFactory(program=ours.program)
    for actor in (ours.faculty, ours.fellow):
        with pytest.raises(PermissionDenied):
            schedule_services.session_create(
                actor=actor, date=datetime.date(2026, 9, 2), **session_fields(series)
            )
    assert not AuditEvent.objects.exists()
    session = schedule_services.session_create(
        actor=ours.director, date=datetime.date(2026, 9, 2), **session_fields(series)
    )
    event = only_event("didactics.session.create")
    assert (event.actor, event.program, event.object_id) == (
        ours.director,
        ours.program,
        str(session.pk),
    )
    assert event.changes["date"] == "2026-09-02"
    assert event.changes["topic"] == "Core lecture"


def test_recurring_sessions_write_one_event_each_and_a_refusal_none(ours):
    series = SeriesFactory(program=ours.program)
    run = {
        "first_date": datetime.date(2026, 9, 2),
        "last_date": datetime.date(2026, 9, 23),
        "every_weeks": 1,
        **session_fields(series),
    }
    with pytest.raises(PermissionDenied):
        schedule_services.session_create_recurring(actor=ours.faculty, **run)
    assert not AuditEvent.objects.exists()
    created = schedule_services.session_create_recurring(actor=ours.coordinator, **run)
    events = AuditEvent.objects.filter(action="didactics.session.create")
    assert sorted(events.values_list("object_id", flat=True)) == sorted(
        str(session.pk) for session in created
    )
    assert sorted(e.changes["date"] for e in events) == [
        "2026-09-02",
        "2026-09-09",
        "2026-09-16",
        "2026-09-23",
    ]


# --- Check-in -----------------------------------------------------------------------------------


def test_opening_checkin_is_audited_without_the_code_and_a_refusal_is_not(ours):
    session = SessionFactory(series__program=ours.program)
    with pytest.raises(PermissionDenied):
        checkin_services.session_open_checkin(actor=ours.fellow, session=session)
    assert not AuditEvent.objects.exists()
    session = checkin_services.session_open_checkin(actor=ours.coordinator, session=session)
    event = only_event("didactics.session.checkin_open")
    assert event.actor == ours.coordinator
    assert set(event.changes) == {"checkin_opens_at", "checkin_closes_at", "checkin_code"}
    assert session.checkin_code not in str(event.changes)
    # Opening it again with the same window and code changes nothing: nothing more recorded.
    checkin_services.session_open_checkin(actor=ours.coordinator, session=session)
    assert AuditEvent.objects.filter(action="didactics.session.checkin_open").count() == 1


def test_check_in_is_audited_and_a_wrong_code_is_not(ours):
    session = SessionFactory(series__program=ours.program)
    now = timezone.now()
    session = checkin_services.session_open_checkin(
        actor=ours.coordinator, session=session, opens_at=now - MINUTE, closes_at=now + MINUTE
    )
    checkins = AuditEvent.objects.filter(action="didactics.attendance.check_in")
    with pytest.raises(ValidationError):
        checkin_services.session_check_in(actor=ours.fellow, session=session, code="WRONG1")
    with pytest.raises(PermissionDenied):
        checkin_services.session_check_in(
            actor=ours.faculty, session=session, code=session.checkin_code
        )
    assert not checkins.exists()
    result = checkin_services.session_check_in(
        actor=ours.fellow, session=session, code=session.checkin_code
    )
    event = only_event("didactics.attendance.check_in")
    assert (event.actor, event.program, event.object_id) == (
        ours.fellow,
        ours.program,
        str(result.attendance.pk),
    )
    assert event.changes["status"] == [None, "present"]
    # A second check-in changes nothing, and records nothing.
    checkin_services.session_check_in(actor=ours.fellow, session=session, code=session.checkin_code)
    assert checkins.count() == 1


# --- The roll and requirements -------------------------------------------------------------------


def test_roll_correction_is_audited_with_before_and_after_and_a_refusal_is_not(ours):
    session = SessionFactory(series__program=ours.program)
    fellow = member(ours, Role.FELLOW)
    with pytest.raises(PermissionDenied):
        attendance_services.attendance_correct(
            actor=ours.faculty, session=session, fellow=fellow, status="excused", reason="Ill"
        )
    with pytest.raises(ValidationError):
        attendance_services.attendance_correct(
            actor=ours.coordinator, session=session, fellow=fellow, status="excused", reason=""
        )
    assert not AuditEvent.objects.exists()
    attendance_services.attendance_correct(
        actor=ours.coordinator, session=session, fellow=fellow, status="absent", reason="Missed"
    )
    attendance = attendance_services.attendance_correct(
        actor=ours.coordinator, session=session, fellow=fellow, status="excused", reason="Ill"
    )
    events = list(AuditEvent.objects.filter(action="didactics.attendance.correct").order_by("pk"))
    assert [e.object_id for e in events] == [str(attendance.pk)] * 2
    assert events[0].changes["status"] == [None, "absent"]
    assert events[1].changes == {"status": ["absent", "excused"], "reason": ["Missed", "Ill"]}
    assert events[1].program == ours.program
    assert Attendance.objects.get().status == "excused"


def test_requirement_change_is_audited_and_a_refusal_or_no_change_is_not(ours):
    with pytest.raises(PermissionDenied):
        attendance_services.requirement_set(
            actor=ours.faculty, program=ours.program, kind="core_lecture", required_percent=50
        )
    with pytest.raises(ValidationError):
        attendance_services.requirement_set(
            actor=ours.director, program=ours.program, kind="core_lecture", required_percent=101
        )
    assert not AuditEvent.objects.exists()
    for percent in (70, 70, 90):
        attendance_services.requirement_set(
            actor=ours.director, program=ours.program, kind="core_lecture", required_percent=percent
        )
    events = AuditEvent.objects.filter(action="didactics.requirement.set").order_by("pk")
    assert [e.changes for e in events] == [
        {"required_percent": [None, 70]},
        {"required_percent": [70, 90]},
    ]


# --- Learning objectives -------------------------------------------------------------------------


def test_objective_create_is_audited_and_a_refusal_is_not(ours):
    rotation = RotationFactory(program=ours.program)
    with pytest.raises(PermissionDenied):
        objectives_services.objective_create(actor=ours.faculty, rotation=rotation, text="X")
    assert not AuditEvent.objects.exists()
    objective = objectives_services.objective_create(
        actor=ours.coordinator, rotation=rotation, text="Place a lumbar epidural"
    )
    event = only_event("didactics.objective.create")
    assert (event.program, event.object_id) == (ours.program, str(objective.pk))
    assert event.changes["text"] == "Place a lumbar epidural"


def test_resource_add_is_audited_and_a_refusal_is_not(ours):
    objective = ObjectiveFactory(rotation__program=ours.program)
    with pytest.raises(PermissionDenied):
        objectives_services.resource_add(
            actor=ours.fellow, objective=objective, title="A", url="https://example.org/a"
        )
    with pytest.raises(ValidationError):
        objectives_services.resource_add(actor=ours.coordinator, objective=objective, title="A")
    assert not AuditEvent.objects.exists()
    resource = objectives_services.resource_add(
        actor=ours.coordinator, objective=objective, title="Guide", url="https://example.org/a"
    )
    event = only_event("didactics.resource.add")
    assert (event.program, event.object_id) == (ours.program, str(resource.pk))
    assert event.changes["url"] == "https://example.org/a"


def test_teacher_add_and_remove_are_audited_and_refusals_are_not(ours):
    rotation = RotationFactory(program=ours.program)
    faculty = member(ours, Role.FACULTY)
    with pytest.raises(PermissionDenied):
        objectives_services.teacher_add(actor=ours.coordinator, rotation=rotation, faculty=faculty)
    assert not AuditEvent.objects.exists()
    teacher = objectives_services.teacher_add(
        actor=ours.director, rotation=rotation, faculty=faculty
    )
    objectives_services.teacher_add(actor=ours.director, rotation=rotation, faculty=faculty)
    assert AuditEvent.objects.filter(action="didactics.teacher.add").count() == 1
    with pytest.raises(PermissionDenied):
        objectives_services.teacher_remove(actor=ours.coordinator, teacher=teacher)
    assert not AuditEvent.objects.filter(action="didactics.teacher.remove").exists()
    objectives_services.teacher_remove(actor=ours.director, teacher=teacher)
    event = only_event("didactics.teacher.remove")
    assert (event.program, event.changes["faculty"]) == (ours.program, [faculty.pk, None])


def test_marking_met_and_withdrawing_are_audited_and_refusals_are_not(ours):
    objective = ObjectiveFactory(rotation__program=ours.program)
    with pytest.raises(PermissionDenied):
        objectives_services.objective_mark_met(actor=ours.faculty, objective=objective)
    assert not AuditEvent.objects.exists()
    progress = objectives_services.objective_mark_met(
        actor=ours.fellow, objective=objective, note="Did three"
    )
    objectives_services.objective_mark_met(actor=ours.fellow, objective=objective, note="Did three")
    event = only_event("didactics.objective.mark_met")
    assert (event.actor, event.program, event.changes["note"]) == (
        ours.fellow,
        ours.program,
        [None, "Did three"],
    )
    with pytest.raises(PermissionDenied):
        objectives_services.objective_unmark(actor=ours.director, progress=progress)
    assert not AuditEvent.objects.filter(action="didactics.objective.unmark").exists()
    objectives_services.objective_unmark(actor=ours.fellow, progress=progress)
    assert only_event("didactics.objective.unmark").object_id == str(progress.pk)


def test_confirming_is_audited_once_and_a_refusal_is_not(ours):
    objective = ObjectiveFactory(rotation__program=ours.program)
    progress = ProgressFactory(objective=objective, fellow=member(ours, Role.FELLOW))
    with pytest.raises(PermissionDenied):
        objectives_services.objective_confirm(actor=ours.faculty, progress=progress)
    assert not AuditEvent.objects.exists()
    TeacherFactory(rotation=objective.rotation, faculty=member(ours, Role.FACULTY))
    objectives_services.objective_confirm(actor=ours.faculty, progress=progress)
    objectives_services.objective_confirm(actor=ours.faculty, progress=progress)
    event = only_event("didactics.objective.confirm")
    assert (event.actor, event.program, event.changes) == (
        ours.faculty,
        ours.program,
        {"confirmed_by": [None, ours.faculty.pk]},
    )
