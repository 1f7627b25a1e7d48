"""The coordinator (or director) chases assessors now: one open assessment's assessor, or every
overdue assessor of the program at once. The ledger keeps a chase of one assessment once per
day (its period is the program's date), so a second click, or two staff clicking at once, send
nothing more; each assessor gets one email for all the assessments chased in that click,
whatever their digest preference (see ``notices``)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from assessments.models import Assessment
from audit.services import audit_record_many
from core.notices import Notice, NoticeKind, notify
from curriculum.models import Program

from ..models import Reminder
from ..permissions import can_manage_reminders
from .context import fmt_day


@dataclass(frozen=True)
class ChaseResult:
    sent: int  # assessments whose assessor was reminded now
    already: int  # reminded earlier today: nothing sent again
    assessors: int  # distinct people reminded now


@transaction.atomic
def assessments_chase(*, actor, program: Program, assessments: list[Assessment]) -> ChaseResult:
    """Remind the assessor of each assessment now (at most once a day each), and record it."""
    if not can_manage_reminders(actor, program):
        raise PermissionDenied("Only the director or coordinator can send reminders.")
    today = program.today()
    if any(assessment.program_id != program.pk for assessment in assessments):
        raise PermissionDenied("That assessment belongs to another program.")
    chased_today = set(
        Reminder.objects.filter(
            program=program,
            kind=Reminder.Kind.CHASE,
            object_type=Reminder.ObjectType.ASSESSMENT,
            object_id__in=[a.pk for a in assessments],
            period=today.isoformat(),
        ).values_list("object_id", flat=True)
    )
    fresh = [a for a in assessments if a.pk not in chased_today]
    sender = actor.display_name
    notices = []
    for assessment in fresh:
        due = f" (due {fmt_day(assessment.due_date)})" if assessment.due_date else ""
        notices.append(
            Notice(
                program_id=program.pk,
                recipient_id=assessment.assessor.user_id,
                kind=NoticeKind.CHASE,
                object_type="assessment",
                object_id=assessment.pk,
                subject=(
                    f"{sender} reminds you: {assessment.template.name} for "
                    f"{assessment.fellow.user.display_name}{due}"
                ),
                url_path=assessment.get_absolute_url(),
                key=today.isoformat(),
                immediate=True,
            )
        )
    notify(notices)
    if fresh:
        audit_record_many(
            actor=actor,
            action="assessment.chase",
            objects=fresh,
            changes={"reminded_on": today.isoformat()},
        )
    return ChaseResult(
        sent=len(fresh),
        already=len(assessments) - len(fresh),
        assessors=len({a.assessor.user_id for a in fresh}),
    )
