"""The batch lock: take rows in primary-key batches with ``SELECT ... FOR UPDATE SKIP LOCKED``
and mark them in the same transaction, so two sweeps (or a sweep and the minute task) running
at once never take the same row, and each batch commits on its own."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet


def locked_batches(
    queryset: QuerySet, *, size: int, mark: Callable[[list], None], fields: tuple = ("pk",)
) -> int:
    """Lock up to ``size`` rows of ``queryset`` at a time and ``mark`` them; how many in all.

    ``mark`` gets the batch's ``fields`` (one field: a list of values, else of tuples) and must
    change the rows so that ``queryset`` no longer matches them, or the loop would take them
    again. One query per batch for the lock, none past the last (short) batch.
    """
    done = 0
    while True:
        with transaction.atomic():
            rows = list(
                queryset.select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list(*fields, flat=len(fields) == 1)[:size]
            )
            if not rows:
                return done
            mark(rows)
        done += len(rows)
        if len(rows) < size:
            return done
