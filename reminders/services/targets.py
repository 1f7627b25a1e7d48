"""Procedure targets: at each checkpoint of the academic year, fellows whose verified counts
trail the pro-rata share of a target are told, and so is the director."""

import datetime
import math
from collections import defaultdict
from collections.abc import Iterator

from core.dates import add_months
from procedures.models import ProcedureLogEntry, ProcedureTarget
from procedures.selectors.progress import target_cells, target_counts  # one aggregate, same rules
from trainees.models import AcademicYear, Enrolment

from ..models import Kind, Reminder
from .context import Candidate, ProgramContext, candidate, keyset_batches, person_name

# A target checkpoint is acted on during this many days after it (the sweep may be down a day).
CHECKPOINT_WINDOW_DAYS = 14


def _active_checkpoint(year: AcademicYear, ctx: ProgramContext) -> tuple[int, datetime.date] | None:
    """The checkpoint (months, date) of the academic year that is being acted on today."""
    for months in sorted(ctx.settings.target_check_months, reverse=True):
        point = add_months(year.start_date, months)
        if point <= ctx.today < point + datetime.timedelta(days=CHECKPOINT_WINDOW_DAYS):
            return months, point
    return None


def target_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """At each checkpoint, fellows whose verified counts trail the pro-rata share of a target
    are told, and so is the director. Three queries before the batches, two per batch."""
    targets = defaultdict(list)
    for target in ProcedureTarget.objects.filter(program_id__in=list(contexts)).select_related(
        "procedure_type__category", "category"
    ):
        targets[target.program_id].append(target)
    if not targets:
        return
    days = [ctx.today for ctx in contexts.values()]
    checkpoints = {}
    years = AcademicYear.objects.filter(
        program_id__in=list(targets), start_date__lte=max(days), end_date__gte=min(days)
    )
    for year in years:
        found = _active_checkpoint(year, contexts[year.program_id])
        if found:
            checkpoints[year.pk] = found
    if not checkpoints:
        return
    enrolments = Enrolment.objects.filter(
        cohort__academic_year_id__in=list(checkpoints),
        status=Enrolment.Status.ACTIVE,
        membership__is_active=True,
        membership__user__is_active=True,
    )
    fields = (
        "pk",
        "start_date",
        "end_date",
        "leave_extension_days",
        "membership_id",
        "membership__user_id",
        "membership__user__full_name",
        "membership__user__email",
        "cohort__program_id",
        "cohort__academic_year_id",
    )
    for rows in keyset_batches(enrolments, fields, size):
        fellow_ids = [row["membership_id"] for row in rows]
        counts = defaultdict(list)
        entries = ProcedureLogEntry.objects.filter(fellow_id__in=fellow_ids)
        for count in target_counts(entries, by_fellow=True):
            counts[count["fellow_id"]].append(count)
        batch = []
        for row in rows:
            ctx = contexts[row["cohort__program_id"]]
            months, point = checkpoints[row["cohort__academic_year_id"]]
            end = row["end_date"] + datetime.timedelta(days=row["leave_extension_days"])
            span = max((end - row["start_date"]).days, 1)
            share = min(max((point - row["start_date"]).days / span, 0), 1)
            progress = target_cells(targets[ctx.program.pk], counts[row["membership_id"]])
            behind = [p for p in progress if p.verified < math.ceil(p.minimum * share)]
            if not behind:
                continue
            obj = (Reminder.ObjectType.FELLOW, row["membership_id"], point.isoformat())
            plural = "s" if len(behind) > 1 else ""
            batch.append(
                candidate(
                    ctx,
                    row["membership__user_id"],
                    Kind.TARGETS_BEHIND,
                    obj,
                    subject=(
                        f"You are behind on {len(behind)} procedure target{plural} "
                        f"at the {months}-month checkpoint"
                    ),
                    url_path=ctx.paths["my_progress"],
                )
            )
            fellow = person_name(row["membership__user__full_name"], row["membership__user__email"])
            for director_id in ctx.directors:
                batch.append(
                    candidate(
                        ctx,
                        director_id,
                        Kind.TARGETS_BEHIND,
                        obj,
                        subject=(
                            f"{fellow} is behind on {len(behind)} procedure target{plural} "
                            f"at the {months}-month checkpoint"
                        )[:200],
                        url_path=ctx.paths["cohort_progress"],
                    )
                )
        yield batch
