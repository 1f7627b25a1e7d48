"""The summative evaluations (annual and final) of a fellow."""

from curriculum.models import Membership, Program

from ..models import SummativeEvaluation
from ..permissions import can_read_summatives

Role = Membership.Role


def _evaluations(fellow: Membership):
    return (
        SummativeEvaluation.objects.filter(fellow=fellow)
        .select_related("author", "academic_year", "amends")
        .prefetch_related("signatures__signer", "amendments")
    )


def summative_fellow_get(
    *, user, program: Program, membership_id: int, summative_id: int | None = None
):
    """``(fellow membership, evaluation or None)`` for the summative page, or ``None`` when
    ``user`` may not open it: the director and coordinator for any fellow of the program; the
    fellow for themself, and only once the evaluation is signed.

    The evaluation is ``summative_id`` (one of the fellow's: an annual one or an amendment),
    else the fellow's original final evaluation. An id that is not the fellow's is ``None``.
    """
    if not user.is_authenticated:
        return None
    fellow = (
        Membership.objects.filter(program=program, role=Role.FELLOW, pk=membership_id)
        .select_related("user")
        .first()
    )
    if fellow is None:
        return None
    evaluations = _evaluations(fellow)
    if summative_id is not None:
        evaluation = evaluations.filter(pk=summative_id).first()
        if evaluation is None:
            return None
    else:
        evaluation = evaluations.filter(
            kind=SummativeEvaluation.Kind.FINAL, amends__isnull=True
        ).first()
    if can_read_summatives(user, program):
        return fellow, evaluation
    is_self = fellow.user_id == user.pk and fellow.is_active
    if is_self and evaluation is not None and evaluation.is_signed:
        return fellow, evaluation
    return None


def summative_fellow_list(*, user, program: Program, fellow: Membership):
    """Every summative evaluation of ``fellow`` that ``user`` may read, oldest first: all of
    them for the director and coordinator, the signed ones for the fellow themself."""
    evaluations = SummativeEvaluation.objects.filter(program=program, fellow=fellow).select_related(
        "academic_year"
    )
    if can_read_summatives(user, program):
        return evaluations.order_by("created_at", "pk")
    if fellow.user_id == user.pk and fellow.is_active:
        return evaluations.filter(status=SummativeEvaluation.Status.SIGNED).order_by(
            "created_at", "pk"
        )
    return evaluations.none()
