"""How a fellow's request ends without a signature: the assessor declines it with a reason, or
nobody starts it within the program's ``request_expiry_days`` and it expires. Both close the
request (it leaves every "open" list and the overdue board), are audited, and tell the people
concerned. Signed work never closes this way."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from audit.services import audit_record, audit_record_many
from core.reasons import clean_reason
from curriculum.models import Program

from .. import notices
from ..models import Assessment, Rating
from ..permissions import can_decline

Status = Assessment.Status


@transaction.atomic
def assessment_decline(*, actor, assessment: Assessment, reason: str) -> Assessment:
    """The assessor declines a request, saying why (the fellow reads it): "I did not supervise
    that case", "ask Dr Lee, who was in the room". A second decline changes nothing."""
    reason = clean_reason(reason, missing="Tell the fellow why you decline.")
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("program", "template", "fellow__user", "assessor__user")
        .get(pk=assessment.pk)
    )
    if assessment.status == Status.DECLINED:
        return assessment
    if not can_decline(actor, assessment):
        if assessment.status not in Assessment.OPEN_STATUSES:
            raise ValidationError("Only an open request can be declined.")
        raise PermissionDenied("Only the assessor a fellow asked can decline the request.")
    before = assessment.status
    assessment.status = Status.DECLINED
    assessment.decline_reason = reason
    assessment.closed_at = timezone.now()
    assessment.full_clean()
    assessment.save(update_fields=["status", "decline_reason", "closed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="assessment.decline",
        obj=assessment,
        changes={"status": [before, Status.DECLINED], "decline_reason": ["", reason]},
    )
    notices.declined(assessment)
    return assessment


def expiring_requests(program: Program, now: datetime.datetime):
    """Fellows' requests to someone else, still drafts nobody has started (no rating, no
    narrative), made ``request_expiry_days`` or more ago. Started work is never thrown away:
    it stays open (and overdue) for its assessor to finish."""
    cutoff = now - datetime.timedelta(days=program.request_expiry_days)
    return Assessment.objects.filter(
        program=program,
        status=Status.DRAFT,
        requested_by__isnull=False,
        amends__isnull=True,
        narrative="",
        created_at__lte=cutoff,
    ).exclude(Q(assessor=F("fellow")) | Q(Exists(Rating.objects.filter(assessment=OuterRef("pk")))))


@transaction.atomic
def assessment_requests_expire(*, now: datetime.datetime | None = None) -> int:
    """Expire every program's unanswered requests and tell both sides; idempotent (an expired
    request is no longer a draft). Returns how many expired."""
    now = now or timezone.now()
    total = 0
    for program in Program.objects.order_by("pk"):
        due = list(
            expiring_requests(program, now)
            .select_for_update(of=("self",), skip_locked=True)
            .select_related("program", "template", "fellow__user", "assessor__user")
        )
        if not due:
            continue
        Assessment.objects.filter(pk__in=[a.pk for a in due]).update(
            status=Status.EXPIRED, closed_at=now, updated_at=now
        )
        for assessment in due:
            assessment.status, assessment.closed_at = Status.EXPIRED, now
        audit_record_many(
            actor=None,
            action="assessment.expire",
            objects=due,
            changes={"status": [Status.DRAFT, Status.EXPIRED]},
        )
        notices.expired(due)
        total += len(due)
    return total
