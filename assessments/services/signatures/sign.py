"""The assessor signs an assessment; the fellow acknowledges it.

Signing locks the assessment row, re-confirms the assessor's identity and stores a sealed
``Signature`` through ``store.signature_add``. A signed (or acknowledged) assessment never
changes: a correction is an amendment (``amend``).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from ... import notices
from ...models import Assessment, Signature
from ...permissions import can_acknowledge, can_fill
from ...seals import confirm_identity
from .store import signature_add

Status = Assessment.Status


def lock_assessment(assessment: Assessment, *, template: bool = False) -> Assessment:
    """Re-read the assessment under a row lock: a double click or a second tab waits here.

    With ``template``, the form's row is locked too, so a concurrent edit of the form's kind
    either finishes first (and is signed as it now reads) or waits and then sees the signature.
    """
    of = ("self", "template") if template else ("self",)
    return (
        Assessment.objects.select_for_update(of=of)
        .select_related("program", "template", "fellow__user", "assessor__user")
        .get(pk=assessment.pk)
    )


def _missing_for_signing(assessment: Assessment) -> dict[str, str]:
    rated = {
        r.subcompetency_id
        for r in assessment.ratings.all()
        if r.not_assessable or r.level is not None
    }
    missing = [
        sub.code
        for sub in assessment.template.subcompetencies.order_by("code")
        if sub.pk not in rated
    ]
    errors = {}
    if missing:
        errors["ratings"] = (
            f"Rate every subcompetency (a level, or not yet assessable) before signing; "
            f"missing: {', '.join(missing)}."
        )
    if not assessment.narrative.strip():
        errors["narrative"] = "Write the narrative first: what went well and what to work on."
    return errors


@transaction.atomic
def assessment_sign(
    *, actor, assessment: Assessment, password: str | None = None, totp_code: str | None = None
) -> Signature:
    """The assessor signs a complete draft (or returned) assessment; it becomes read-only.

    Identity is re-confirmed with the authenticator code when the assessor uses one, otherwise
    with their password. Returns the new ``Signature`` (its ``assessment`` is the fresh row; the
    instance passed in is not updated). A second request for an already signed assessment (a
    double click) raises ``ValidationError`` and creates nothing.
    """
    assessment = lock_assessment(assessment, template=True)
    if not can_fill(actor, assessment):
        raise PermissionDenied("Only the named assessor can sign this assessment.")
    if assessment.status not in Assessment.OPEN_STATUSES:
        raise ValidationError("This assessment is already signed.")
    if errors := _missing_for_signing(assessment):
        raise ValidationError(errors)
    method = confirm_identity(actor, password=password, totp_code=totp_code)

    previous_status = assessment.status
    assessment.status = Status.SIGNED
    assessment.signed_at = timezone.now()
    assessment.return_reason = ""
    assessment.full_clean()
    assessment.save(update_fields=["status", "signed_at", "return_reason", "updated_at"])
    signature = signature_add(
        actor=actor, record=assessment, method=method, status_before=previous_status
    )
    notices.signed(assessment)
    return signature


@transaction.atomic
def assessment_acknowledge(*, actor, assessment: Assessment) -> Assessment:
    """The fellow acknowledges a signed assessment about them. Doing it twice is harmless."""
    assessment = lock_assessment(assessment)
    is_fellow = actor.is_authenticated and assessment.fellow.user_id == actor.pk
    if not (is_fellow and assessment.fellow.is_active):
        raise PermissionDenied("Only the fellow the assessment is about can acknowledge it.")
    if assessment.status == Status.ACKNOWLEDGED:
        return assessment
    if not can_acknowledge(actor, assessment):
        raise ValidationError("Only a signed assessment can be acknowledged.")
    assessment.status = Status.ACKNOWLEDGED
    assessment.acknowledged_at = timezone.now()
    assessment.full_clean()
    assessment.save(update_fields=["status", "acknowledged_at", "updated_at"])
    audit_record(
        actor=actor,
        action="assessment.acknowledge",
        obj=assessment,
        changes={"status": [Status.SIGNED, Status.ACKNOWLEDGED]},
    )
    return assessment
