"""The periodic sweep: work out every due reminder, write it to the ledger, then queue email.

Run by Celery beat (``reminders.tasks.sweep_reminders``). The sweep is safe to run twice, or in
two beat processes at once:

1. **Ledger first.** For each source (calendar deadlines, overdue assessments and escalations,
   procedures waiting for verification, fellows behind their targets at a checkpoint, pending
   acknowledgements and self-assessments) candidates are read in keyset batches and inserted with
   ``bulk_create(ignore_conflicts=True)`` against the unique key (recipient, kind, object,
   period). A reminder that exists already is silently skipped, so nothing is reminded twice.
2. **Deliveries.** Queued reminders of people who want each one at once get a ``Delivery`` keyed
   ``reminder:<id>``; the others are gathered, once the person's digest hour has passed in the
   program's time zone, into one digest ``Delivery`` per person per day (a partial unique
   constraint enforces the "one per day"). Both steps are keyed inserts, so re-running is a no-op.
3. **Failed ones again.** Deliveries that failed after every retry and are younger than a day
   get one more attempt an hour after their last (``deliveries_retry_recent_failures``).
4. **Enqueue.** Deliveries that are pending (and not waiting for a retry back-off), or stuck in
   ``sending`` past the claim lease because a worker died, are stamped ``enqueued_at`` and handed
   to ``deliver_email`` after commit. A crash between commit and enqueue is repaired by the next
   run; an extra task for the same delivery is a no-op (see ``services.delivery``). This step
   alone also runs every minute (``reminders.tasks.enqueue_due_deliveries``), so work lost with
   the broker or a worker is handed over again soon after they are back.

Queries grow with the number of batches, never with the number of fellows: each batch costs a
fixed handful of queries (candidates, one related lookup, preferences, one insert).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from ..models import Reminder
from .assessments import acknowledgement_candidates, assessment_candidates
from .context import program_contexts
from .deadlines import deadline_candidates
from .handover import deliveries_enqueue_due
from .ledger import attach_digests, attach_immediate, ledger_write
from .retries import deliveries_retry_recent_failures
from .surveys import confidential_evaluation_candidates
from .targets import target_candidates
from .verification import verification_candidates
from .workhours import work_hour_candidates


@dataclass(frozen=True)
class SweepResult:
    reminders_created: int
    deliveries_enqueued: int


SOURCES = (
    deadline_candidates,
    assessment_candidates,
    acknowledgement_candidates,
    verification_candidates,
    target_candidates,
    work_hour_candidates,
    confidential_evaluation_candidates,
)


def reminders_sweep(
    *, now: datetime.datetime | None = None, batch_size: int | None = None, enqueue: bool = True
) -> SweepResult:
    """Write every due reminder to the ledger, build their deliveries and queue the email.

    Idempotent: a second run (or a concurrent one) adds nothing already recorded and sends
    nothing twice. ``enqueue=False`` leaves deliveries for the next sweep (benchmarks).
    """
    started = timezone.now()
    now = now or started
    size = batch_size or settings.REMINDERS_BATCH_SIZE
    contexts = program_contexts(now)
    if contexts:
        for source in SOURCES:
            for candidates in source(contexts, now, size):
                ledger_write(candidates)
        attach_immediate(size)
        attach_digests(contexts, now, size)
    deliveries_retry_recent_failures(now=now, size=size)
    enqueued = deliveries_enqueue_due(now=now, size=size, enqueue=enqueue)
    created = Reminder.objects.filter(created_at__gte=started).count()
    return SweepResult(reminders_created=created, deliveries_enqueued=enqueued)
