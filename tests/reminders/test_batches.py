"""The one batch-lock loop the sweep, the hand-over and the failed-email retry share."""

from reminders.models import Delivery
from reminders.services.batches import locked_batches
from tests.reminders.factories import DeliveryFactory


def test_rows_are_taken_in_primary_key_batches_until_none_match(db, django_assert_num_queries):
    made = [DeliveryFactory().pk for _ in range(5)]
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
    batches = []

    def mark(ids):
        batches.append(ids)
        Delivery.objects.filter(pk__in=ids).update(status=Delivery.Status.FAILED)

    # Per batch: savepoint, lock, mark, release; the short last batch ends the loop.
    with django_assert_num_queries(3 * 4):
        assert locked_batches(pending, size=2, mark=mark) == 5
    assert batches == [made[:2], made[2:4], made[4:]]
    assert locked_batches(pending, size=2, mark=mark) == 0


def test_several_fields_come_as_tuples(db):
    delivery = DeliveryFactory()
    seen = []
    locked_batches(Delivery.objects.all(), size=10, mark=seen.extend, fields=("pk", "recipient_id"))
    assert seen == [(delivery.pk, delivery.recipient_id)]
