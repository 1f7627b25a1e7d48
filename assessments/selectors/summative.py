"""The final summative evaluation."""

from curriculum.models import Membership, Program

from ..models import SummativeEvaluation
from ..permissions import can_read_summatives

Role = Membership.Role


def summative_fellow_get(*, user, program: Program, membership_id: int):
    """``(fellow membership, evaluation or None)`` for the summative page, or ``None`` when
    ``user`` may not open it: the director and coordinator for any fellow of the program; the
    fellow for themself, and only once the evaluation is signed."""
    if not user.is_authenticated:
        return None
    fellow = (
        Membership.objects.filter(program=program, role=Role.FELLOW, pk=membership_id)
        .select_related("user")
        .first()
    )
    if fellow is None:
        return None
    evaluation = (
        SummativeEvaluation.objects.filter(fellow=fellow)
        .select_related("author")
        .prefetch_related("signatures__signer")
        .first()
    )
    if can_read_summatives(user, program):
        return fellow, evaluation
    is_self = fellow.user_id == user.pk and fellow.is_active
    if is_self and evaluation is not None and evaluation.is_signed:
        return fellow, evaluation
    return None
