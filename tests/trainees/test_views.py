import datetime

import pytest

from curriculum.models import Membership
from tests.conftest import assert_constant_queries, page_ok
from tests.curriculum.factories import MembershipFactory, ProgramFactory
from tests.role_pages import assert_role_page_access
from tests.trainees.factories import (
    AcademicYearFactory,
    CohortFactory,
    EnrolmentFactory,
    MedicalEducationFactory,
    ResidencyFactory,
)
from trainees.models import AcademicYear, Cohort, Enrolment


def test_a_fellow_typing_the_directors_url_gets_404(client, ours):
    client.force_login(ours.fellow)
    response = client.get(ours.program.get_absolute_url())
    assert response.status_code == 404
    assert ours.director.email not in response.content.decode()


# --- Training pathway: cohorts, fellow profiles, my pathway ---------------------------------


COHORT_VIEWERS = {"director", "coordinator", "faculty"}
STAFF = {"director", "coordinator"}


@pytest.fixture
def cohort(ours) -> Cohort:
    cohort = CohortFactory(program=ours.program, name="Class of 2027")
    EnrolmentFactory(cohort=cohort, membership=ours.fellow.memberships.get())
    return cohort


def fellow_of(people) -> Membership:
    return people.fellow.memberships.get()


def test_cohort_list_access_matrix(client, ours, theirs, cohort):
    path = f"/programs/{ours.program.pk}/cohorts/"
    assert_role_page_access(client, ours, theirs, path, allowed=COHORT_VIEWERS)


def test_cohort_list_shows_cohorts_with_counts(client, ours, cohort):
    client.force_login(ours.faculty)
    page = client.get(f"/programs/{ours.program.pk}/cohorts/").content.decode()
    assert "Class of 2027" in page and cohort.academic_year.label in page
    assert "New cohort" not in page  # faculty read, staff write


def test_cohort_list_is_honestly_empty(client, ours):
    client.force_login(ours.director)
    page = client.get(f"/programs/{ours.program.pk}/cohorts/").content.decode()
    assert "No cohorts yet" in page and "New cohort" in page


def test_cohort_detail_access_matrix(client, ours, theirs, cohort):
    path = f"/programs/{ours.program.pk}/cohorts/{cohort.pk}/"
    assert_role_page_access(client, ours, theirs, path, allowed=COHORT_VIEWERS)


def test_another_programs_cohort_is_404_even_under_our_program(client, ours, theirs):
    their_cohort = CohortFactory(program=theirs.program)
    client.force_login(ours.director)
    assert client.get(f"/programs/{ours.program.pk}/cohorts/{their_cohort.pk}/").status_code == 404
    client.force_login(theirs.coordinator)
    assert client.get(f"/programs/{ours.program.pk}/cohorts/").status_code == 404


def test_cohort_detail_shows_fellows_status_and_expected_end(client, ours, cohort):
    enrolment = Enrolment.objects.get()
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status="leave", leave_days=30, leave_extension_days=30
    )
    client.force_login(ours.coordinator)
    page = client.get(cohort.get_absolute_url()).content.decode()
    expected_end = enrolment.end_date + datetime.timedelta(days=30)
    assert ours.fellow.full_name in page and "Leave of absence" in page
    assert (
        expected_end.strftime("%b") in page and f"{expected_end.day}, {expected_end.year}" in page
    )


def test_cohort_detail_htmx_request_gets_the_table_partial_only(client, ours, cohort):
    for _ in range(55):
        EnrolmentFactory(cohort=cohort)
    client.force_login(ours.director)
    response = client.get(f"{cohort.get_absolute_url()}?page=2", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="fellows">')
    assert "<html" not in body and "Page 2 of 2" in body


def test_fellow_profile_access_matrix(client, ours, theirs, cohort):
    path = f"/programs/{ours.program.pk}/fellows/{fellow_of(ours).pk}/"
    assert_role_page_access(client, ours, theirs, path, allowed=COHORT_VIEWERS | {"fellow"})


def test_another_fellow_of_the_same_program_gets_404(client, ours, cohort):
    classmate = MembershipFactory(program=ours.program, role=Membership.Role.FELLOW)
    client.force_login(classmate.user)
    path = f"/programs/{ours.program.pk}/fellows/{fellow_of(ours).pk}/"
    assert client.get(path).status_code == 404
    own = f"/programs/{ours.program.pk}/fellows/{classmate.pk}/"
    assert client.get(own).status_code == 200


def test_fellow_profile_of_a_non_fellow_is_404(client, ours):
    client.force_login(ours.director)
    faculty = ours.faculty.memberships.get()
    assert client.get(f"/programs/{ours.program.pk}/fellows/{faculty.pk}/").status_code == 404


def test_fellow_profile_shows_the_pathway(client, ours, cohort):
    MedicalEducationFactory(membership=fellow_of(ours), school="Sample Medical School")
    ResidencyFactory(membership=fellow_of(ours), specialty="child_neurology")
    client.force_login(ours.faculty)
    page = client.get(f"/programs/{ours.program.pk}/fellows/{fellow_of(ours).pk}/").content.decode()
    assert "Sample Medical School" in page and "Child neurology" in page and "Class of 2027" in page


def test_my_pathway_access_matrix(client, ours, theirs):
    path = f"/programs/{ours.program.pk}/my-pathway/"
    assert_role_page_access(client, ours, theirs, path, allowed={"fellow"})


def test_my_pathway_is_honestly_empty(client, ours):
    client.force_login(ours.fellow)
    page = client.get(f"/programs/{ours.program.pk}/my-pathway/").content.decode()
    assert "Nothing recorded yet" in page


def test_my_pathway_shows_only_my_record(client, ours, cohort):
    MedicalEducationFactory(membership=fellow_of(ours), school="My School")
    other = EnrolmentFactory(cohort=cohort)
    MedicalEducationFactory(membership=other.membership, school="Their School")
    client.force_login(ours.fellow)
    page = client.get(f"/programs/{ours.program.pk}/my-pathway/").content.decode()
    assert "My School" in page and "Class of 2027" in page and "Their School" not in page
    assert "No residency recorded for you yet" in page


@pytest.mark.parametrize(
    "path",
    ["cohorts/academic-years/new/", "cohorts/new/", "cohorts/{cohort}/enrolments/new/"],
)
def test_create_forms_are_for_staff_only(client, ours, theirs, cohort, path):
    path = f"/programs/{ours.program.pk}/" + path.format(cohort=cohort.pk)
    assert_role_page_access(client, ours, theirs, path, allowed=STAFF)


def test_academic_year_form_creates_and_shows_errors(client, ours):
    client.force_login(ours.coordinator)
    path = f"/programs/{ours.program.pk}/cohorts/academic-years/new/"
    response = client.post(path, {"start_date": "2026-07-01", "end_date": "2026-06-01"})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not AcademicYear.objects.exists()
    response = client.post(path, {"start_date": "2026-07-01"})
    assert response.status_code == 302
    assert AcademicYear.objects.get().label == "2026-2027"
    response = client.post(path, {"start_date": "2026-07-01"})  # duplicate: service refuses
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert AcademicYear.objects.count() == 1


def test_cohort_form_offers_only_our_years_and_shows_errors(client, ours, theirs):
    ours_year = AcademicYearFactory(program=ours.program)
    their_year = AcademicYearFactory(program=theirs.program)
    client.force_login(ours.director)
    path = f"/programs/{ours.program.pk}/cohorts/new/"
    response = client.post(path, {"academic_year": their_year.pk, "name": "Stolen"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = client.post(path, {"academic_year": ours_year.pk, "name": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not Cohort.objects.exists()
    response = client.post(path, {"academic_year": ours_year.pk, "name": "Class of 2027"})
    cohort = Cohort.objects.get()
    assert response.status_code == 302 and response["Location"] == cohort.get_absolute_url()


def test_enrolment_form_puts_service_errors_on_the_form(client, ours, theirs):
    cohort = CohortFactory(
        program=ours.program,
        academic_year=AcademicYearFactory(
            program=ours.program,
            start_date=datetime.date(2026, 7, 1),
            end_date=datetime.date(2027, 6, 30),
        ),
    )
    client.force_login(ours.coordinator)
    path = f"/programs/{ours.program.pk}/cohorts/{cohort.pk}/enrolments/new/"
    good = {"membership": fellow_of(ours).pk, "start_date": "2026-07-01", "track_months": "12"}

    response = client.post(path, {**good, "start_date": "2025-07-01"})  # outside the year
    assert response.status_code == 200 and "inside the academic year" in response.content.decode()
    response = client.post(path, {**good, "membership": fellow_of(theirs).pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = client.post(path, {**good, "membership": ours.faculty.memberships.get().pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Enrolment.objects.exists()

    response = client.post(path, good)
    assert response.status_code == 302
    assert Enrolment.objects.get().end_date == datetime.date(2027, 6, 30)


@pytest.mark.django_db
def test_cohort_detail_query_count_does_not_grow_with_the_cohort(client):
    world = {}

    def cohort_of(fellows):
        program = ProgramFactory()
        director = MembershipFactory(program=program, role=Membership.Role.DIRECTOR).user
        world.update(cohort=CohortFactory(program=program), fellows=fellows)
        for _ in range(fellows):
            EnrolmentFactory(cohort=world["cohort"])
        client.force_login(director)

    def cohort_page():
        response = page_ok(client, world["cohort"].get_absolute_url())
        assert response.content.decode().count("<tr>") == world["fellows"] + 1

    # The navigation's roles and unread-notification count are one query of them.
    assert_constant_queries(cohort_page, cohort_of, sizes=(2, 30), exactly=11, fresh=True)


def test_schedule_shows_on_pathway_profile_and_cohort_pages(client, ours, enrolment):
    from datetime import date, timedelta

    from django.utils import timezone

    from tests.curriculum.factories import RotationFactory
    from trainees.models import ScheduleBlock

    today = timezone.localdate()
    rotation = RotationFactory(program=ours.program, name="Acute pain service")
    ScheduleBlock.objects.create(
        enrolment=enrolment,
        rotation=rotation,
        start_date=today - timedelta(days=3),
        end_date=today + timedelta(days=3),
    )
    ScheduleBlock.objects.create(
        enrolment=enrolment,
        rotation=RotationFactory(program=ours.program, name="Neurology"),
        start_date=date(2026, 7, 1),
        end_date=date(2026, 7, 28),
    )
    program = ours.program.pk

    client.force_login(enrolment.membership.user)
    mine = client.get(f"/programs/{program}/my-pathway/").content.decode()
    assert "Acute pain service" in mine and "Neurology" in mine and ">Now<" in mine

    client.force_login(ours.faculty)
    profile = client.get(f"/programs/{program}/fellows/{enrolment.membership_id}/").content.decode()
    assert "Acute pain service" in profile
    cohort = client.get(f"/programs/{program}/cohorts/{enrolment.cohort_id}/").content.decode()
    assert "Rotation today" in cohort and "Acute pain service" in cohort


def test_pathway_without_blocks_says_so(client, ours, enrolment):
    client.force_login(enrolment.membership.user)
    page = client.get(f"/programs/{ours.program.pk}/my-pathway/").content.decode()
    assert "No rotations scheduled for you yet" in page
