"""Procedure log entries waiting for verification for the program's number of days, to the
supervisor."""

import datetime
from collections.abc import Iterator

from django.db.models import Q

from procedures.models import ProcedureLogEntry

from ..models import Kind, Reminder
from .context import Candidate, candidate, fmt_day, grouped, keyset_batches, person_name


def verification_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """Entries pending verification for the program's number of days, to the supervisor."""
    window = grouped(
        contexts,
        lambda ctx: (ctx.settings.verification_after_days,),
        lambda days: Q(updated_at__lte=now - datetime.timedelta(days=days)),
    )
    entries = ProcedureLogEntry.objects.filter(
        window,
        status=ProcedureLogEntry.Status.PENDING,
        supervisor__is_active=True,
        supervisor__user__is_active=True,
    )
    fields = (
        "pk",
        "program_id",
        "updated_at",
        "performed_on",
        "procedure_type__name",
        "supervisor__user_id",
        "fellow__user__full_name",
        "fellow__user__email",
    )
    for rows in keyset_batches(entries, fields, size):
        batch = []
        for row in rows:
            ctx = contexts[row["program_id"]]
            fellow = person_name(row["fellow__user__full_name"], row["fellow__user__email"])
            period = row["updated_at"].astimezone(ctx.tz).date().isoformat()
            batch.append(
                candidate(
                    ctx,
                    row["supervisor__user_id"],
                    Kind.VERIFICATION_PENDING,
                    (Reminder.ObjectType.PROCEDURE_ENTRY, row["pk"], period),
                    subject=(
                        f"Verify {fellow}'s {row['procedure_type__name']} "
                        f"of {fmt_day(row['performed_on'])}"
                    )[:200],
                    url_path=ctx.paths["verification_queue"],
                )
            )
        yield batch
