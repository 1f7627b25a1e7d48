"""Calendar deadlines within the program's lead time, to whoever must act on them: the staff,
the director for the final summative, the assessors still holding a rotation evaluation."""

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Exists, OuterRef, Q

from assessments.models import Assessment, AssessmentTemplate, SummativeEvaluation
from trainees.models import Deadline

from ..models import Kind, Reminder
from .context import Candidate, candidate, fmt_day, grouped, keyset_batches


def deadline_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """Calendar deadlines within the program's lead time, to whoever must act on them."""
    window = grouped(
        contexts,
        lambda ctx: (ctx.today, ctx.settings.days_before_deadline),
        lambda today, days: Q(
            due_date__gte=today, due_date__lte=today + datetime.timedelta(days=days)
        ),
    )
    signed_summative = SummativeEvaluation.objects.filter(
        fellow_id=OuterRef("enrolment__membership_id"),
        kind=SummativeEvaluation.Kind.FINAL,
        status=SummativeEvaluation.Status.SIGNED,
    )
    deadlines = (
        Deadline.objects.filter(window)
        .filter(Q(enrolment__isnull=True) | Q(enrolment__status__in=["active", "leave"]))
        .filter(~Q(kind=Deadline.Kind.FINAL_SUMMATIVE) | ~Exists(signed_summative))
    )
    fields = ("pk", "program_id", "kind", "title", "due_date", "schedule_block_id")
    for rows in keyset_batches(deadlines, fields, size):
        blocks = [row["schedule_block_id"] for row in rows if row["schedule_block_id"]]
        assessors = defaultdict(set)
        if blocks:
            open_evaluations = (
                Assessment.objects.filter(
                    schedule_block_id__in=blocks,
                    status__in=Assessment.OPEN_STATUSES,
                    assessor__is_active=True,
                    assessor__user__is_active=True,
                )
                .exclude(template__kind=AssessmentTemplate.Kind.SELF)
                .values_list("schedule_block_id", "assessor__user_id")
            )
            for block_id, user_id in open_evaluations:
                assessors[block_id].add(user_id)
        batch = []
        for row in rows:
            ctx = contexts[row["program_id"]]
            kind, path = Kind.DEADLINE_UPCOMING, ctx.paths["calendar"]
            if row["kind"] == Deadline.Kind.FINAL_SUMMATIVE:
                kind, recipients = Kind.FINAL_DEADLINE, ctx.directors
            elif row["kind"] == Deadline.Kind.ROTATION_EVALUATION and row["schedule_block_id"]:
                # Whoever still has the evaluation open; nobody once it is done.
                recipients = sorted(assessors.get(row["schedule_block_id"], ()))
                path = ctx.paths["faculty_queue"]
            else:
                recipients = ctx.staff
            obj = (Reminder.ObjectType.DEADLINE, row["pk"], row["due_date"].isoformat())
            for user_id in recipients:
                batch.append(
                    candidate(
                        ctx,
                        user_id,
                        kind,
                        obj,
                        subject=f"{row['title']} (due {fmt_day(row['due_date'])})"[:200],
                        due_date=row["due_date"],
                        url_path=path,
                    )
                )
        yield batch
