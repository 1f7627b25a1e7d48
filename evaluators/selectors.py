"""Scoped reads: every function returns only what ``user`` may see."""

import datetime

from django.db.models import Prefetch, QuerySet

from accounts.models import invitation_token_hash as token_hash
from assessments.models import AssessmentTemplate
from curriculum.models import Membership, Program, Subcompetency
from curriculum.permissions import has_program_role

from .models import ExternalEvaluation, ExternalEvaluationRequest, ExternalRating
from .permissions import can_send_request, can_view_evidence, can_view_fellows_evidence

Role = Membership.Role


def external_request_list(*, user, program: Program) -> QuerySet[ExternalEvaluationRequest]:
    """The director sees every request of the program; a fellow sees the requests they sent."""
    if not user.is_authenticated:
        return ExternalEvaluationRequest.objects.none()
    queryset = ExternalEvaluationRequest.objects.filter(program=program)
    if has_program_role(user, program, [Role.DIRECTOR]):
        pass
    elif has_program_role(user, program, [Role.FELLOW]):
        queryset = queryset.filter(requested_by=user, fellow__user=user)
    else:
        return ExternalEvaluationRequest.objects.none()
    return queryset.select_related("fellow__user", "requested_by", "template").order_by(
        "-created_at", "-pk"
    )


def request_fellow_choices(*, user, program: Program) -> QuerySet[Membership]:
    """Whom ``user`` may ask about: every active fellow for the director, themself for a fellow."""
    fellows = Membership.objects.filter(program=program, role=Role.FELLOW, is_active=True)
    if has_program_role(user, program, [Role.DIRECTOR]):
        pass
    elif has_program_role(user, program, [Role.FELLOW]):
        fellows = fellows.filter(user=user)
    else:
        return Membership.objects.none()
    return fellows.select_related("user", "program").order_by("user__full_name", "user__email")


def multi_source_template_list(*, user, program: Program) -> QuerySet[AssessmentTemplate]:
    """The program's multi-source forms in use, for those who may send a request."""
    if not can_send_request(user, program):
        return AssessmentTemplate.objects.none()
    return AssessmentTemplate.objects.filter(
        program=program, kind=AssessmentTemplate.Kind.MULTI_SOURCE, is_active=True
    ).order_by("name")


def external_request_get_for_token(*, token: str) -> ExternalEvaluationRequest | None:
    """The request behind a link (public: the link itself is the credential), with what the
    evaluator's page shows."""
    return (
        ExternalEvaluationRequest.objects.select_related("program", "fellow__user", "template")
        .prefetch_related(
            Prefetch("template__subcompetencies", queryset=Subcompetency.objects.order_by("code"))
        )
        .filter(token_hash=token_hash(token))
        .first()
    )


def evidence_fellow_list(*, user, program: Program) -> QuerySet[Membership]:
    """The program's fellows whose multi-source evidence ``user`` may read per fellow:
    director, coordinator and faculty only (a fellow reads their own on "my" page)."""
    if not can_view_fellows_evidence(user, program):
        return Membership.objects.none()
    return (
        Membership.objects.filter(program=program, role=Role.FELLOW)
        .select_related("user", "program")
        .order_by("-is_active", "user__full_name", "user__email")
    )


def external_evaluations(
    *,
    user,
    fellow: Membership,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet[ExternalEvaluation]:
    """The fellow's multi-source evidence from evaluators without an account, newest first,
    submitted between ``start`` and ``end`` (program dates, inclusive) when given.

    Empty unless ``user`` is the fellow or the director, coordinator or faculty of the fellow's
    program. Evaluating it costs a fixed number of queries however many rows there are: the
    access check, the rows (with their request) and one for all their ratings.
    """
    if not can_view_evidence(user, fellow):
        return ExternalEvaluation.objects.none()
    queryset = ExternalEvaluation.objects.filter(fellow=fellow)
    if start is not None:
        queryset = queryset.filter(submitted_on__gte=start)
    if end is not None:
        queryset = queryset.filter(submitted_on__lte=end)
    ratings = ExternalRating.objects.select_related("subcompetency").order_by("subcompetency__code")
    return (
        queryset.select_related("request")
        .prefetch_related(Prefetch("ratings", queryset=ratings))
        .order_by("-submitted_at", "-pk")
    )
