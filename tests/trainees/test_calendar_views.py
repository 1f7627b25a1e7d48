"""The program calendar pages: access matrix, htmx editing, generation, export, query counts."""

import csv
import datetime
import io
from functools import partial

import pytest

from curriculum.models import Membership
from tests.conftest import assert_constant_queries, page_ok
from tests.curriculum.factories import MembershipFactory
from tests.role_pages import assert_role_page_access
from tests.trainees.factories import (
    AcademicYearFactory,
    CohortFactory,
    EnrolmentFactory,
    RotationFactory,
    ScheduleBlockFactory,
)
from trainees.models import Deadline
from trainees.services import calendar as services

D = datetime.date
VIEWERS = {"director", "coordinator", "faculty"}
HTMX = {"HX-Request": "true"}


@pytest.fixture
def year(ours):
    return AcademicYearFactory(
        program=ours.program, start_date=D(2026, 7, 1), end_date=D(2027, 6, 30)
    )


@pytest.fixture
def enrolment(ours, year):
    cohort = CohortFactory(program=ours.program, academic_year=year, name="Class of 2027")
    return EnrolmentFactory(cohort=cohort, membership=ours.fellow.memberships.get())


@pytest.fixture
def block(ours, enrolment):
    rotation = RotationFactory(program=ours.program, name="Acute pain service")
    return ScheduleBlockFactory(
        enrolment=enrolment, rotation=rotation, start_date=D(2026, 7, 1), end_date=D(2026, 7, 28)
    )


@pytest.fixture
def generated(year, block):
    services.calendar_generate(actor=None, academic_year=year)
    return Deadline.objects.get(kind=Deadline.Kind.ROTATION_EVALUATION)


def calendar_url(people, suffix=""):
    return f"/programs/{people.program.pk}/calendar/{suffix}"


def edit_url(people, deadline):
    return calendar_url(people, f"{deadline.pk}/edit/")


def test_calendar_access_matrix(client, ours, theirs, generated):
    assert_role_page_access(client, ours, theirs, calendar_url(ours), allowed=VIEWERS)


def test_export_access_matrix(client, ours, theirs, generated):
    assert_role_page_access(client, ours, theirs, calendar_url(ours, "export.csv"), allowed=VIEWERS)


def test_edit_page_access_matrix(client, ours, theirs, generated):
    path = edit_url(ours, generated)
    assert_role_page_access(client, ours, theirs, path, allowed={"director", "coordinator"})


def test_another_programs_deadline_is_404_under_our_program(client, ours, theirs):
    their_year = AcademicYearFactory(program=theirs.program)
    services.calendar_generate(actor=None, academic_year=their_year)
    theirs_deadline = Deadline.objects.filter(program=theirs.program).first()
    client.force_login(ours.director)
    assert client.get(edit_url(ours, theirs_deadline)).status_code == 404


def test_calendar_groups_by_month_and_marks_edited_deadlines(client, ours, year, generated):
    services.deadline_update(
        actor=ours.director, deadline=generated, title="APS evaluation", due_date=D(2026, 8, 20)
    )
    client.force_login(ours.faculty)
    page = client.get(calendar_url(ours)).content.decode()
    assert "August 2026" in page and "December 2026" in page and "May 2027" in page
    assert "APS evaluation" in page and ">edited</span>" in page
    assert "Mid-year CCC milestone review" in page and ours.fellow.display_name in page
    assert "Generate / refresh" not in page and "Add deadline" not in page and "Edit" not in page


def test_staff_see_the_generate_button_and_the_add_form(client, ours, generated):
    client.force_login(ours.coordinator)
    page = client.get(calendar_url(ours)).content.decode()
    assert "Generate / refresh from the schedule" in page and "Add deadline" in page
    assert f'hx-get="{edit_url(ours, generated)}"' in page


def test_calendar_filters_by_kind(client, ours, year, generated):
    client.force_login(ours.director)
    page = client.get(calendar_url(ours), {"academic_year": year.pk, "kind": "ccc_review"})
    body = page.content.decode()
    assert "Mid-year CCC milestone review" in body and "Acute pain service" not in body


def test_calendar_defaults_to_the_year_containing_today(client, ours):
    today = datetime.date.today()
    current = AcademicYearFactory(
        program=ours.program,
        start_date=today - datetime.timedelta(days=100),
        end_date=today + datetime.timedelta(days=200),
    )
    later = AcademicYearFactory(
        program=ours.program,
        start_date=today + datetime.timedelta(days=201),
        end_date=today + datetime.timedelta(days=500),
    )
    for each in (current, later):
        services.deadline_create(
            actor=None,
            program=ours.program,
            academic_year=each,
            kind="other",
            title=f"Retreat {each.label}",
            due_date=each.start_date,
        )
    client.force_login(ours.director)
    body = client.get(calendar_url(ours)).content.decode()
    assert f"Retreat {current.label}" in body and f"Retreat {later.label}" not in body


def test_htmx_edit_returns_the_form_partial_only(client, ours, generated):
    client.force_login(ours.director)
    response = client.get(edit_url(ours, generated), headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<li class="list-group-item" id="deadline-{generated.pk}">')
    assert "<html" not in body and f'hx-post="{edit_url(ours, generated)}"' in body
    assert f'for="id_deadline-{generated.pk}-due_date"' in body  # the input is labelled


def test_htmx_save_returns_the_row_partial(client, ours, generated):
    client.force_login(ours.director)
    prefix = f"deadline-{generated.pk}"
    response = client.post(
        edit_url(ours, generated),
        {f"{prefix}-title": "APS evaluation", f"{prefix}-due_date": "2026-08-20"},
        headers=HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith("<li") and "APS evaluation" in body and "edited" in body
    generated.refresh_from_db()
    assert generated.due_date == D(2026, 8, 20) and generated.is_edited


@pytest.mark.parametrize("headers", [HTMX, {}])
def test_a_bad_date_shows_an_error_and_saves_nothing(client, ours, generated, headers):
    client.force_login(ours.director)
    prefix = f"deadline-{generated.pk}"
    response = client.post(
        edit_url(ours, generated),
        {f"{prefix}-title": "APS evaluation", f"{prefix}-due_date": "2026-02-31"},
        headers=headers,
    )
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    before = generated.due_date
    generated.refresh_from_db()
    assert (generated.due_date, generated.title, generated.is_edited) == (
        before,
        generated.title,
        False,
    )
    assert generated.title != "APS evaluation"


def test_edit_works_without_javascript(client, ours, year, generated):
    client.force_login(ours.coordinator)
    page = client.get(edit_url(ours, generated))
    assert page.status_code == 200 and "<html" in page.content.decode()
    prefix = f"deadline-{generated.pk}"
    response = client.post(
        edit_url(ours, generated),
        {f"{prefix}-title": "APS evaluation", f"{prefix}-due_date": "2026-08-20"},
    )
    assert response.status_code == 302
    assert response["Location"] == calendar_url(ours) + f"?academic_year={year.pk}"


def test_generate_by_staff_shows_the_counts(client, ours, year, block):
    client.force_login(ours.director)
    response = client.post(calendar_url(ours, "generate/"), {"academic_year": year.pk}, follow=True)
    assert "4 created, 0 updated, 0 deleted" in response.content.decode()
    assert Deadline.objects.count() == 4
    response = client.post(calendar_url(ours, "generate/"), {"academic_year": year.pk}, follow=True)
    assert "0 created, 0 updated, 0 deleted" in response.content.decode()
    assert Deadline.objects.count() == 4


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_generate_by_faculty_or_fellow_is_refused_and_creates_nothing(
    client, ours, year, block, role
):
    client.force_login(ours.user(role))
    response = client.post(calendar_url(ours, "generate/"), {"academic_year": year.pk})
    assert response.status_code in (403, 404)
    assert not Deadline.objects.exists()


def test_generate_another_programs_year_is_404(client, ours, theirs):
    their_year = AcademicYearFactory(program=theirs.program)
    client.force_login(ours.director)
    response = client.post(calendar_url(ours, "generate/"), {"academic_year": their_year.pk})
    assert response.status_code == 404
    response = client.post(calendar_url(ours, "generate/"), {"academic_year": "x"})
    assert response.status_code == 404
    assert not Deadline.objects.exists()


def test_generate_needs_a_post(client, ours, year):
    client.force_login(ours.director)
    assert client.get(calendar_url(ours, "generate/")).status_code == 405


def test_add_and_delete_a_manual_deadline(client, ours, year):
    client.force_login(ours.director)
    response = client.post(
        calendar_url(ours, "new/"),
        {
            "new-academic_year": year.pk,
            "new-kind": "other",
            "new-title": "Faculty retreat",
            "new-due_date": "2027-01-15",
        },
    )
    assert response.status_code == 302
    manual = Deadline.objects.get(title="Faculty retreat")
    assert manual.key == "" and manual.academic_year == year
    response = client.post(calendar_url(ours, f"{manual.pk}/delete/"))
    assert response.status_code == 302 and not Deadline.objects.exists()


def test_add_by_faculty_is_404(client, ours, year):
    client.force_login(ours.faculty)
    response = client.post(
        calendar_url(ours, "new/"),
        {
            "new-academic_year": year.pk,
            "new-kind": "other",
            "new-title": "x",
            "new-due_date": "2027-01-15",
        },
    )
    assert response.status_code == 404 and not Deadline.objects.exists()


def test_deleting_a_generated_deadline_is_refused_with_a_message(client, ours, generated):
    client.force_login(ours.director)
    response = client.post(calendar_url(ours, f"{generated.pk}/delete/"), follow=True)
    assert "generated from the academic year" in response.content.decode()
    assert Deadline.objects.filter(pk=generated.pk).exists()


def test_export_csv(client, ours, year, generated, enrolment):
    services.deadline_update(
        actor=ours.director, deadline=generated, title="=APS evaluation", due_date=D(2026, 8, 20)
    )
    client.force_login(ours.faculty)
    response = client.get(calendar_url(ours, "export.csv"), {"academic_year": year.pk})
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="calendar-{year.label}.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["kind", "title", "due_date", "fellow", "cohort", "edited"]
    assert rows[1:] == [
        [
            "rotation_evaluation",
            "'=APS evaluation",
            "2026-08-20",
            ours.fellow.display_name,
            "Class of 2027",
            "yes",
        ],
        ["ccc_review", "Mid-year CCC milestone review", "2026-12-15", "", "", "no"],
        ["ccc_review", "Year-end CCC milestone review", "2027-05-31", "", "", "no"],
        [
            "final_summative",
            f"Final summative evaluation - {ours.fellow.display_name}",
            "2027-05-31",
            ours.fellow.display_name,
            "Class of 2027",
            "no",
        ],
    ]


def test_export_filters_by_kind(client, ours, year, generated):
    client.force_login(ours.director)
    response = client.get(
        calendar_url(ours, "export.csv"), {"academic_year": year.pk, "kind": "final_summative"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[0] for row in rows[1:]] == ["final_summative"]


def test_calendar_query_count_does_not_grow_with_deadlines(client, ours, year):
    cohort = CohortFactory(program=ours.program, academic_year=year)
    client.force_login(ours.director)

    def add_deadlines(fellows):
        # Each fellow brings an evaluation and a final summative; the year 2 CCC reviews.
        for _ in range(fellows):
            ScheduleBlockFactory(enrolment=EnrolmentFactory(cohort=cohort))
        services.calendar_generate(actor=None, academic_year=year)
        services.deadline_create(
            actor=None,
            program=ours.program,
            academic_year=year,
            kind="other",
            title="Retreat",
            due_date=D(2027, 1, 1),
        )
        assert Deadline.objects.count() == {1: 5, 22: 50}[fellows]  # 5 deadlines, then 50

    calendar = partial(page_ok, client, calendar_url(ours), {"academic_year": year.pk})
    assert_constant_queries(calendar, add_deadlines, sizes=(1, 23))


def test_fellow_sees_own_upcoming_deadlines_on_my_pathway(client, ours, enrolment):
    today = datetime.date.today()
    classmate = EnrolmentFactory(
        cohort=enrolment.cohort,
        membership=MembershipFactory(program=ours.program, role=Membership.Role.FELLOW),
    )
    year = enrolment.cohort.academic_year
    for title, who, due in [
        ("My upcoming evaluation", enrolment, today + datetime.timedelta(days=5)),
        ("My past evaluation", enrolment, today - datetime.timedelta(days=5)),
        ("Classmate evaluation", classmate, today + datetime.timedelta(days=5)),
    ]:
        Deadline.objects.create(
            program=ours.program,
            academic_year=year,
            kind="rotation_evaluation",
            title=title,
            due_date=due,
            enrolment=who,
        )
    Deadline.objects.create(
        program=ours.program,
        academic_year=year,
        kind="ccc_review",
        title="Program CCC review",
        due_date=today + datetime.timedelta(days=10),
    )
    client.force_login(ours.fellow)
    page = client.get(f"/programs/{ours.program.pk}/my-pathway/").content.decode()
    assert "My upcoming evaluation" in page and "Program CCC review" in page
    assert "My past evaluation" not in page and "Classmate evaluation" not in page
