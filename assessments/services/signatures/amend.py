"""Correcting a signed assessment: a new draft that points at the original, both kept."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.services import audit_record

from ...models import Assessment, Rating
from ...permissions import can_fill
from .sign import lock_assessment


@transaction.atomic
def assessment_amend(*, actor, assessment: Assessment) -> Assessment:
    """The original assessor starts a correction of a signed or acknowledged assessment.

    The correction is a new draft copying the original's form, people, date, narrative and
    ratings, with ``amends`` pointing at the original, which is left untouched (content, status
    and signature). If an open (draft or returned) amendment already exists it is returned
    instead of a second one, so a double click or a second tab leads to the same draft. An
    assessment that already has a signed amendment is refused: amend the latest version.
    """
    original = lock_assessment(assessment)
    if not can_fill(actor, original):
        raise PermissionDenied("Only the assessor who signed it can amend this assessment.")
    if not original.is_locked:
        raise ValidationError("Only a signed assessment can be amended; edit the draft instead.")
    amendments = list(original.amendments.order_by("pk"))
    for amendment in amendments:
        if amendment.status in Assessment.OPEN_STATUSES:
            return amendment
    if amendments:
        raise ValidationError(
            f"This assessment was already amended (assessment {amendments[-1].pk}); "
            "amend the latest version instead."
        )
    draft = Assessment(
        program=original.program,
        template=original.template,
        fellow=original.fellow,
        assessor=original.assessor,
        requested_by=original.requested_by,
        schedule_block=original.schedule_block,
        procedure_entry=original.procedure_entry,
        amends=original,
        observed_on=original.observed_on,
        due_date=original.due_date,
        status=Assessment.Status.DRAFT,
        narrative=original.narrative,
    )
    draft.full_clean()
    draft.save()
    Rating.objects.bulk_create(
        Rating(
            assessment=draft,
            subcompetency_id=rating.subcompetency_id,
            level=rating.level,
            not_assessable=rating.not_assessable,
        )
        for rating in original.ratings.all()
    )
    audit_record(
        actor=actor, action="assessment.amend", obj=draft, changes={"amends": [None, original.pk]}
    )
    return draft
