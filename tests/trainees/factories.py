import datetime

import factory

from curriculum.models import Membership
from tests.curriculum.factories import MembershipFactory, ProgramFactory, RotationFactory
from trainees.models import (
    AcademicYear,
    Cohort,
    Enrolment,
    MedicalEducation,
    Residency,
    ScheduleBlock,
)


class AcademicYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AcademicYear

    program = factory.SubFactory(ProgramFactory)
    start_date = factory.Sequence(lambda n: datetime.date(2026 + n, 7, 1))
    end_date = factory.LazyAttribute(lambda o: datetime.date(o.start_date.year + 1, 6, 30))


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    program = factory.SubFactory(ProgramFactory)
    academic_year = factory.SubFactory(
        AcademicYearFactory, program=factory.SelfAttribute("..program")
    )
    name = factory.LazyAttribute(lambda o: f"Class of {o.academic_year.end_date.year}")


class FellowMembershipFactory(MembershipFactory):
    role = Membership.Role.FELLOW


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    cohort = factory.SubFactory(CohortFactory)
    membership = factory.SubFactory(
        FellowMembershipFactory, program=factory.SelfAttribute("..cohort.program")
    )
    start_date = factory.LazyAttribute(lambda o: o.cohort.academic_year.start_date)
    end_date = factory.LazyAttribute(lambda o: o.cohort.academic_year.end_date)


class MedicalEducationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MedicalEducation

    membership = factory.SubFactory(FellowMembershipFactory)
    degree = MedicalEducation.Degree.MD
    school = "State University School of Medicine"
    country = "United States"
    graduation_year = 2019


class ResidencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Residency

    membership = factory.SubFactory(FellowMembershipFactory)
    specialty = Residency.Specialty.ANESTHESIOLOGY
    program_name = "University Hospital Anesthesiology"
    completion_year = 2025
    board_status = Residency.BoardStatus.ELIGIBLE


class ScheduleBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduleBlock

    enrolment = factory.SubFactory(EnrolmentFactory)
    rotation = factory.SubFactory(
        RotationFactory, program=factory.SelfAttribute("..enrolment.cohort.program")
    )
    start_date = factory.LazyAttribute(lambda o: o.enrolment.start_date)
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=27))
