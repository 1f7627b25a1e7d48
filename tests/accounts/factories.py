import factory
from django.utils import timezone

from accounts.models import INVITATION_TTL, Invitation, User, invitation_token_hash

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class InvitationFactory(factory.django.DjangoModelFactory):
    """An open invitation whose link secret is ``token`` (pass ``token=`` to choose it)."""

    class Meta:
        model = Invitation
        exclude = ["token"]

    program = factory.SubFactory("tests.curriculum.factories.ProgramFactory")
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    full_name = factory.Faker("name")
    role = "fellow"
    invited_by = factory.SubFactory(UserFactory)
    token = factory.Sequence(lambda n: f"secret-token-{n}")
    token_hash = factory.LazyAttribute(lambda o: invitation_token_hash(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + INVITATION_TTL)
