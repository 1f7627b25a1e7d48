import factory

from curriculum.models import Membership, Program, Rotation
from tests.accounts.factories import UserFactory


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Pain Medicine Fellowship {n}")
    institution = "University Hospital"
    timezone = "America/New_York"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    program = factory.SubFactory(ProgramFactory)
    role = Membership.Role.FELLOW


class RotationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rotation

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Rotation {n}")
    short_name = factory.Sequence(lambda n: f"R{n}")
    discipline = Rotation.Discipline.ACUTE_PAIN
