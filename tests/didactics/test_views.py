"""Didactics pages: the access matrix of every view, the flows through them, query counts."""

import csv
import datetime
import io
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from curriculum.models import Membership
from didactics.models import (
    Attendance,
    ObjectiveProgress,
    ObjectiveResource,
    RotationTeacher,
    Session,
)
from didactics.services import checkin as checkin_services
from didactics.services import objectives as objectives_services
from tests.conftest import assert_constant_queries, page_ok
from tests.curriculum.factories import MembershipFactory, RotationFactory
from tests.didactics.factories import (
    AttendanceFactory,
    ObjectiveFactory,
    ProgressFactory,
    SeriesFactory,
    SessionFactory,
    TeacherFactory,
)
from tests.role_pages import assert_role_page_access

Role = Membership.Role
ALL = {"director", "coordinator", "faculty", "fellow"}
STAFF = {"director", "coordinator"}
PDF = b"%PDF-1.7\n%test\n"


def url(name, program, **kwargs):
    return reverse(f"didactics:{name}", kwargs={"program_id": program.pk, **kwargs})


def fellow_of(people):
    return Membership.objects.get(user=people.fellow, program=people.program, role=Role.FELLOW)


@pytest.fixture
def session(ours):
    return SessionFactory(series__program=ours.program)


@pytest.fixture
def open_session(ours):
    session = SessionFactory(series__program=ours.program, topic="Opioid conversion")
    now = timezone.now()
    return checkin_services.session_open_checkin(
        actor=ours.coordinator,
        session=session,
        opens_at=now - datetime.timedelta(minutes=5),
        closes_at=now + datetime.timedelta(minutes=60),
    )


@pytest.fixture
def objective(ours):
    return ObjectiveFactory(rotation__program=ours.program)


# --- Access matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("calendar", ALL),
        ("series_list", STAFF),
        ("series_create", STAFF),
        ("session_create", STAFF),
        ("session_recurring", STAFF),
        ("my_attendance", {"fellow"}),
        ("cohort_attendance", STAFF),
        ("cohort_attendance_export", STAFF),
        ("objectives", ALL),
    ],
)
def test_program_pages_access_matrix(client, ours, theirs, name, allowed):
    assert_role_page_access(client, ours, theirs, url(name, ours.program), allowed)


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("session_detail", ALL),
        ("checkin_run", STAFF),
        ("checkin_qr", STAFF),
        ("check_in", {"fellow"}),
        ("roll", STAFF),
    ],
)
def test_session_pages_access_matrix(client, ours, theirs, open_session, name, allowed):
    path = url(name, ours.program, session_id=open_session.pk)
    assert_role_page_access(client, ours, theirs, path, allowed)


def test_objective_pages_access_matrix(client, ours, theirs, objective):
    rotation = objective.rotation
    assert_role_page_access(
        client,
        ours,
        theirs,
        url("rotation_objectives", ours.program, rotation_id=rotation.pk),
        ALL,
    )
    assert_role_page_access(
        client, ours, theirs, url("objective_create", ours.program, rotation_id=rotation.pk), STAFF
    )
    assert_role_page_access(
        client,
        ours,
        theirs,
        url("resource_create", ours.program, objective_id=objective.pk),
        STAFF,
    )
    resource = objectives_services.resource_add(
        actor=None,
        objective=objective,
        title="Slides",
        upload=SimpleUploadedFile("slides.pdf", PDF),
    )
    assert_role_page_access(
        client, ours, theirs, url("resource_file", ours.program, resource_id=resource.pk), ALL
    )


def test_a_session_of_another_program_is_404_even_for_its_url_in_ours(client, ours, theirs):
    other = SessionFactory(series__program=theirs.program)
    client.force_login(ours.fellow)
    assert client.get(url("session_detail", ours.program, session_id=other.pk)).status_code == 404
    assert client.get(url("check_in", ours.program, session_id=other.pk)).status_code == 404


def test_the_presenter_runs_check_in_other_faculty_get_404(client, ours, session):
    path = url("checkin_run", ours.program, session_id=session.pk)
    client.force_login(ours.faculty)
    assert client.get(path).status_code == 404
    session.presenter = Membership.objects.get(user=ours.faculty, program=ours.program)
    session.save()
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    ("name", "allowed"),
    [("objective_met", {"fellow"}), ("objective_unmark", {"fellow"})],
)
def test_fellow_post_views_access(client, ours, theirs, objective, name, allowed):
    path = url(name, ours.program, objective_id=objective.pk)
    assert client.post(path)["Location"].startswith("/accounts/login/")
    ProgressFactory(objective=objective, fellow=fellow_of(ours))
    for role in ALL - allowed:
        client.force_login(ours.user(role))
        assert client.post(path).status_code == 404, role
    client.force_login(theirs.fellow)
    assert client.post(path).status_code == 404
    client.force_login(ours.fellow)
    assert client.post(path).status_code == 302
    assert client.get(path).status_code == 405


def test_confirm_view_access(client, ours, theirs, objective):
    progress = ProgressFactory(objective=objective, fellow=fellow_of(ours))
    path = url("progress_confirm", ours.program, progress_id=progress.pk)
    assert client.post(path)["Location"].startswith("/accounts/login/")
    for user in (ours.faculty, ours.coordinator, ours.fellow, theirs.director, theirs.faculty):
        client.force_login(user)
        assert client.post(path).status_code == 404
    assert ObjectiveProgress.objects.get().confirmed_at is None
    TeacherFactory(
        rotation=objective.rotation,
        faculty=Membership.objects.get(user=ours.faculty, program=ours.program),
    )
    client.force_login(ours.faculty)
    assert client.post(path).status_code == 302
    assert ObjectiveProgress.objects.get().confirmed_by == ours.faculty


def test_teacher_views_are_for_the_director(client, ours, theirs, objective):
    rotation = objective.rotation
    faculty = Membership.objects.get(user=ours.faculty, program=ours.program)
    add = url("teacher_add", ours.program, rotation_id=rotation.pk)
    assert client.post(add, {"faculty": faculty.pk})["Location"].startswith("/accounts/login/")
    for user in (ours.coordinator, ours.faculty, ours.fellow, theirs.director):
        client.force_login(user)
        assert client.post(add, {"faculty": faculty.pk}).status_code == 404
    client.force_login(ours.director)
    assert client.post(add, {"faculty": faculty.pk}).status_code == 302
    teacher = RotationTeacher.objects.get()
    remove = url("teacher_remove", ours.program, teacher_id=teacher.pk)
    client.force_login(theirs.director)
    assert client.post(remove).status_code == 404
    client.force_login(ours.director)
    assert client.post(remove).status_code == 302
    assert not RotationTeacher.objects.exists()


# --- Calendar flows -----------------------------------------------------------------------------


def test_calendar_lists_the_months_sessions_and_says_when_empty(client, ours):
    SessionFactory(series__program=ours.program, date=datetime.date(2026, 9, 2), topic="Sept one")
    SessionFactory(series__program=ours.program, date=datetime.date(2026, 10, 7), topic="Oct one")
    client.force_login(ours.faculty)
    page = client.get(url("calendar", ours.program), {"month": "2026-09"}).content.decode()
    assert "Sept one" in page and "Oct one" not in page
    page = client.get(url("calendar", ours.program), {"month": "2025-01"}).content.decode()
    assert "No sessions in January 2025" in page


def test_calendar_query_count_does_not_grow(client, ours):
    series = SeriesFactory(program=ours.program)
    presenter = Membership.objects.get(user=ours.faculty, program=ours.program)
    client.force_login(ours.coordinator)

    def add_sessions(n):  # one a day through September
        for _ in range(n):
            day = datetime.date(2026, 9, 1 + Session.objects.count())
            SessionFactory(series=series, date=day, presenter=presenter)

    calendar = partial(page_ok, client, url("calendar", ours.program) + "?month=2026-09")
    assert_constant_queries(calendar, add_sessions, sizes=(2, 20))


def test_calendar_paginates_a_busy_month(client, ours):
    series = SeriesFactory(program=ours.program)
    for hour in range(7, 20):
        for day in (1, 2):
            SessionFactory(
                series=series,
                date=datetime.date(2026, 9, day),
                start_time=datetime.time(hour),
                end_time=datetime.time(hour, 30),
            )
    client.force_login(ours.fellow)
    page = client.get(url("calendar", ours.program), {"month": "2026-09"}).content.decode()
    assert "Page 1 of 2" in page
    assert "month=2026-09&amp;page=2" in page


def test_recurring_preview_then_create(client, ours):
    series = SeriesFactory(program=ours.program)
    client.force_login(ours.coordinator)
    data = {
        "series": series.pk,
        "first_date": "2026-09-02",
        "last_date": "2026-09-30",
        "every_weeks": "1",
        "skip_dates": "2026-09-16",
        "start_time": "07:00",
        "end_time": "08:00",
        "topic": "Core lecture",
    }
    path = url("session_recurring", ours.program)
    response = client.post(path, data)
    assert "4 sessions will be created" in response.content.decode()
    assert not Session.objects.exists()
    response = client.post(path, {**data, "confirm": "1"})
    assert response.status_code == 302
    assert sorted(Session.objects.values_list("date", flat=True)) == [
        datetime.date(2026, 9, d) for d in (2, 9, 23, 30)
    ]


def test_recurring_bad_skip_date_is_shown_and_nothing_saved(client, ours):
    series = SeriesFactory(program=ours.program)
    client.force_login(ours.coordinator)
    data = {
        "series": series.pk,
        "first_date": "2026-09-02",
        "last_date": "2026-09-30",
        "every_weeks": "1",
        "skip_dates": "16/09/2026",
        "start_time": "07:00",
        "end_time": "08:00",
        "topic": "Core lecture",
        "confirm": "1",
    }
    page = client.post(url("session_recurring", ours.program), data).content.decode()
    assert "is not a date (use YYYY-MM-DD)" in page
    assert not Session.objects.exists()


def test_session_create_view(client, ours):
    series = SeriesFactory(program=ours.program)
    client.force_login(ours.director)
    response = client.post(
        url("session_create", ours.program),
        {
            "series": series.pk,
            "date": "2026-10-07",
            "start_time": "12:00",
            "end_time": "13:00",
            "topic": "Adjuvants",
            "guest_presenter": "Dr. Guest",
            "seed_domains": ["pharmacology"],
        },
    )
    session = Session.objects.get()
    assert response["Location"] == session.get_absolute_url()
    assert (session.guest_presenter, session.seed_domains) == ("Dr. Guest", ["pharmacology"])
    page = client.get(session.get_absolute_url()).content.decode()
    assert "Pharmacology" in page and "Dr. Guest" in page


# --- Check-in flows -----------------------------------------------------------------------------


def test_run_check_in_shows_the_code_and_a_qr_image(client, ours, session):
    client.force_login(ours.coordinator)
    path = url("checkin_run", ours.program, session_id=session.pk)
    page = client.get(path).content.decode()
    assert "Check-in is not open yet" in page
    assert 'value="2026-09-02T06:45"' in page  # default window, program's local time
    response = client.post(path, {"opens_at": "2026-09-02T06:30", "closes_at": "2026-09-02T09:00"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.checkin_opens_at == datetime.datetime(
        2026, 9, 2, 10, 30, tzinfo=datetime.UTC
    )  # 06:30 in New York (EDT)
    page = client.get(path).content.decode()
    assert session.checkin_code in page
    assert 'src="data:image/svg+xml' in page
    assert f"check-in/?code={session.checkin_code}" in page
    qr = client.get(url("checkin_qr", ours.program, session_id=session.pk))
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg")


def test_fellow_checks_in_and_sees_attendance(client, ours, open_session):
    client.force_login(ours.fellow)
    path = url("check_in", ours.program, session_id=open_session.pk)
    page = client.get(path, {"code": open_session.checkin_code}).content.decode()
    assert f'value="{open_session.checkin_code}"' in page  # prefilled from the QR link
    response = client.post(path, {"code": open_session.checkin_code.lower()}, follow=True)
    page = response.content.decode()
    assert "Checked in to “Opioid conversion”" in page
    assert Attendance.objects.get().status == "present"
    response = client.post(path, {"code": open_session.checkin_code}, follow=True)
    assert "already checked in" in response.content.decode()


def test_wrong_code_shows_a_clear_message_on_the_form(client, ours, open_session):
    client.force_login(ours.fellow)
    path = url("check_in", ours.program, session_id=open_session.pk)
    page = client.post(path, {"code": "XXXXXX"}).content.decode()
    assert "That code is wrong" in page and "4 tries left" in page
    assert not Attendance.objects.exists()


def test_fellow_of_another_program_gets_404_on_post(client, ours, theirs, open_session):
    client.force_login(theirs.fellow)
    path = url("check_in", ours.program, session_id=open_session.pk)
    assert client.post(path, {"code": open_session.checkin_code}).status_code == 404
    assert not Attendance.objects.exists()


def test_my_attendance_lists_sessions_open_now(client, ours, open_session):
    client.force_login(ours.fellow)
    page = client.get(url("my_attendance", ours.program)).content.decode()
    assert "Check-in open now" in page
    assert url("check_in", ours.program, session_id=open_session.pk) in page
    checkin_services.session_check_in(
        actor=ours.fellow, session=open_session, code=open_session.checkin_code
    )
    page = client.get(url("my_attendance", ours.program)).content.decode()
    assert "Check-in open now" not in page


def test_roll_correction_view_records_reason(client, ours, session):
    fellow = fellow_of(ours)
    client.force_login(ours.coordinator)
    path = url("roll", ours.program, session_id=session.pk)
    prefix = f"roll-{fellow.pk}"
    page = client.post(
        path, {"fellow": fellow.pk, f"{prefix}-status": "excused", f"{prefix}-reason": ""}
    ).content.decode()
    assert "This field is required" in page
    assert not Attendance.objects.exists()
    response = client.post(
        path, {"fellow": fellow.pk, f"{prefix}-status": "excused", f"{prefix}-reason": "On call"}
    )
    assert response.status_code == 302
    row = Attendance.objects.get()
    assert (row.status, row.reason, row.recorded_by) == ("excused", "On call", ours.coordinator)
    assert "On call" in client.get(path).content.decode()
    other = MembershipFactory(role=Role.FELLOW)  # another program's fellow
    response = client.post(
        path,
        {"fellow": other.pk, f"roll-{other.pk}-status": "present", f"roll-{other.pk}-reason": "x"},
    )
    assert response.status_code == 404


def test_roll_query_count_does_not_grow(client, ours, session):
    client.force_login(ours.coordinator)

    def add_fellows(n):
        for _ in range(n):
            fellow = MembershipFactory(program=ours.program, role=Role.FELLOW)
            AttendanceFactory(session=session, fellow=fellow)

    roll = partial(page_ok, client, url("roll", ours.program, session_id=session.pk))
    assert_constant_queries(roll, add_fellows, sizes=(4, 8))


def _cohort_with_attendance(ours, fellows: int):
    series = SeriesFactory(program=ours.program, name="Core lectures")
    sessions = [
        SessionFactory(series=series, date=datetime.date(2026, 9, 2) + datetime.timedelta(weeks=i))
        for i in range(5)
    ]
    for _ in range(fellows):
        fellow = MembershipFactory(program=ours.program, role=Role.FELLOW)
        for session in sessions[:4]:
            AttendanceFactory(session=session, fellow=fellow)
    return sessions


def test_cohort_attendance_highlights_shortfalls_in_words_and_exports(client, ours):
    sessions = _cohort_with_attendance(ours, fellows=1)
    AttendanceFactory(session=sessions[0], fellow=fellow_of(ours))
    client.force_login(ours.director)
    page = client.get(url("cohort_attendance", ours.program)).content.decode()
    assert "<strong>Below 80 %</strong>" in page
    assert "1 below requirement" in page
    response = client.get(url("cohort_attendance_export", ours.program))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_email = {row["email"]: row for row in rows}
    assert by_email[ours.fellow.email]["percent"] == "20"
    assert by_email[ours.fellow.email]["shortfall"] == "yes"
    assert {row["shortfall"] for row in rows if row["email"] != ours.fellow.email} == {"no"}


def test_cohort_attendance_query_count_does_not_grow(client, ours):
    client.force_login(ours.coordinator)
    _cohort_with_attendance(ours, fellows=1)

    def add_fellows(n):
        for _ in range(n):
            MembershipFactory(program=ours.program, role=Role.FELLOW)

    cohort = partial(page_ok, client, url("cohort_attendance", ours.program))
    assert_constant_queries(cohort, add_fellows, sizes=(0, 6))


def test_my_attendance_shows_rate_against_requirement(client, ours):
    sessions = _cohort_with_attendance(ours, fellows=0)
    for session in sessions[:2]:
        AttendanceFactory(session=session, fellow=fellow_of(ours))
    client.force_login(ours.fellow)
    page = client.get(url("my_attendance", ours.program)).content.decode()
    assert "2 of 5" in page and "40 %" in page and "Below 80 %" in page


# --- Objectives flows ---------------------------------------------------------------------------


def test_resource_upload_and_scoped_download(client, ours, theirs, objective, settings):
    client.force_login(ours.coordinator)
    path = url("resource_create", ours.program, objective_id=objective.pk)
    page = client.post(
        path, {"title": "Bad", "file": SimpleUploadedFile("x.exe", b"MZ")}
    ).content.decode()
    assert "Upload a PDF" in page
    response = client.post(path, {"title": "Slides", "file": SimpleUploadedFile("Slides.pdf", PDF)})
    assert response.status_code == 302
    resource = ObjectiveResource.objects.get()
    download = url("resource_file", ours.program, resource_id=resource.pk)
    client.force_login(ours.fellow)
    response = client.get(download)
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="Slides.pdf"' in response["Content-Disposition"]
    client.force_login(theirs.fellow)
    assert client.get(download).status_code == 404
    # The file is not under a public URL.
    assert client.get(settings.MEDIA_URL + resource.file.name).status_code == 404


def test_resource_upload_takes_what_the_form_promises(client, ours, objective, settings):
    """The form says 10 MB; the request-size guard lets a 9 MB file through to be saved."""
    assert objectives_services.MAX_RESOURCE_BYTES <= settings.MAX_UPLOAD_BYTES
    client.force_login(ours.coordinator)
    path = url("resource_create", ours.program, objective_id=objective.pk)
    assert "at most 10 MB" in client.get(path).content.decode()
    slides = PDF + b"0" * (9 * 1024 * 1024)
    response = client.post(path, {"title": "Slides", "file": SimpleUploadedFile("big.pdf", slides)})
    assert response.status_code == 302
    resource = ObjectiveResource.objects.get()
    assert resource.size == len(slides)
    assert (settings.MEDIA_ROOT / resource.file.name).stat().st_size == len(slides)


def test_resource_upload_over_10_mb_is_refused_with_the_real_limit(
    client, ours, objective, settings
):
    client.force_login(ours.coordinator)
    path = url("resource_create", ours.program, objective_id=objective.pk)
    # Over the request limit: refused before it is read, with the limit the form states.
    too_big = SimpleUploadedFile("huge.pdf", PDF + b"0" * (11 * 1024 * 1024))
    response = client.post(
        path, {"title": "Huge", "file": too_big}, headers={"Referer": f"http://testserver{path}"}
    )
    assert response.status_code == 303 and response["Location"] == f"http://testserver{path}"
    page = client.get(path).content.decode()
    assert "an upload may be at most 10.0 MB. Nothing was saved." in page
    # Just over 10 MB but inside the request's allowance for the form around the file: the
    # service says the same limit.
    just_over = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    page = client.post(path, {"title": "Big", "file": just_over}).content.decode()
    assert "The file is larger than 10 MB." in page
    assert not ObjectiveResource.objects.exists()
    assert not any(path.is_file() for path in settings.MEDIA_ROOT.rglob("*"))


def test_fellow_marks_met_faculty_confirms_and_the_pathway_shows_it(client, ours, objective):
    rotation = objective.rotation
    TeacherFactory(
        rotation=rotation, faculty=Membership.objects.get(user=ours.faculty, program=ours.program)
    )
    client.force_login(ours.fellow)
    client.post(url("objective_met", ours.program, objective_id=objective.pk), {"note": "3 done"})
    page = client.get(url("rotation_objectives", ours.program, rotation_id=rotation.pk))
    assert "waiting for faculty to confirm" in page.content.decode()
    client.force_login(ours.faculty)
    page = client.get(url("rotation_objectives", ours.program, rotation_id=rotation.pk))
    assert "Waiting for your confirmation" in page.content.decode()
    progress = ObjectiveProgress.objects.get()
    client.post(url("progress_confirm", ours.program, progress_id=progress.pk))
    client.force_login(ours.director)
    profile = reverse(
        "trainees:fellow_profile",
        kwargs={"program_id": ours.program.pk, "membership_id": fellow_of(ours).pk},
    )
    html = client.get(profile).content.decode()
    assert "Learning objectives" in html
    assert f">{rotation.name}</a></th>" in html
    assert '<td class="text-end">1</td>\n              <td class="text-end">1</td>' in html


def test_rotation_objectives_query_count_does_not_grow(client, ours):
    rotation = RotationFactory(program=ours.program)
    fellow = fellow_of(ours)
    client.force_login(ours.fellow)

    def add_objectives(n):  # each met, with a resource
        for _ in range(n):
            objective = ObjectiveFactory(rotation=rotation)
            ProgressFactory(objective=objective, fellow=fellow)
            objectives_services.resource_add(
                actor=None, objective=objective, title="L", url="https://example.org/x"
            )

    path = url("rotation_objectives", ours.program, rotation_id=rotation.pk)
    assert_constant_queries(partial(page_ok, client, path), add_objectives, sizes=(3, 6))
