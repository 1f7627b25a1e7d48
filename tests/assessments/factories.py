import datetime

import factory

from assessments.models import Assessment, AssessmentTemplate, Rating
from curriculum.models import Membership, MilestoneSet
from tests.curriculum.factories import MembershipFactory, ProgramFactory


class MilestoneSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MilestoneSet

    program = factory.SubFactory(ProgramFactory)
    specialty = "Pain Medicine"
    version = factory.Sequence(lambda n: f"2.{n}")
    effective_date = datetime.date(2022, 7, 1)


class AssessmentTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentTemplate

    program = factory.SubFactory(ProgramFactory)
    milestone_set = factory.SubFactory(
        MilestoneSetFactory, program=factory.SelfAttribute("..program")
    )
    name = factory.Sequence(lambda n: f"End-of-rotation evaluation {n}")
    kind = AssessmentTemplate.Kind.END_OF_ROTATION


class AssessmentFactory(factory.django.DjangoModelFactory):
    """A draft written straight to the table (services are tested on their own)."""

    class Meta:
        model = Assessment

    program = factory.SubFactory(ProgramFactory)
    template = factory.SubFactory(
        AssessmentTemplateFactory, program=factory.SelfAttribute("..program")
    )
    fellow = factory.SubFactory(
        MembershipFactory, program=factory.SelfAttribute("..program"), role=Membership.Role.FELLOW
    )
    assessor = factory.SubFactory(
        MembershipFactory, program=factory.SelfAttribute("..program"), role=Membership.Role.FACULTY
    )
    observed_on = datetime.date(2026, 10, 1)


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    assessment = factory.SubFactory(AssessmentFactory)
    level = "3.0"


def committee_with_quorum(period, people) -> "CommitteeMeeting":  # noqa: F821
    """The program's committee (its director and faculty member, a quorum of 2) and a meeting of
    the period with both present: what finalising a review needs."""
    from assessments.models import CommitteeMeeting, CompetencyCommittee

    members = list(
        Membership.objects.filter(
            program=people.program, role__in=Membership.TEACHING_ROLES, is_active=True
        )
    )
    committee, _ = CompetencyCommittee.objects.get_or_create(
        program=people.program, defaults={"quorum": 2}
    )
    committee.members.add(*members)
    meeting = CommitteeMeeting.objects.create(
        period=period, held_on=datetime.date(2026, 12, 1), recorded_by=people.director
    )
    meeting.present.set(members)
    return meeting
