"""The portfolio's sections of the CCC packet (declared on ``PortfolioConfig.ccc_evidence``):
the learning plan agreed after the fellow's previous review with what was done, and the fellow's
scholarly activity to date with the period's new items marked. Plain JSON; fixed queries."""

from django.db.models import Q

from .models import LearningGoal, LearningPlan, ScholarlyActivity


def learning_plan_evidence(*, user, fellow, period) -> dict | None:
    """The latest plan whose review's period ended before this period starts. Two queries."""
    plan = (
        LearningPlan.objects.filter(fellow=fellow, ccc_review__period__ends_on__lt=period.starts_on)
        .select_related("ccc_review__period__academic_year", "mentor__user")
        .order_by("-ccc_review__period__ends_on", "-created_at")
        .first()
    )
    if plan is None:
        return None
    goals = LearningGoal.objects.filter(plan=plan).select_related("subcompetency")
    return {
        "follows": str(plan.ccc_review.period),
        "mentor": plan.mentor.user.display_name if plan.mentor else "",
        "fellow_acknowledged_on": _date(plan.fellow_acknowledged_at),
        "staff_acknowledged_on": _date(plan.staff_acknowledged_at),
        "goals": [
            {
                "subcompetency": goal.subcompetency.code,
                "subcompetency_title": goal.subcompetency.title,
                "goal": goal.goal,
                "actions": goal.actions,
                "due_on": goal.due_on.isoformat(),
                "status": goal.status,
                "status_label": goal.get_status_display(),
                "progress": goal.progress,
            }
            for goal in goals.order_by("order", "pk")
        ],
    }


def _date(moment) -> str:
    return moment.date().isoformat() if moment else ""


def scholarly_evidence(*, user, fellow, period) -> list[dict]:
    """Every activity the fellow recorded up to the period's end, newest first; ``new``: started
    or completed within the period. One query."""
    activities = ScholarlyActivity.objects.filter(fellow=fellow).filter(
        Q(started_on__lte=period.ends_on)
        | Q(completed_on__lte=period.ends_on)
        | Q(
            started_on__isnull=True, completed_on__isnull=True, created_at__date__lte=period.ends_on
        )
    )
    rows = []
    for activity in activities.order_by("-completed_on", "-started_on", "-pk"):
        dates = [day for day in (activity.started_on, activity.completed_on) if day]
        rows.append(
            {
                "kind": activity.get_kind_display(),
                "title": activity.title,
                "role": activity.get_role_display(),
                "venue": activity.venue,
                "status": activity.get_status_display(),
                "started_on": activity.started_on.isoformat() if activity.started_on else "",
                "completed_on": activity.completed_on.isoformat() if activity.completed_on else "",
                "pmid": activity.pmid,
                "aims": activity.aims,
                "new": any(period.starts_on <= day <= period.ends_on for day in dates),
            }
        )
    return rows
