"""Scoped reads of learning plans and scholarly activity, and the summaries other apps show
(the fellow's home card, the annual program evaluation). Fixed numbers of queries."""

import datetime

from django.db.models import Count, Q, QuerySet

from assessments.selectors.unscoped import period_milestone_set
from curriculum.models import Membership, Program, Subcompetency

from .models import LearningGoal, LearningPlan, ScholarlyActivity
from .permissions import can_manage_plans, can_view_cohort_scholarly

Role = Membership.Role
Status = LearningGoal.Status


def _goal_counts(today: datetime.date) -> dict:
    return {
        "goal_count": Count("goals", distinct=True),
        "open_count": Count("goals", filter=Q(goals__status=Status.OPEN), distinct=True),
        "achieved_count": Count("goals", filter=Q(goals__status=Status.ACHIEVED), distinct=True),
        "overdue_count": Count(
            "goals",
            filter=Q(goals__status=Status.OPEN, goals__due_on__lt=today),
            distinct=True,
        ),
    }


def plan_list(*, user, program: Program) -> QuerySet[LearningPlan]:
    """The program's plans ``user`` may see: every plan for the director and coordinator, the
    plans they mentor for faculty, their own for a fellow."""
    plans = LearningPlan.objects.filter(program=program).select_related(
        "fellow__user",
        "mentor__user",
        "ccc_review__period__academic_year",
        "staff_acknowledged_by",
        "program",
    )
    if can_manage_plans(user, program):
        return plans
    if not user.is_authenticated:
        return plans.none()
    return plans.filter(
        Q(fellow__user=user, fellow__is_active=True, fellow__role=Role.FELLOW)
        | Q(mentor__user=user, mentor__is_active=True, mentor__role=Role.FACULTY)
    )


def plan_goals(*, plan: LearningPlan) -> list[LearningGoal]:
    """The goals of a plan already read through ``plan_list``."""
    return list(plan.goals.select_related("subcompetency").order_by("order", "pk"))


def goal_list(*, user, program: Program) -> QuerySet[LearningGoal]:
    return LearningGoal.objects.filter(
        plan__in=plan_list(user=user, program=program)
    ).select_related("plan__fellow", "plan__mentor", "plan__program", "subcompetency")


def plan_rows(*, user, program: Program) -> list[dict]:
    """For the plans page: staff get a row per active fellow (latest plan or none), a mentor a
    row per fellow they mentor. Two queries."""
    today = program.today()
    plans = list(
        plan_list(user=user, program=program)
        .annotate(**_goal_counts(today))
        .order_by("fellow_id", "-ccc_review__period__ends_on", "-created_at")
    )
    latest: dict[int, LearningPlan] = {}
    for plan in plans:
        latest.setdefault(plan.fellow_id, plan)
    if can_manage_plans(user, program):
        fellows = list(
            Membership.objects.filter(program=program, role=Role.FELLOW, is_active=True)
            .select_related("user")
            .order_by("user__full_name", "pk")
        )
    else:
        fellows = sorted(
            {plan.fellow_id: plan.fellow for plan in plans}.values(),
            key=lambda member: (member.user.full_name, member.pk),
        )
    return [{"fellow": fellow, "plan": latest.get(fellow.pk)} for fellow in fellows]


def plan_review_subcompetencies(*, plan: LearningPlan) -> QuerySet[Subcompetency]:
    """The subcompetencies a goal of ``plan`` may name: those of the review's milestone set (the
    set in force at the end of the review's period, as the packet uses)."""
    milestone_set = period_milestone_set(plan.ccc_review.period)
    return (
        Subcompetency.objects.filter(milestone_set=milestone_set)
        .select_related("competency")
        .order_by("competency__order", "order", "code")
    )


def current_plan(*, fellow: Membership) -> LearningPlan | None:
    """The fellow's latest plan (after their latest review). One query."""
    return (
        LearningPlan.objects.filter(fellow=fellow)
        .select_related(
            "mentor__user", "ccc_review__period__academic_year", "program", "fellow__user"
        )
        .order_by("-ccc_review__period__ends_on", "-created_at")
        .first()
    )


def home_plan_summary(fellow: Membership) -> dict | None:
    """For the fellow's home card: their current plan and its goal counts, or None. One query."""
    program = fellow.program
    plan = (
        LearningPlan.objects.filter(fellow=fellow)
        .select_related("ccc_review__period__academic_year")
        .annotate(**_goal_counts(program.today()))
        .order_by("-ccc_review__period__ends_on", "-created_at")
        .first()
    )
    if plan is None:
        return None
    return {
        "plan": plan,
        "url": plan.get_absolute_url(),
        "review": str(plan.ccc_review.period),
        "goals": plan.goal_count,
        "open": plan.open_count,
        "achieved": plan.achieved_count,
        "overdue": plan.overdue_count,
        "acknowledged": plan.is_acknowledged,
        "needs_my_acknowledgement": plan.fellow_acknowledged_at is None,
    }


# --- Scholarly activity -----------------------------------------------------------------------


def my_scholarly_list(*, user, program: Program) -> QuerySet[ScholarlyActivity]:
    """The signed-in fellow's own activities in ``program``."""
    if not user.is_authenticated:
        return ScholarlyActivity.objects.none()
    return ScholarlyActivity.objects.filter(
        program=program, fellow__user=user, fellow__role=Role.FELLOW, fellow__is_active=True
    ).select_related("fellow__user", "program")


def cohort_scholarly_list(
    *,
    user,
    program: Program,
    cohort=None,
    kind: str = "",
    status: str = "",
) -> QuerySet[ScholarlyActivity]:
    """Every fellow's activities, for the director and coordinator; filtered by cohort (a
    ``trainees.Cohort`` of the program), kind and status."""
    if not can_view_cohort_scholarly(user, program):
        return ScholarlyActivity.objects.none()
    activities = ScholarlyActivity.objects.filter(program=program).select_related("fellow__user")
    if cohort is not None:
        activities = activities.filter(fellow__enrolments__cohort=cohort).distinct()
    if kind:
        activities = activities.filter(kind=kind)
    if status:
        activities = activities.filter(status=status)
    return activities.order_by("fellow__user__full_name", "-completed_on", "-started_on", "-pk")


def _dated_within(start: datetime.date, end: datetime.date) -> Q:
    return Q(completed_on__range=(start, end)) | Q(started_on__range=(start, end))


def scholarly_summary(*, program: Program, start: datetime.date, end: datetime.date) -> dict:
    """The program's scholarly activity for the annual program evaluation: activities started or
    completed (presented, published) within ``[start, end]``. Two queries."""
    activities = list(
        ScholarlyActivity.objects.filter(_dated_within(start, end), program=program)
        .select_related("fellow__user")
        .order_by("fellow__user__full_name", "kind", "pk")
    )
    fellows = Membership.objects.filter(program=program, role=Role.FELLOW, is_active=True).count()
    labels = dict(ScholarlyActivity.Kind.choices)
    counts = {kind: 0 for kind in labels}
    for activity in activities:
        counts[activity.kind] += 1
    return {
        "by_kind": [
            {"kind": labels[kind], "count": count} for kind, count in counts.items() if count
        ],
        "fellows_with_activity": len({activity.fellow_id for activity in activities}),
        "fellows": fellows,
        "items": [
            {
                "fellow": activity.fellow.user.display_name,
                "kind": activity.get_kind_display(),
                "title": activity.title,
                "status": activity.get_status_display(),
                "date": activity.date,
            }
            for activity in activities
        ],
    }


def learning_plan_summary(*, program: Program, start: datetime.date, end: datetime.date) -> dict:
    """The plans made after reviews whose period ended within ``[start, end]``, for the annual
    program evaluation. Overdue: open goals due before ``end`` (or before today, if sooner).
    Two queries."""
    plans = LearningPlan.objects.filter(
        program=program, ccc_review__period__ends_on__range=(start, end)
    )
    plan_counts = plans.aggregate(
        plans=Count("pk"),
        acknowledged=Count(
            "pk",
            filter=Q(fellow_acknowledged_at__isnull=False, staff_acknowledged_at__isnull=False),
        ),
    )
    cutoff = min(end, program.today())
    goal_counts = LearningGoal.objects.filter(plan__in=plans).aggregate(
        goals=Count("pk"),
        achieved=Count("pk", filter=Q(status=Status.ACHIEVED)),
        overdue=Count("pk", filter=Q(status=Status.OPEN, due_on__lt=cutoff)),
    )
    return {**plan_counts, **goal_counts}
