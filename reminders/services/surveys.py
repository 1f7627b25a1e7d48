"""Sweep source: fellows with a confidential evaluation to complete (never their answers).

Each invitation that has opened (program's today), is not completed and whose collection is
still open gets one reminder once its due date is within ``DUE_SOON_DAYS`` days or past: object
the invitation, period its due date, link the fill page. The ledger's unique key makes it
idempotent. Completion is all the sweep reads: answers are never linked to an invitation.
"""

import datetime
from collections.abc import Iterator

from django.db.models import Q
from django.urls import reverse

from surveys.models import Invitation

from ..models import Kind, Reminder
from .context import Candidate, candidate, fmt_day, keyset_batches

DUE_SOON_DAYS = 7


def confidential_evaluation_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """Batches of candidates, as the other sources (see .targets): one query per batch."""
    if not contexts:
        return
    soon = datetime.timedelta(days=DUE_SOON_DAYS)
    by_day: dict[datetime.date, list[int]] = {}
    for ctx in contexts.values():
        by_day.setdefault(ctx.today, []).append(ctx.program.pk)
    due = Q(pk__in=[])
    for today, program_ids in by_day.items():
        due |= Q(
            collection__program_id__in=program_ids,
            opens_on__lte=today,
            due_on__lte=today + soon,
            collection__closes_on__gte=today,
        )
    pending = Invitation.objects.filter(
        due,
        completed_at__isnull=True,
        fellow__is_active=True,
        fellow__user__is_active=True,
    )
    fields = (
        "pk",
        "due_on",
        "fellow__user_id",
        "collection__program_id",
        "collection__form__name",
    )
    for rows in keyset_batches(pending, fields, size):
        batch = []
        for row in rows:
            ctx = contexts[row["collection__program_id"]]
            path = reverse(
                "surveys:evaluation_fill",
                kwargs={"program_id": ctx.program.pk, "survey_invitation_id": row["pk"]},
            )
            overdue = row["due_on"] < ctx.today
            subject = (
                f"Confidential evaluation {'overdue since' if overdue else 'due'} "
                f"{fmt_day(row['due_on'])}: {row['collection__form__name']}"
            )[:200]
            batch.append(
                candidate(
                    ctx,
                    row["fellow__user_id"],
                    Kind.CONFIDENTIAL_EVALUATION_DUE,
                    (
                        Reminder.ObjectType.CONFIDENTIAL_EVALUATION,
                        row["pk"],
                        row["due_on"].isoformat(),
                    ),
                    subject=subject,
                    url_path=path,
                    due_date=row["due_on"],
                )
            )
        yield batch
