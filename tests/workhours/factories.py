"""Work-hour rows written straight to the tables (the services are tested on their own)."""

import datetime

import factory

from curriculum.models import Membership
from tests.curriculum.factories import MembershipFactory, ProgramFactory
from workhours.models import FindingExplanation, Kind, Shift, ShiftTemplate


class ShiftFactory(factory.django.DjangoModelFactory):
    """A 10-hour clinical day; ``start`` steps a day per shift so shifts never overlap."""

    class Meta:
        model = Shift

    program = factory.SubFactory(ProgramFactory)
    fellow = factory.SubFactory(
        MembershipFactory, program=factory.SelfAttribute("..program"), role=Membership.Role.FELLOW
    )
    start = factory.Sequence(
        lambda n: (
            datetime.datetime(2026, 7, 1, 11, tzinfo=datetime.UTC) + datetime.timedelta(days=n)
        )
    )
    end = factory.LazyAttribute(lambda shift: shift.start + datetime.timedelta(hours=10))
    kind = Kind.CLINICAL
    source = Shift.Source.LOGGED


class ShiftTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftTemplate

    program = factory.SubFactory(ProgramFactory)
    fellow = factory.SubFactory(
        MembershipFactory, program=factory.SelfAttribute("..program"), role=Membership.Role.FELLOW
    )
    weekday = 0
    start_time = datetime.time(7)
    end_time = datetime.time(17)
    kind = Kind.CLINICAL


class FindingExplanationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FindingExplanation

    program = factory.SubFactory(ProgramFactory)
    fellow = factory.SubFactory(
        MembershipFactory, program=factory.SelfAttribute("..program"), role=Membership.Role.FELLOW
    )
    rule = "8h-rest"
    period_start = datetime.datetime(2026, 7, 1, 21, tzinfo=datetime.UTC)
    period_end = datetime.datetime(2026, 7, 2, 4, tzinfo=datetime.UTC)
    text = "Handover ran late after a busy list."
