"""The director's final summative evaluation of a fellow: written as a draft, then signed
(identity re-confirmed) and from then on read-only and shared with the fellow."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from curriculum.models import Membership

from ..models import Signature, SummativeEvaluation
from ..permissions import can_write_summative
from ..seals import confirm_identity
from .signatures.store import signature_add

NARRATIVE_MAX_LENGTH = 20000


def _check_fellow(actor, fellow: Membership) -> None:
    if fellow.role != Membership.Role.FELLOW:
        raise ValidationError("A summative evaluation is about a fellow.")
    if not can_write_summative(actor, fellow.program):
        raise PermissionDenied("Only the program director writes the final summative evaluation.")


def _lock(fellow: Membership) -> SummativeEvaluation | None:
    return (
        SummativeEvaluation.objects.select_for_update(of=("self",))
        .select_related("fellow__user", "program")
        .filter(fellow=fellow)
        .first()
    )


@transaction.atomic
def summative_save_draft(
    *, actor, fellow: Membership, narrative: str, practices_independently: bool | None
) -> SummativeEvaluation:
    """Create or update the draft (one evaluation per fellow). Refused once signed."""
    _check_fellow(actor, fellow)
    if len(narrative) > NARRATIVE_MAX_LENGTH:
        raise ValidationError(
            {"narrative": f"Keep the narrative to {NARRATIVE_MAX_LENGTH} characters or fewer."}
        )
    # Lock the fellow's row first so two first saves cannot both create an evaluation.
    Membership.objects.select_for_update().get(pk=fellow.pk)
    evaluation = _lock(fellow) or SummativeEvaluation(
        program_id=fellow.program_id, fellow=fellow, author=actor
    )
    if evaluation.is_signed:
        raise ValidationError("This evaluation is signed and can no longer be edited.")
    evaluation.author = actor
    evaluation.narrative = narrative.strip()
    evaluation.practices_independently = practices_independently
    # Undecided is allowed in a draft (the field is nullable but not ``blank``); signing needs it.
    evaluation.full_clean(exclude=["practices_independently"])
    evaluation.save()
    return evaluation


@transaction.atomic
def summative_sign(
    *,
    actor,
    evaluation: SummativeEvaluation,
    password: str | None = None,
    totp_code: str | None = None,
) -> Signature:
    """The director signs a complete draft; it becomes read-only and the fellow can read it."""
    evaluation = _lock(evaluation.fellow)
    _check_fellow(actor, evaluation.fellow)
    if evaluation.is_signed:
        raise ValidationError("This evaluation is already signed.")
    errors = {}
    if not evaluation.narrative.strip():
        errors["narrative"] = "Write the narrative before signing."
    if evaluation.practices_independently is None:
        errors["practices_independently"] = (
            "Say whether the fellow has shown they can practise independently before signing."
        )
    if errors:
        raise ValidationError(errors)
    method = confirm_identity(actor, password=password, totp_code=totp_code)
    evaluation.author = actor
    evaluation.status = SummativeEvaluation.Status.SIGNED
    evaluation.signed_at = timezone.now()
    evaluation.full_clean()
    evaluation.save(update_fields=["author", "status", "signed_at", "updated_at"])
    return signature_add(
        actor=actor,
        record=evaluation,
        method=method,
        status_before=SummativeEvaluation.Status.DRAFT,
    )
