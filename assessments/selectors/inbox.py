"""Assessments a user may open or fill, a fellow's own requests, and the staff list."""

import datetime

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

from ..models import Assessment
from ..permissions import can_see_all_assessments

Role = Membership.Role
RELATED = (
    "program",
    "template",
    "fellow__user",
    "assessor__user",
    "procedure_entry",
    "schedule_block",
)


def _with_people(queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
    return queryset.select_related(*RELATED)


def assessor_choice_list(*, user, program: Program) -> QuerySet[Membership]:
    """Active faculty and director of the program a fellow may ask, never the fellow themself."""
    if not has_program_role(user, program, [Role.FELLOW]):
        return Membership.objects.none()
    return (
        Membership.objects.filter(
            program=program, role__in=Membership.TEACHING_ROLES, is_active=True
        )
        .exclude(user=user)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def visible_assessments(*, user, program: Program) -> QuerySet[Assessment]:
    """The assessments ``user`` may open: the assessor's; the fellow's once signed (never a draft
    about them); all of the program's for the director and coordinator. Never another fellow's."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    queryset = Assessment.objects.filter(program=program)
    if not can_see_all_assessments(user, program):
        queryset = queryset.filter(
            Q(assessor__user=user) | Q(fellow__user=user, status__in=Assessment.LOCKED_STATUSES)
        )
    return _with_people(queryset)


def fillable_assessments(*, user, program: Program) -> QuerySet[Assessment]:
    """Assessments of the program whose named (and still active) assessor is ``user``."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    return _with_people(
        Assessment.objects.filter(program=program, assessor__user=user, assessor__is_active=True)
    )


def assessments_to_fill(*, user, program: Program) -> QuerySet[Assessment]:
    """The user's open (draft or returned) assessments as assessor, oldest due first."""
    return (
        fillable_assessments(user=user, program=program)
        .filter(status__in=Assessment.OPEN_STATUSES)
        # Undated ones last on every database (SQLite would put NULL first).
        .order_by(F("due_date").asc(nulls_last=True), "observed_on", "pk")
    )


CLOSED_SHOWN_DAYS = 30


def my_assessments(*, user, program: Program) -> dict[str, QuerySet[Assessment]]:
    """A fellow's own page: ``received`` (signed or acknowledged assessments about them, newest
    first), ``requests`` (their open requests to others, with status) and ``closed`` (requests
    declined or expired in the last ``CLOSED_SHOWN_DAYS`` days, with the reason)."""
    mine = Assessment.objects.filter(
        program=program, fellow__user=user, fellow__is_active=True, fellow__role=Role.FELLOW
    )
    if not user.is_authenticated or not has_program_role(user, program, [Role.FELLOW]):
        mine = Assessment.objects.none()
    return {
        "received": _with_people(mine.filter(status__in=Assessment.LOCKED_STATUSES)).order_by(
            "-signed_at", "-pk"
        ),
        "requests": _with_people(mine.filter(status__in=Assessment.OPEN_STATUSES)).order_by(
            "-observed_on", "-pk"
        ),
        "closed": _with_people(
            mine.filter(
                status__in=Assessment.CLOSED_STATUSES,
                closed_at__gte=timezone.now() - datetime.timedelta(days=CLOSED_SHOWN_DAYS),
            )
        ).order_by("-closed_at", "-pk"),
    }


OPEN_FILTER = "open"


def assessment_list_for_staff(
    *, user, program: Program, status: str = "", fellow_id: int | None = None
) -> QuerySet[Assessment]:
    """All assessments of the program for its director and coordinator, optionally filtered;
    ``status`` may be ``OPEN_FILTER``: drafts and returned ones, what assessors still owe."""
    if not can_see_all_assessments(user, program):
        return Assessment.objects.none()
    queryset = Assessment.objects.filter(program=program)
    if status == OPEN_FILTER:
        queryset = queryset.filter(status__in=Assessment.OPEN_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    if fellow_id:
        queryset = queryset.filter(fellow_id=fellow_id)
    return _with_people(queryset).order_by("-observed_on", "-pk")


def fellow_choice_list(*, user, program: Program) -> QuerySet[Membership]:
    """The program's fellows, for the staff filter."""
    if not can_see_all_assessments(user, program):
        return Membership.objects.none()
    return (
        Membership.objects.filter(program=program, role=Role.FELLOW)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def recent_entry_list(*, user, program: Program):
    """The fellow's own last 20 procedure entries, to link an observation to."""
    from procedures.models import ProcedureLogEntry

    latest = ProcedureLogEntry.objects.filter(
        program=program, fellow__user=user, fellow__role=Role.FELLOW, fellow__is_active=True
    ).order_by("-performed_on", "-pk")[:20]
    # Filtered by id (not sliced) so a form field can still look a choice up.
    return (
        ProcedureLogEntry.objects.filter(pk__in=latest.values("pk"))
        .select_related("procedure_type")
        .order_by("-performed_on", "-pk")
    )
