"""Assessments: overdue ones to the assessor (escalated to the director after the program's
number of days), open self-assessments to the fellow, and signed ones the fellow has not
acknowledged yet."""

import datetime
from collections.abc import Iterator

from django.db.models import Q

from assessments.models import Assessment, AssessmentTemplate

from ..links import assessment_path
from ..models import Kind, Reminder
from .context import Candidate, candidate, fmt_day, grouped, keyset_batches, person_name


def assessment_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """Overdue assessments to the assessor, escalated to the director after the program's
    number of days; open self-assessments to the fellow as their due date approaches."""
    SELF = AssessmentTemplate.Kind.SELF

    def condition(today, days_before):
        soon = today + datetime.timedelta(days=days_before)
        own = Q(template__kind=SELF) & (Q(due_date__isnull=True) | Q(due_date__lte=soon))
        return own | (~Q(template__kind=SELF) & Q(due_date__lt=today))

    window = grouped(
        contexts, lambda ctx: (ctx.today, ctx.settings.days_before_deadline), condition
    )
    assessments = Assessment.objects.filter(
        window,
        status__in=Assessment.OPEN_STATUSES,
        assessor__is_active=True,
        assessor__user__is_active=True,
    )
    fields = (
        "pk",
        "program_id",
        "due_date",
        "template__kind",
        "template__name",
        "assessor__user_id",
        "assessor__user__full_name",
        "assessor__user__email",
        "fellow__user__full_name",
        "fellow__user__email",
    )
    for rows in keyset_batches(assessments, fields, size):
        batch = []
        for row in rows:
            ctx = contexts[row["program_id"]]
            due = row["due_date"]
            path = assessment_path(ctx.paths, row["pk"])
            fellow = person_name(row["fellow__user__full_name"], row["fellow__user__email"])
            what = f"{row['template__name']} for {fellow}"
            if row["template__kind"] == SELF:
                obj = (
                    Reminder.ObjectType.ASSESSMENT,
                    row["pk"],
                    due.isoformat() if due else "open",
                )
                subject = f"Complete your {row['template__name']}"
                if due:
                    subject += f" (due {fmt_day(due)})"
                batch.append(
                    candidate(
                        ctx,
                        row["assessor__user_id"],
                        Kind.SELF_ASSESSMENT_PENDING,
                        obj,
                        subject=subject[:200],
                        due_date=due,
                        url_path=path,
                    )
                )
                continue
            obj = (Reminder.ObjectType.ASSESSMENT, row["pk"], due.isoformat())
            batch.append(
                candidate(
                    ctx,
                    row["assessor__user_id"],
                    Kind.ASSESSMENT_OVERDUE,
                    obj,
                    subject=f"Overdue since {fmt_day(due)}: {what}"[:200],
                    due_date=due,
                    url_path=path,
                )
            )
            late = (ctx.today - due).days
            if late >= ctx.settings.escalate_after_days:
                assessor = person_name(
                    row["assessor__user__full_name"], row["assessor__user__email"]
                )
                for director_id in ctx.directors:
                    batch.append(
                        candidate(
                            ctx,
                            director_id,
                            Kind.ESCALATION,
                            obj,
                            subject=f"{late} days overdue: {what} by {assessor}"[:200],
                            due_date=due,
                            url_path=path,
                        )
                    )
        yield batch


def acknowledgement_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """Signed assessments the fellow has not acknowledged yet."""
    assessments = Assessment.objects.filter(
        program_id__in=list(contexts),
        status=Assessment.Status.SIGNED,
        fellow__is_active=True,
        fellow__user__is_active=True,
    )
    fields = (
        "pk",
        "program_id",
        "signed_at",
        "template__name",
        "fellow__user_id",
        "assessor__user__full_name",
        "assessor__user__email",
    )
    for rows in keyset_batches(assessments, fields, size):
        batch = []
        for row in rows:
            ctx = contexts[row["program_id"]]
            signed_on = row["signed_at"].astimezone(ctx.tz).date()
            assessor = person_name(row["assessor__user__full_name"], row["assessor__user__email"])
            batch.append(
                candidate(
                    ctx,
                    row["fellow__user_id"],
                    Kind.ACKNOWLEDGEMENT_PENDING,
                    (Reminder.ObjectType.ASSESSMENT, row["pk"], signed_on.isoformat()),
                    subject=f"Read and acknowledge {row['template__name']} by {assessor}"[:200],
                    url_path=assessment_path(ctx.paths, row["pk"]),
                )
            )
        yield batch
