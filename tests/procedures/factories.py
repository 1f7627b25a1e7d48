import datetime

import factory

from curriculum.models import Membership
from procedures.models import (
    Guidance,
    ProcedureCategory,
    ProcedureLogEntry,
    ProcedureTarget,
    ProcedureType,
)
from tests.curriculum.factories import MembershipFactory, ProgramFactory


class ProcedureCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcedureCategory

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class ProcedureTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcedureType

    program = factory.SubFactory(ProgramFactory)
    category = factory.SubFactory(
        ProcedureCategoryFactory, program=factory.SelfAttribute("..program")
    )
    name = factory.Sequence(lambda n: f"Procedure {n}")
    allowed_guidance = factory.LazyFunction(lambda: [Guidance.FLUOROSCOPY, Guidance.ULTRASOUND])


class ProcedureTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcedureTarget

    program = factory.SubFactory(ProgramFactory)
    procedure_type = factory.SubFactory(
        ProcedureTypeFactory, program=factory.SelfAttribute("..program")
    )
    minimum = 10


class ProcedureLogEntryFactory(factory.django.DjangoModelFactory):
    """An entry written straight to the table (services are tested on their own)."""

    class Meta:
        model = ProcedureLogEntry

    program = factory.SubFactory(ProgramFactory)
    fellow = factory.SubFactory(
        MembershipFactory, program=factory.SelfAttribute("..program"), role=Membership.Role.FELLOW
    )
    supervisor = factory.SubFactory(
        MembershipFactory, program=factory.SelfAttribute("..program"), role=Membership.Role.FACULTY
    )
    procedure_type = factory.SubFactory(
        ProcedureTypeFactory, program=factory.SelfAttribute("..program")
    )
    performed_on = factory.LazyFunction(lambda: datetime.date(2026, 10, 1))
    guidance = Guidance.FLUOROSCOPY
    age_band = ProcedureLogEntry.AgeBand.AGE_40_64
