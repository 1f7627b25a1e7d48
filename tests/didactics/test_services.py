"""Every rule of the didactics services: calendar, check-in, the roll, objectives, uploads."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from curriculum.models import Membership, Subcompetency
from didactics.models import (
    Attendance,
    CheckinThrottle,
    ObjectiveProgress,
    ObjectiveResource,
    Series,
    Session,
)
from didactics.services import attendance as attendance_services
from didactics.services import checkin as checkin_services
from didactics.services import objectives as objectives_services
from didactics.services import schedule as schedule_services
from tests.curriculum.factories import MembershipFactory, RotationFactory
from tests.didactics.factories import (
    ObjectiveFactory,
    SeriesFactory,
    SessionFactory,
    TeacherFactory,
)

Role = Membership.Role
T = datetime.time
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def series(ours):
    return SeriesFactory(program=ours.program)


def open_session(ours, *, opens=-10, closes=60, presenter=None):
    """A session whose check-in window is from ``opens`` to ``closes`` minutes from now."""
    session = SessionFactory(series__program=ours.program, presenter=presenter)
    now = timezone.now()
    return checkin_services.session_open_checkin(
        actor=ours.coordinator,
        session=session,
        opens_at=now + opens * MINUTE,
        closes_at=now + closes * MINUTE,
    )


def fellow_membership(people):
    return Membership.objects.get(user=people.fellow, program=people.program, role=Role.FELLOW)


# --- Calendar ----------------------------------------------------------------------------------


def test_coordinator_and_director_create_series_others_may_not(ours):
    for user in (ours.coordinator, ours.director):
        schedule_services.series_create(
            actor=user, program=ours.program, name=f"JC {user.pk}", kind="journal_club"
        )
    for user in (ours.faculty, ours.fellow):
        with pytest.raises(PermissionDenied):
            schedule_services.series_create(
                actor=user, program=ours.program, name="X", kind="simulation"
            )
    assert Series.objects.filter(program=ours.program).count() == 2


def test_series_names_are_unique_in_a_program(ours, series):
    with pytest.raises(ValidationError, match="already has a series"):
        schedule_services.series_create(
            actor=ours.coordinator, program=ours.program, name=series.name, kind="simulation"
        )


def test_session_refuses_both_member_and_guest_presenter_and_bad_times(ours, series):
    presenter = Membership.objects.get(user=ours.faculty, program=ours.program)
    base = dict(actor=ours.coordinator, series=series, date=datetime.date(2026, 9, 9), topic="T")
    with pytest.raises(ValidationError, match="not both"):
        schedule_services.session_create(
            **base, start_time=T(7), end_time=T(8), presenter=presenter, guest_presenter="Guest"
        )
    with pytest.raises(ValidationError, match="end after it starts"):
        schedule_services.session_create(**base, start_time=T(8), end_time=T(7))
    assert not Session.objects.exists()


def test_session_presenter_must_be_of_the_program(ours, theirs, series):
    outsider = Membership.objects.get(user=theirs.faculty, program=theirs.program)
    with pytest.raises(ValidationError, match="active member of the program"):
        schedule_services.session_create(
            actor=ours.coordinator,
            series=series,
            date=datetime.date(2026, 9, 9),
            start_time=T(7),
            end_time=T(8),
            topic="T",
            presenter=outsider,
        )


def test_recurring_dates_weekly_and_fortnightly_with_skips():
    first = datetime.date(2026, 9, 2)
    weekly = schedule_services.recurring_dates(
        first_date=first,
        last_date=datetime.date(2026, 9, 30),
        every_weeks=1,
        skip_dates=[datetime.date(2026, 9, 16)],
    )
    assert weekly == [datetime.date(2026, 9, d) for d in (2, 9, 23, 30)]
    fortnightly = schedule_services.recurring_dates(
        first_date=first, last_date=datetime.date(2026, 9, 30), every_weeks=2
    )
    assert fortnightly == [datetime.date(2026, 9, d) for d in (2, 16, 30)]


@pytest.mark.parametrize(
    ("last", "every", "skip", "message"),
    [
        (datetime.date(2026, 9, 1), 1, [], "must not be before"),
        (datetime.date(2026, 9, 2), 3, [], "weekly or every two weeks"),
        (datetime.date(2026, 9, 2), 1, [datetime.date(2026, 9, 2)], "No session falls"),
        (datetime.date(2028, 9, 2), 1, [], "at most 60"),
    ],
)
def test_recurring_dates_refuse_impossible_requests(last, every, skip, message):
    with pytest.raises(ValidationError, match=message):
        schedule_services.recurring_dates(
            first_date=datetime.date(2026, 9, 2), last_date=last, every_weeks=every, skip_dates=skip
        )


def test_recurring_creates_every_session_with_its_subcompetencies(ours, series):
    from curriculum.services import milestone_set_load_default

    milestone_set_load_default(actor=None, program=ours.program)
    sub = Subcompetency.objects.get(milestone_set__program=ours.program, code="MK1")
    created = schedule_services.session_create_recurring(
        actor=ours.coordinator,
        series=series,
        first_date=datetime.date(2026, 9, 2),
        last_date=datetime.date(2026, 11, 25),
        every_weeks=2,
        skip_dates=[datetime.date(2026, 10, 14)],
        start_time=T(7),
        end_time=T(8),
        topic="Core lecture",
        seed_domains=["pharmacology"],
        subcompetencies=[sub],
    )
    assert len(created) == 6
    assert Session.objects.filter(series=series).count() == 6
    assert Session.subcompetencies.through.objects.filter(subcompetency=sub).count() == 6


def test_recurring_saves_nothing_when_one_session_is_invalid(ours, series):
    with pytest.raises(ValidationError):
        schedule_services.session_create_recurring(
            actor=ours.coordinator,
            series=series,
            first_date=datetime.date(2026, 9, 2),
            last_date=datetime.date(2026, 11, 25),
            every_weeks=1,
            start_time=T(8),
            end_time=T(7),
            topic="Backwards",
        )
    assert not Session.objects.exists()


def test_recurring_is_refused_to_faculty(ours, series):
    with pytest.raises(PermissionDenied):
        schedule_services.session_create_recurring(
            actor=ours.faculty,
            series=series,
            first_date=datetime.date(2026, 9, 2),
            last_date=datetime.date(2026, 9, 30),
            every_weeks=1,
            start_time=T(7),
            end_time=T(8),
            topic="T",
        )


# --- Opening check-in ---------------------------------------------------------------------------


def test_open_checkin_defaults_to_15_minutes_before_and_30_after(ours):
    session = SessionFactory(series__program=ours.program)  # Sep 2, 07:00-08:00 New York
    session = checkin_services.session_open_checkin(actor=ours.coordinator, session=session)
    zone = datetime.timezone(datetime.timedelta(hours=-4))  # EDT on that date
    assert session.checkin_opens_at == datetime.datetime(2026, 9, 2, 6, 45, tzinfo=zone)
    assert session.checkin_closes_at == datetime.datetime(2026, 9, 2, 8, 30, tzinfo=zone)
    assert len(session.checkin_code) == 6
    assert set(session.checkin_code) <= set(checkin_services.CODE_ALPHABET)
    assert not set("0O1IL") & set(checkin_services.CODE_ALPHABET)


def test_open_checkin_keeps_the_code_unless_asked(ours):
    session = open_session(ours)
    code = session.checkin_code
    again = checkin_services.session_open_checkin(actor=ours.coordinator, session=session)
    assert again.checkin_code == code
    codes = {
        checkin_services.session_open_checkin(
            actor=ours.coordinator, session=session, new_code=True
        ).checkin_code
        for _ in range(5)
    }
    assert codes - {code}


def test_presenter_may_open_checkin_other_faculty_and_fellows_may_not(ours):
    presenter = Membership.objects.get(user=ours.faculty, program=ours.program)
    session = SessionFactory(series__program=ours.program, presenter=presenter)
    checkin_services.session_open_checkin(actor=ours.faculty, session=session)
    other = SessionFactory(series__program=ours.program)
    for user in (ours.faculty, ours.fellow):
        with pytest.raises(PermissionDenied):
            checkin_services.session_open_checkin(actor=user, session=other)


def test_window_must_close_after_it_opens(ours):
    session = SessionFactory(series__program=ours.program)
    now = timezone.now()
    with pytest.raises(ValidationError, match="close after it opens"):
        checkin_services.session_open_checkin(
            actor=ours.coordinator, session=session, opens_at=now, closes_at=now - MINUTE
        )


# --- Checking in ------------------------------------------------------------------------------


def test_fellow_checks_in_with_the_code_in_lower_case_and_spaces(ours):
    session = open_session(ours)
    code = session.checkin_code
    result = checkin_services.session_check_in(
        actor=ours.fellow, session=session, code=f" {code[:3].lower()} {code[3:]} "
    )
    assert not result.already
    attendance = Attendance.objects.get(session=session)
    assert (attendance.status, attendance.method, attendance.recorded_by) == (
        "present",
        "check_in",
        ours.fellow,
    )


def test_second_checkin_is_idempotent(ours):
    session = open_session(ours)
    checkin_services.session_check_in(actor=ours.fellow, session=session, code=session.checkin_code)
    again = checkin_services.session_check_in(actor=ours.fellow, session=session, code="whatever")
    assert again.already
    assert Attendance.objects.filter(session=session).count() == 1


@pytest.mark.parametrize(
    ("opens", "closes", "message"),
    [(5, 60, "has not opened yet"), (-90, -1, "Check-in closed")],
)
def test_checkin_outside_the_window_is_refused(ours, opens, closes, message):
    session = open_session(ours, opens=opens, closes=closes)
    with pytest.raises(ValidationError, match=message):
        checkin_services.session_check_in(
            actor=ours.fellow, session=session, code=session.checkin_code
        )
    assert not Attendance.objects.exists()


def test_checkin_before_it_is_set_up_is_refused(ours):
    session = SessionFactory(series__program=ours.program)
    with pytest.raises(ValidationError, match="not open"):
        checkin_services.session_check_in(actor=ours.fellow, session=session, code="ACDEFG")


def test_wrong_code_counts_down_then_locks_for_15_minutes(ours):
    session = open_session(ours)
    wrong = "".join(c for c in checkin_services.CODE_ALPHABET if c not in session.checkin_code)[:6]
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationError, match=f"{left} tr"):
            checkin_services.session_check_in(actor=ours.fellow, session=session, code=wrong)
    with pytest.raises(ValidationError, match="locked until"):
        checkin_services.session_check_in(actor=ours.fellow, session=session, code=wrong)
    throttle = CheckinThrottle.objects.get(session=session)
    lock = throttle.locked_until - timezone.now()
    assert datetime.timedelta(minutes=14) < lock <= datetime.timedelta(minutes=15)
    # Even the right code is refused while locked out.
    with pytest.raises(ValidationError, match="Too many wrong codes"):
        checkin_services.session_check_in(
            actor=ours.fellow, session=session, code=session.checkin_code
        )
    assert not Attendance.objects.exists()
    # Once the lock has passed, the right code works and the count starts again.
    throttle.locked_until = timezone.now() - MINUTE
    throttle.save()
    checkin_services.session_check_in(actor=ours.fellow, session=session, code=session.checkin_code)
    assert Attendance.objects.filter(session=session, status="present").exists()


def test_throttle_is_per_fellow(ours):
    session = open_session(ours)
    other = MembershipFactory(program=ours.program, role=Role.FELLOW)
    for _ in range(5):
        with pytest.raises(ValidationError):
            checkin_services.session_check_in(actor=ours.fellow, session=session, code="XXXXXX")
    checkin_services.session_check_in(actor=other.user, session=session, code=session.checkin_code)
    assert Attendance.objects.get(session=session).fellow == other


def test_fellow_of_another_program_and_non_fellows_cannot_check_in(ours, theirs):
    session = open_session(ours)
    for user in (theirs.fellow, ours.faculty, ours.coordinator):
        with pytest.raises(PermissionDenied):
            checkin_services.session_check_in(
                actor=user, session=session, code=session.checkin_code
            )
    assert not Attendance.objects.exists()


def test_checkin_turns_an_earlier_absent_mark_into_present(ours):
    session = open_session(ours)
    fellow = fellow_membership(ours)
    attendance_services.attendance_correct(
        actor=ours.coordinator, session=session, fellow=fellow, status="absent", reason="early"
    )
    checkin_services.session_check_in(actor=ours.fellow, session=session, code=session.checkin_code)
    assert Attendance.objects.get(session=session).status == "present"


# --- The roll -----------------------------------------------------------------------------------


def test_coordinator_corrects_the_roll_with_a_reason_and_it_is_recorded(ours):
    session = SessionFactory(series__program=ours.program)
    fellow = fellow_membership(ours)
    row = attendance_services.attendance_correct(
        actor=ours.coordinator, session=session, fellow=fellow, status="excused", reason="On call"
    )
    assert (row.status, row.method, row.reason, row.recorded_by) == (
        "excused",
        "roll",
        "On call",
        ours.coordinator,
    )
    row = attendance_services.attendance_correct(
        actor=ours.director, session=session, fellow=fellow, status="present", reason="Was there"
    )
    assert Attendance.objects.get(pk=row.pk).recorded_by == ours.director
    assert Attendance.objects.count() == 1


def test_roll_correction_needs_a_reason_and_staff_and_our_fellow(ours, theirs):
    session = SessionFactory(series__program=ours.program)
    fellow = fellow_membership(ours)
    with pytest.raises(ValidationError, match="reason"):
        attendance_services.attendance_correct(
            actor=ours.coordinator, session=session, fellow=fellow, status="present", reason=" "
        )
    with pytest.raises(PermissionDenied):
        attendance_services.attendance_correct(
            actor=ours.faculty, session=session, fellow=fellow, status="present", reason="x"
        )
    with pytest.raises(ValidationError, match="program's fellows"):
        attendance_services.attendance_correct(
            actor=ours.coordinator,
            session=session,
            fellow=fellow_membership(theirs),
            status="present",
            reason="x",
        )
    assert not Attendance.objects.exists()


def test_requirement_is_set_per_kind_within_0_to_100(ours):
    attendance_services.requirement_set(
        actor=ours.director, program=ours.program, kind="core_lecture", required_percent=70
    )
    with pytest.raises(ValidationError):
        attendance_services.requirement_set(
            actor=ours.director, program=ours.program, kind="core_lecture", required_percent=101
        )
    with pytest.raises(PermissionDenied):
        attendance_services.requirement_set(
            actor=ours.fellow, program=ours.program, kind="core_lecture", required_percent=0
        )


# --- Objectives and resources -------------------------------------------------------------------


PDF = b"%PDF-1.7\n%test\n"


def test_resource_upload_accepts_allowed_types(ours, settings):
    objective = ObjectiveFactory(rotation__program=ours.program)
    upload = SimpleUploadedFile("Reading list.PDF", PDF, content_type="application/pdf")
    resource = objectives_services.resource_add(
        actor=ours.coordinator, objective=objective, title="Reading", upload=upload
    )
    assert resource.original_name == "Reading list.PDF"
    assert resource.size == len(PDF)
    assert resource.file.name.startswith("didactics/resources/")
    assert resource.file.name.endswith(".pdf")
    assert (settings.MEDIA_ROOT / resource.file.name).read_bytes() == PDF


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"hello", "Upload a PDF"),
        ("script.pdf.exe", b"MZ", "Upload a PDF"),
        ("fake.pdf", b"<html>", "not a PDF"),
        ("fake.png", b"%PDF-1.7", "not a PNG"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_resource_upload_refuses_other_types(ours, settings, name, content, message):
    objective = ObjectiveFactory(rotation__program=ours.program)
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(ValidationError, match=message):
        objectives_services.resource_add(
            actor=ours.coordinator, objective=objective, title="Bad", upload=upload
        )
    assert not ObjectiveResource.objects.exists()
    assert not list((settings.MEDIA_ROOT).rglob("*.*")) if settings.MEDIA_ROOT.exists() else True


def test_resource_upload_over_10_mb_is_refused(ours, settings):
    objective = ObjectiveFactory(rotation__program=ours.program)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        objectives_services.resource_add(
            actor=ours.coordinator, objective=objective, title="Big", upload=big
        )
    exactly = SimpleUploadedFile("ok.pdf", PDF + b"0" * (10 * 1024 * 1024 - len(PDF)))
    objectives_services.resource_add(
        actor=ours.coordinator, objective=objective, title="Ok", upload=exactly
    )
    assert ObjectiveResource.objects.get().title == "Ok"


def test_resource_is_a_link_or_a_file_not_both(ours):
    objective = ObjectiveFactory(rotation__program=ours.program)
    upload = SimpleUploadedFile("a.pdf", PDF)
    with pytest.raises(ValidationError, match="either a link or a file"):
        objectives_services.resource_add(
            actor=ours.coordinator,
            objective=objective,
            title="Both",
            url="https://example.org",
            upload=upload,
        )
    with pytest.raises(ValidationError, match="either a link or a file"):
        objectives_services.resource_add(
            actor=ours.coordinator, objective=objective, title="Neither"
        )
    link = objectives_services.resource_add(
        actor=ours.coordinator, objective=objective, title="Link", url="https://example.org/a"
    )
    assert link.url == "https://example.org/a"
    with pytest.raises(PermissionDenied):
        objectives_services.resource_add(
            actor=ours.faculty, objective=objective, title="L", url="https://example.org/b"
        )


def test_fellow_marks_met_and_a_teacher_confirms(ours):
    rotation = RotationFactory(program=ours.program)
    objective = ObjectiveFactory(rotation=rotation)
    faculty = Membership.objects.get(user=ours.faculty, program=ours.program)
    progress = objectives_services.objective_mark_met(
        actor=ours.fellow, objective=objective, note="Did 3"
    )
    assert progress.fellow == fellow_membership(ours)
    # Not a teacher of this rotation yet: refused.
    with pytest.raises(PermissionDenied):
        objectives_services.objective_confirm(actor=ours.faculty, progress=progress)
    TeacherFactory(rotation=rotation, faculty=faculty)
    confirmed = objectives_services.objective_confirm(actor=ours.faculty, progress=progress)
    assert (confirmed.confirmed_by, confirmed.confirmed_at is not None) == (ours.faculty, True)
    with pytest.raises(ValidationError, match="already confirmed"):
        objectives_services.objective_mark_met(
            actor=ours.fellow, objective=objective, note="changed"
        )
    with pytest.raises(ValidationError, match="already confirmed"):
        objectives_services.objective_unmark(actor=ours.fellow, progress=confirmed)


def test_director_confirms_without_being_a_teacher_coordinator_and_fellow_cannot(ours):
    objective = ObjectiveFactory(rotation__program=ours.program)
    progress = objectives_services.objective_mark_met(actor=ours.fellow, objective=objective)
    for user in (ours.coordinator, ours.fellow):
        with pytest.raises(PermissionDenied):
            objectives_services.objective_confirm(actor=user, progress=progress)
    objectives_services.objective_confirm(actor=ours.director, progress=progress)
    assert ObjectiveProgress.objects.get().confirmed_by == ours.director


def test_marking_met_twice_updates_the_note_and_unmark_withdraws(ours):
    objective = ObjectiveFactory(rotation__program=ours.program)
    objectives_services.objective_mark_met(actor=ours.fellow, objective=objective, note="one")
    progress = objectives_services.objective_mark_met(
        actor=ours.fellow, objective=objective, note="two"
    )
    assert ObjectiveProgress.objects.get().note == "two"
    objectives_services.objective_unmark(actor=ours.fellow, progress=progress)
    assert not ObjectiveProgress.objects.exists()


def test_only_our_fellows_mark_objectives(ours, theirs):
    objective = ObjectiveFactory(rotation__program=ours.program)
    for user in (theirs.fellow, ours.faculty):
        with pytest.raises(PermissionDenied):
            objectives_services.objective_mark_met(actor=user, objective=objective)


def test_teachers_are_director_managed_faculty_of_the_program(ours, theirs):
    rotation = RotationFactory(program=ours.program)
    faculty = Membership.objects.get(user=ours.faculty, program=ours.program)
    with pytest.raises(PermissionDenied):
        objectives_services.teacher_add(actor=ours.coordinator, rotation=rotation, faculty=faculty)
    with pytest.raises(ValidationError):
        objectives_services.teacher_add(
            actor=ours.director,
            rotation=rotation,
            faculty=Membership.objects.get(user=theirs.faculty),
        )
    teacher = objectives_services.teacher_add(
        actor=ours.director, rotation=rotation, faculty=faculty
    )
    assert (
        objectives_services.teacher_add(actor=ours.director, rotation=rotation, faculty=faculty)
        == teacher
    )
    objectives_services.teacher_remove(actor=ours.director, teacher=teacher)
    assert not rotation.teachers.exists()
