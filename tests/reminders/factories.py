import datetime

import factory

from reminders.models import Delivery, NotificationPreference, Reminder
from tests.accounts.factories import UserFactory
from tests.curriculum.factories import ProgramFactory


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference

    user = factory.SubFactory(UserFactory)


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    recipient = factory.SubFactory(UserFactory)
    kind = Delivery.Kind.IMMEDIATE
    key = factory.Sequence(lambda n: f"test:{n}")


class ReminderFactory(factory.django.DjangoModelFactory):
    """A ledger row written straight to the table (the sweep is tested on its own)."""

    class Meta:
        model = Reminder

    program = factory.SubFactory(ProgramFactory)
    recipient = factory.SubFactory(UserFactory)
    kind = Reminder.Kind.DEADLINE_UPCOMING
    object_type = Reminder.ObjectType.DEADLINE
    object_id = factory.Sequence(lambda n: n + 1)
    period = "2026-12-15"
    subject = factory.Sequence(lambda n: f"Mid-year CCC milestone review {n} (due Dec 15, 2026)")
    due_date = datetime.date(2026, 12, 15)
    url_path = factory.LazyAttribute(lambda o: f"/programs/{o.program.pk}/calendar/")
    channel = NotificationPreference.Delivery.DIGEST
