import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.trainees.factories import (
    AcademicYearFactory,
    CohortFactory,
    EnrolmentFactory,
    MedicalEducationFactory,
    ResidencyFactory,
)
from trainees.models import AcademicYear, Enrolment

pytestmark = pytest.mark.django_db


def test_academic_year_label_and_default_end():
    year = AcademicYearFactory(start_date=datetime.date(2026, 7, 1))
    assert str(year) == year.label == "2026-2027"
    assert AcademicYear.default_end_date(datetime.date(2026, 7, 1)) == datetime.date(2027, 6, 30)
    assert AcademicYear.default_end_date(datetime.date(2028, 2, 29)) == datetime.date(2029, 2, 27)


def test_academic_year_end_must_follow_start():
    year = AcademicYearFactory.build(
        start_date=datetime.date(2026, 7, 1), end_date=datetime.date(2026, 7, 1)
    )
    year.program.save()
    year.program_id = year.program.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        year.save()


def test_academic_year_unique_per_program_and_start():
    year = AcademicYearFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AcademicYearFactory(program=year.program, start_date=year.start_date)
    AcademicYearFactory(start_date=year.start_date)  # another program may share it


def test_cohort_str_url_and_unique_name():
    cohort = CohortFactory(name="Class of 2027")
    assert str(cohort) == f"Class of 2027 ({cohort.academic_year.label})"
    assert cohort.get_absolute_url() == (f"/programs/{cohort.program_id}/cohorts/{cohort.pk}/")
    with pytest.raises(IntegrityError), transaction.atomic():
        CohortFactory(program=cohort.program, academic_year=cohort.academic_year, name=cohort.name)


def test_cohort_year_must_be_the_programs_own():
    cohort = CohortFactory.build(academic_year=AcademicYearFactory())
    cohort.program.save()
    cohort.program_id = cohort.program.pk
    with pytest.raises(ValidationError, match="another program"):
        cohort.full_clean()


def test_enrolment_expected_end_date_moves_with_leave():
    enrolment = EnrolmentFactory(
        start_date=datetime.date(2026, 7, 1), end_date=datetime.date(2027, 6, 30)
    )
    assert enrolment.expected_end_date == datetime.date(2027, 6, 30)
    enrolment.leave_extension_days = 14
    assert enrolment.expected_end_date == datetime.date(2027, 7, 14)
    assert str(enrolment) == f"{enrolment.membership.user} in {enrolment.cohort}"
    assert enrolment.get_absolute_url() == (
        f"/programs/{enrolment.cohort.program_id}/fellows/{enrolment.membership_id}/"
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"leave_days": -1},
        {"undated_leave_days": -1},
        {"track_months": 18},
        {"status": "graduated"},
        {"end_date": datetime.date(2026, 6, 1)},
    ],
)
def test_enrolment_constraints(fields):
    enrolment = EnrolmentFactory(start_date=datetime.date(2026, 7, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.filter(pk=enrolment.pk).update(**fields)


def test_one_enrolment_per_fellow_and_cohort():
    enrolment = EnrolmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        EnrolmentFactory(cohort=enrolment.cohort, membership=enrolment.membership)


def test_enrolment_clean_refuses_non_fellow_and_other_program(ours, theirs):
    cohort = CohortFactory(program=ours.program)
    faculty = ours.faculty.memberships.get()
    with pytest.raises(ValidationError, match="Only a fellow"):
        EnrolmentFactory.build(cohort=cohort, membership=faculty).full_clean()
    outsider = theirs.fellow.memberships.get()
    with pytest.raises(ValidationError, match="another program"):
        EnrolmentFactory.build(cohort=cohort, membership=outsider).full_clean()


def test_medical_education_and_residency_str_and_year_range():
    education = MedicalEducationFactory(school="Queen's", graduation_year=2018)
    assert str(education) == "MD, Queen's (2018)"
    residency = ResidencyFactory(program_name="City Neurology", completion_year=2024)
    assert str(residency) == "Anesthesiology, City Neurology (2024)"
    with pytest.raises(IntegrityError), transaction.atomic():
        type(education).objects.filter(pk=education.pk).update(graduation_year=1900)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(residency).objects.filter(pk=residency.pk).update(completion_year=2500)
