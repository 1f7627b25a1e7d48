"""Signing, acknowledging and amending assessments, and checking the stored signatures.

Signing locks the assessment row, re-confirms the assessor's identity and stores a ``Signature``
holding the SHA-256 of ``assessment_content``. A signed (or acknowledged) assessment never changes:
a correction is a new draft whose ``amends`` points at the original, and both are kept.
``signature_verify_all`` recomputes every hash so a change made behind the app's back is caught.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from audit.services import audit_record

from ..models import Assessment, Rating, Signature
from ..permissions import can_acknowledge, can_fill
from ..signing import SIGNATURE_MEANING, assessment_content, confirm_identity, content_hash

Status = Assessment.Status
OPEN_STATUSES = (Status.DRAFT, Status.RETURNED)


def _lock(assessment: Assessment) -> Assessment:
    """Re-read the assessment under a row lock: a double click or a second tab waits here."""
    return (
        Assessment.objects.select_for_update(of=("self",))
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
    assessment = _lock(assessment)
    if not can_fill(actor, assessment):
        raise PermissionDenied("Only the named assessor can sign this assessment.")
    if assessment.status not in OPEN_STATUSES:
        raise ValidationError("This assessment is already signed.")
    if errors := _missing_for_signing(assessment):
        raise ValidationError(errors)
    method = confirm_identity(actor, password=password, totp_code=totp_code)

    now = timezone.now()
    previous_status = assessment.status
    assessment.status = Status.SIGNED
    assessment.signed_at = now
    assessment.return_reason = ""
    assessment.full_clean()
    assessment.save(update_fields=["status", "signed_at", "return_reason", "updated_at"])
    signature = Signature(
        assessment=assessment,
        signer=actor,
        signed_at=now,
        meaning=SIGNATURE_MEANING,
        method=method,
        content_hash=content_hash(assessment_content(assessment)),
    )
    signature.full_clean()
    signature.save()
    audit_record(
        actor=actor,
        action="assessment.sign",
        obj=assessment,
        changes={
            "status": [previous_status, Status.SIGNED],
            "signature": [None, signature.pk],
            "content_hash": [None, signature.content_hash],
        },
    )
    return signature


@transaction.atomic
def assessment_acknowledge(*, actor, assessment: Assessment) -> Assessment:
    """The fellow acknowledges a signed assessment about them. Doing it twice is harmless."""
    assessment = _lock(assessment)
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


@transaction.atomic
def assessment_amend(*, actor, assessment: Assessment) -> Assessment:
    """The original assessor starts a correction of a signed or acknowledged assessment.

    The correction is a new draft copying the original's form, people, date, narrative and
    ratings, with ``amends`` pointing at the original, which is left untouched (content, status
    and signature). If an open (draft or returned) amendment already exists it is returned
    instead of a second one, so a double click or a second tab leads to the same draft. An
    assessment that already has a signed amendment is refused: amend the latest version.
    """
    original = _lock(assessment)
    if not can_fill(actor, original):
        raise PermissionDenied("Only the assessor who signed it can amend this assessment.")
    if not original.is_locked:
        raise ValidationError("Only a signed assessment can be amended; edit the draft instead.")
    amendments = list(original.amendments.order_by("pk"))
    for amendment in amendments:
        if amendment.status in OPEN_STATUSES:
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
        status=Status.DRAFT,
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


@dataclass
class SignatureProblem:
    """One stored signature (or signed assessment) that no longer matches what was signed."""

    signature: Signature | None
    assessment: Assessment
    expected: str
    found: str
    reason: str = "content changed since it was signed"


def _ratings_prefetch(prefix: str = "") -> Prefetch:
    return Prefetch(f"{prefix}ratings", queryset=Rating.objects.select_related("subcompetency"))


def signature_verify_all() -> list[SignatureProblem]:
    """Recompute the hash of every signed assessment and report each one that does not match.

    Also reported: a signature whose assessment is no longer signed (its status was changed
    behind the app's back), and a signed assessment with no signature at all.
    """
    problems = []
    signatures = (
        Signature.objects.filter(assessment__isnull=False)
        .select_related(
            "signer",
            "assessment__program",
            "assessment__template",
            "assessment__fellow__user",
            "assessment__assessor__user",
        )
        .prefetch_related(_ratings_prefetch("assessment__"))
        .order_by("pk")
    )
    for signature in signatures.iterator(chunk_size=500):
        assessment = signature.assessment
        found = content_hash(assessment_content(assessment))
        if found != signature.content_hash:
            problems.append(SignatureProblem(signature, assessment, signature.content_hash, found))
        elif not assessment.is_locked:
            problems.append(
                SignatureProblem(
                    signature,
                    assessment,
                    signature.content_hash,
                    found,
                    reason=f"signed but now marked {assessment.get_status_display().lower()}",
                )
            )
    unsigned = (
        Assessment.objects.filter(status__in=Assessment.LOCKED_STATUSES, signatures__isnull=True)
        .select_related("program", "template", "fellow__user", "assessor__user")
        .prefetch_related(_ratings_prefetch())
        .order_by("pk")
    )
    for assessment in unsigned.iterator(chunk_size=500):
        found = content_hash(assessment_content(assessment))
        problems.append(
            SignatureProblem(
                None, assessment, "", found, reason="marked signed but has no signature"
            )
        )
    return problems
