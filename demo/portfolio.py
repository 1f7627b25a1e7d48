"""The demo program's portfolio records: a learning plan per fellow after their latest CCC review
(fellows without a review are skipped: the demo's mid-year review has a packet for every
fellow), two or three goals each with one achieved, the plan agreed by both for fellow1; and
some scholarly activity (a QI project with its aim, a poster, a publication in progress)."""

import datetime

from assessments.models import CCCReview
from curriculum.models import Membership
from portfolio.models import LearningPlan, ScholarlyActivity
from portfolio.selectors import plan_review_subcompetencies
from portfolio.services import (
    goal_progress_update,
    plan_acknowledge,
    plan_create,
    plan_update,
    scholarly_create,
)

Role = Membership.Role
GOALS = [
    (
        "Perform lumbar medial branch blocks with fluoroscopy independently.",
        "Ten supervised procedures; review needle placement with faculty after each list.",
    ),
    (
        "Lead a goals-of-care conversation about opioid tapering.",
        "Two observed clinic visits; debrief with the psychologist.",
    ),
    (
        "Present a critical appraisal at journal club.",
        "Pick a trial on spinal cord stimulation; rehearse with the mentor.",
    ),
]
ACTIVITIES = {
    "fellow1@demo.test": [
        {
            "kind": ScholarlyActivity.Kind.QI,
            "title": "Naloxone co-prescribing for patients on high-dose opioids",
            "role": ScholarlyActivity.Role.LEAD,
            "status": ScholarlyActivity.Status.IN_PROGRESS,
            "started_on": datetime.date(2026, 9, 1),
            "aims": "Co-prescribe naloxone for 90% of clinic patients on 50 MME or more a day "
            "by the end of the academic year.",
        },
    ],
    "fellow2@demo.test": [
        {
            "kind": ScholarlyActivity.Kind.CONFERENCE,
            "title": "Genicular nerve radiofrequency ablation: one-year outcomes (poster)",
            "role": ScholarlyActivity.Role.PRESENTER,
            "venue": "ASRA Pain Medicine Annual Meeting",
            "status": ScholarlyActivity.Status.PRESENTED,
            "started_on": datetime.date(2026, 8, 1),
            "completed_on": datetime.date(2026, 11, 14),
        },
    ],
    "fellow3@demo.test": [
        {
            "kind": ScholarlyActivity.Kind.PEER_REVIEWED,
            "title": "Ultrasound-guided erector spinae plane block for rib fractures: a review",
            "role": ScholarlyActivity.Role.FIRST_AUTHOR,
            "venue": "Regional Anesthesia & Pain Medicine",
            "status": ScholarlyActivity.Status.IN_PROGRESS,
            "started_on": datetime.date(2026, 10, 1),
        },
    ],
}


def demo_portfolio_seed(*, program) -> None:
    """Idempotent: runs on every ``seed_demo``; adds what is missing."""
    director = (
        Membership.objects.filter(program=program, role=Role.DIRECTOR, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if director is None:
        return
    fellows = Membership.objects.filter(
        program=program, role=Role.FELLOW, is_active=True
    ).select_related("user")
    faculty = list(
        Membership.objects.filter(program=program, role=Role.FACULTY, is_active=True).order_by(
            "user__email"
        )
    )
    for index, fellow in enumerate(fellows.order_by("user__email")):
        _plan(program, director.user, fellow, faculty[index % len(faculty)] if faculty else None)
        for data in ACTIVITIES.get(fellow.user.email, []):
            if not ScholarlyActivity.objects.filter(fellow=fellow, title=data["title"]).exists():
                scholarly_create(actor=fellow.user, program=program, data=data)


def _plan(program, director, fellow, mentor) -> None:
    review = (
        CCCReview.objects.filter(fellow=fellow, period__program=program)
        .select_related("period")
        .order_by("-period__ends_on")
        .first()
    )
    if review is None or LearningPlan.objects.filter(ccc_review=review).exists():
        return  # no review yet (nothing to follow), or the plan is already there
    plan = plan_create(actor=director, review=review, mentor=mentor)
    subs = list(plan_review_subcompetencies(plan=plan)[:3])
    if not subs:
        return  # no milestones loaded: the director adds goals by hand
    count = 3 if fellow.user.email.endswith(("1@demo.test", "3@demo.test")) else 2
    due = review.period.ends_on + datetime.timedelta(days=120)
    rows = [
        {
            "id": None,
            "subcompetency": subs[index % len(subs)],
            "goal": goal,
            "actions": actions,
            "due_on": due,
            "status": "open",
            "delete": False,
        }
        for index, (goal, actions) in enumerate(GOALS[:count])
    ]
    plan = plan_update(actor=director, plan=plan, goals=rows)
    if fellow.user.email == "fellow1@demo.test":
        plan_acknowledge(actor=fellow.user, plan=plan)
        plan_acknowledge(actor=director, plan=plan)
    first = plan.goals.order_by("order", "pk").first()
    goal_progress_update(
        actor=fellow.user,
        goal=first,
        status="achieved",
        progress="Completed the supervised procedures; signed off by faculty.",
    )
