import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from curriculum.models import Membership
from tests.accounts.factories import UserFactory
from tests.curriculum.factories import MembershipFactory
from tests.trainees.factories import AcademicYearFactory, CohortFactory, EnrolmentFactory
from trainees.models import AcademicYear, Cohort, Enrolment, MedicalEducation, Residency
from trainees.services.leave import leave_period_add
from trainees.services.pathway import (
    academic_year_create,
    cohort_create,
    enrolment_create,
    enrolment_set_status,
    pathway_update,
)

Status = Enrolment.Status
JULY_1 = datetime.date(2026, 7, 1)

EDUCATION = {"degree": "mbbs", "school": "King's College", "country": "UK", "graduation_year": 2017}
RESIDENCY = {
    "specialty": "pmr",
    "program_name": "Metro PM&R",
    "completion_year": 2025,
    "board_status": "certified",
}


def fellow_of(people) -> Membership:
    return people.fellow.memberships.get()


@pytest.fixture
def cohort(ours) -> Cohort:
    return CohortFactory(
        program=ours.program,
        academic_year=AcademicYearFactory(
            program=ours.program, start_date=JULY_1, end_date=datetime.date(2027, 6, 30)
        ),
    )


def test_academic_year_create_defaults_to_a_full_year(ours):
    year = academic_year_create(actor=ours.coordinator, program=ours.program, start_date=JULY_1)
    assert (year.start_date, year.end_date, year.label) == (
        JULY_1,
        datetime.date(2027, 6, 30),
        "2026-2027",
    )


def test_academic_year_create_rules(ours):
    with pytest.raises(ValidationError):
        academic_year_create(
            actor=ours.director, program=ours.program, start_date=JULY_1, end_date=JULY_1
        )
    academic_year_create(actor=ours.director, program=ours.program, start_date=JULY_1)
    with pytest.raises(ValidationError):  # same start twice
        academic_year_create(actor=ours.director, program=ours.program, start_date=JULY_1)
    assert AcademicYear.objects.count() == 1


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_only_staff_write_the_pathway(ours, cohort, role):
    actor = ours.user(role)
    with pytest.raises(PermissionDenied):
        academic_year_create(
            actor=actor, program=ours.program, start_date=datetime.date(2027, 7, 1)
        )
    with pytest.raises(PermissionDenied):
        cohort_create(
            actor=actor, program=ours.program, academic_year=cohort.academic_year, name="X"
        )
    with pytest.raises(PermissionDenied):
        enrolment_create(actor=actor, cohort=cohort, membership=fellow_of(ours), start_date=JULY_1)
    enrolment = EnrolmentFactory(cohort=cohort)
    with pytest.raises(PermissionDenied):
        enrolment_set_status(actor=actor, enrolment=enrolment, status=Status.WITHDRAWN)
    with pytest.raises(PermissionDenied):  # a fellow may not edit even their own pathway
        pathway_update(
            actor=actor,
            membership=fellow_of(ours),
            medical_education=EDUCATION,
            residency=RESIDENCY,
        )


def test_staff_of_another_program_are_refused(ours, theirs, cohort):
    with pytest.raises(PermissionDenied):
        cohort_create(
            actor=theirs.director,
            program=ours.program,
            academic_year=cohort.academic_year,
            name="X",
        )
    with pytest.raises(PermissionDenied):
        enrolment_create(
            actor=theirs.coordinator, cohort=cohort, membership=fellow_of(ours), start_date=JULY_1
        )


def test_cohort_create_strips_name_and_refuses_another_programs_year(ours, theirs, cohort):
    created = cohort_create(
        actor=ours.director,
        program=ours.program,
        academic_year=cohort.academic_year,
        name="  Class of 2028 ",
    )
    assert created.name == "Class of 2028"
    with pytest.raises(ValidationError, match="another program"):
        cohort_create(
            actor=ours.director,
            program=ours.program,
            academic_year=AcademicYearFactory(program=theirs.program),
            name="Stolen",
        )
    with pytest.raises(ValidationError):  # duplicate name in the same year
        cohort_create(
            actor=ours.director,
            program=ours.program,
            academic_year=cohort.academic_year,
            name=cohort.name,
        )


def test_enrolment_create_defaults_end_from_track(ours, cohort):
    enrolment = enrolment_create(
        actor=ours.coordinator, cohort=cohort, membership=fellow_of(ours), start_date=JULY_1
    )
    assert enrolment.end_date == datetime.date(2027, 6, 30)
    assert enrolment.status == Status.ACTIVE and enrolment.track_months == 12

    second = MembershipFactory(program=ours.program, role=Membership.Role.FELLOW)
    research = enrolment_create(
        actor=ours.coordinator,
        cohort=cohort,
        membership=second,
        start_date=datetime.date(2026, 8, 31),
        track_months=24,
    )
    assert research.end_date == datetime.date(2028, 8, 30)


def test_enrolment_create_refuses_a_fellow_of_another_program(ours, theirs, cohort):
    with pytest.raises(ValidationError, match="another program"):
        enrolment_create(
            actor=ours.director, cohort=cohort, membership=fellow_of(theirs), start_date=JULY_1
        )


@pytest.mark.parametrize("role", ["director", "coordinator", "faculty"])
def test_enrolment_create_refuses_a_non_fellow_membership(ours, cohort, role):
    membership = ours.user(role).memberships.get()
    with pytest.raises(ValidationError, match="Only a fellow"):
        enrolment_create(
            actor=ours.director, cohort=cohort, membership=membership, start_date=JULY_1
        )


def test_enrolment_create_refuses_a_deactivated_fellow(ours, cohort):
    membership = fellow_of(ours)
    membership.is_active = False
    membership.save()
    with pytest.raises(ValidationError, match="deactivated"):
        enrolment_create(
            actor=ours.director, cohort=cohort, membership=membership, start_date=JULY_1
        )


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (datetime.date(2026, 6, 30), None, "start_date"),  # before the academic year
        (datetime.date(2027, 7, 1), None, "start_date"),  # after it
        (JULY_1, JULY_1, "end_date"),
        (JULY_1, datetime.date(2026, 1, 1), "end_date"),
    ],
)
def test_enrolment_create_date_rules(ours, cohort, start, end, field):
    with pytest.raises(ValidationError) as excinfo:
        enrolment_create(
            actor=ours.director,
            cohort=cohort,
            membership=fellow_of(ours),
            start_date=start,
            end_date=end,
        )
    assert field in excinfo.value.message_dict
    assert not Enrolment.objects.exists()


def test_enrolment_create_once_per_cohort(ours, cohort):
    enrolment_create(
        actor=ours.director, cohort=cohort, membership=fellow_of(ours), start_date=JULY_1
    )
    with pytest.raises(ValidationError):
        enrolment_create(
            actor=ours.director, cohort=cohort, membership=fellow_of(ours), start_date=JULY_1
        )
    assert Enrolment.objects.count() == 1


def test_leave_of_absence_status_keeps_the_leave_the_periods_recorded(ours, cohort):
    enrolment = EnrolmentFactory(cohort=cohort, end_date=datetime.date(2027, 6, 30))
    leave_period_add(
        actor=ours.director,
        enrolment=enrolment,
        kind="medical",
        start=datetime.date(2026, 9, 1),
        end=datetime.date(2026, 9, 30),
    )
    enrolment = enrolment_set_status(actor=ours.director, enrolment=enrolment, status=Status.LEAVE)
    assert enrolment.status == Status.LEAVE
    assert enrolment.expected_end_date == datetime.date(2027, 7, 30)
    enrolment = enrolment_set_status(actor=ours.director, enrolment=enrolment, status=Status.ACTIVE)
    enrolment.refresh_from_db()
    assert enrolment.status == Status.ACTIVE and enrolment.leave_days == 30
    assert enrolment.end_date == datetime.date(2027, 6, 30)  # the plan stays; the leave moves it


def test_set_status_refuses_bad_input(ours, cohort):
    enrolment = EnrolmentFactory(cohort=cohort)
    with pytest.raises(ValidationError):
        enrolment_set_status(actor=ours.director, enrolment=enrolment, status="graduated")
    enrolment.refresh_from_db()
    assert enrolment.status == Status.ACTIVE and enrolment.leave_days == 0


@pytest.mark.parametrize("final", [Status.COMPLETED, Status.WITHDRAWN])
def test_completed_and_withdrawn_are_final(ours, cohort, final):
    enrolment = EnrolmentFactory(cohort=cohort)
    enrolment = enrolment_set_status(actor=ours.coordinator, enrolment=enrolment, status=final)
    assert enrolment.status == final
    with pytest.raises(ValidationError, match="already"):
        enrolment_set_status(actor=ours.coordinator, enrolment=enrolment, status=Status.ACTIVE)


def test_pathway_update_creates_then_updates(ours):
    membership = fellow_of(ours)
    education, residency = pathway_update(
        actor=ours.coordinator,
        membership=membership,
        medical_education=EDUCATION,
        residency=RESIDENCY,
    )
    assert education.degree == "mbbs" and residency.specialty == "pmr"
    pathway_update(
        actor=ours.director,
        membership=membership,
        medical_education={**EDUCATION, "school": "Imperial"},
        residency={**RESIDENCY, "board_status": "eligible"},
    )
    assert MedicalEducation.objects.get().school == "Imperial"
    assert Residency.objects.get().board_status == "eligible"


@pytest.mark.parametrize(
    "bad_residency",
    [
        {**RESIDENCY, "specialty": "dermatology"},
        {**RESIDENCY, "completion_year": 1800},
        {**RESIDENCY, "board_status": "maybe"},
    ],
)
def test_pathway_update_is_all_or_nothing(ours, bad_residency):
    membership = fellow_of(ours)
    pathway_update(
        actor=ours.director, membership=membership, medical_education=EDUCATION, residency=RESIDENCY
    )
    with pytest.raises(ValidationError):
        pathway_update(
            actor=ours.director,
            membership=membership,
            medical_education={**EDUCATION, "school": "Changed"},
            residency=bad_residency,
        )
    assert MedicalEducation.objects.get().school == "King's College"
    assert Residency.objects.get().specialty == "pmr"


def test_pathway_update_on_a_new_fellow_saves_nothing_when_residency_is_bad(ours):
    with pytest.raises(ValidationError):
        pathway_update(
            actor=ours.director,
            membership=fellow_of(ours),
            medical_education=EDUCATION,
            residency={**RESIDENCY, "specialty": "dermatology"},
        )
    assert not MedicalEducation.objects.exists() and not Residency.objects.exists()


def test_pathway_update_refuses_non_fellows_and_bad_education(ours):
    with pytest.raises(ValidationError, match="Only a fellow"):
        pathway_update(
            actor=ours.director,
            membership=ours.faculty.memberships.get(),
            medical_education=EDUCATION,
            residency=RESIDENCY,
        )
    with pytest.raises(ValidationError):
        pathway_update(
            actor=ours.director,
            membership=fellow_of(ours),
            medical_education={**EDUCATION, "graduation_year": 1900},
            residency=RESIDENCY,
        )
    assert not MedicalEducation.objects.exists()


def test_the_system_and_the_gme_office_may_write(ours):
    academic_year_create(actor=None, program=ours.program, start_date=JULY_1)
    gme = UserFactory(is_superuser=True)
    academic_year_create(actor=gme, program=ours.program, start_date=datetime.date(2027, 7, 1))
    assert AcademicYear.objects.count() == 2
