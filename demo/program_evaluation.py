"""The demo program's program evaluation records: the Program Evaluation Committee (the
director, two faculty members and a fellow), last year's (2025-2026) review signed with three
action items (one done), this year's review open with the two unfinished items carried, and
the outcomes of three past graduates."""

import datetime

from curriculum.models import Membership
from program_evaluation.models import (
    ActionItem,
    AnnualProgramEvaluation,
    GraduateOutcome,
    ProgramEvaluationCommittee,
)
from program_evaluation.services import (
    action_item_create,
    action_item_update,
    committee_update,
    evaluation_open,
    evaluation_sign,
    evaluation_update,
    outcome_create,
)
from trainees.models import AcademicYear
from trainees.services.pathway import academic_year_create

from .people import DEMO_PASSWORD

Role = Membership.Role
LAST_YEAR_START = datetime.date(2025, 7, 1)
THIS_YEAR_START = datetime.date(2026, 7, 1)
COMMITTEE = ("director@demo.test", "faculty1@demo.test", "faculty2@demo.test", "fellow1@demo.test")
ACTION_ITEMS = [
    # title, description, owner email, due on, final status, note
    (
        "Move end-of-rotation evaluations to the last week of each block",
        "Send the request on the rotation's last Monday; measure median days to sign.",
        "faculty1@demo.test",
        datetime.date(2026, 3, 31),
        ActionItem.Status.DONE,
        "Requests now go out automatically; median days to sign fell from 19 to 6.",
    ),
    (
        "Add a cadaver course for neuromodulation",
        "Two half-day sessions with the anatomy department before the SCS trials start.",
        "faculty2@demo.test",
        datetime.date(2026, 10, 31),
        ActionItem.Status.IN_PROGRESS,
        "Anatomy department agreed; dates being set.",
    ),
    (
        "Raise confidential evaluation response rate above 80%",
        "Protected time at the end of didactics; reminders through the app.",
        "director@demo.test",
        datetime.date(2026, 12, 31),
        ActionItem.Status.OPEN,
        "",
    ),
]
GRADUATES = [
    (
        "Dr. Grace Kim",
        2024,
        GraduateOutcome.BoardExam.PASSED,
        2024,
        GraduateOutcome.Position.ACADEMIC,
    ),
    (
        "Dr. Omar Haddad",
        2025,
        GraduateOutcome.BoardExam.PASSED,
        2025,
        GraduateOutcome.Position.PRIVATE,
    ),
    (
        "Dr. Lena Fischer",
        2026,
        GraduateOutcome.BoardExam.NOT_TAKEN,
        None,
        GraduateOutcome.Position.HOSPITAL,
    ),
]


def _members(program) -> dict[str, Membership]:
    memberships = Membership.objects.filter(
        program=program, user__email__in=COMMITTEE, is_active=True
    ).select_related("user")
    return {m.user.email: m for m in memberships if m.role != Role.COORDINATOR}


def _year(program, start: datetime.date) -> AcademicYear:
    year = AcademicYear.objects.filter(program=program, start_date=start).first()
    return year or academic_year_create(actor=None, program=program, start_date=start)


def demo_program_evaluation_seed(*, program) -> None:
    """Idempotent: runs on every ``seed_demo``; adds what is missing."""
    members = _members(program)
    director = members.get("director@demo.test")
    if director is None or len(members) < len(COMMITTEE):
        return
    actor = director.user
    if not ProgramEvaluationCommittee.objects.filter(program=program).exists():
        committee_update(actor=actor, program=program, members=list(members.values()))
    last_year = _year(program, LAST_YEAR_START)
    last = AnnualProgramEvaluation.objects.filter(program=program, academic_year=last_year).first()
    if last is None:
        last, _ = evaluation_open(actor=actor, program=program, academic_year=last_year)
        for title, description, owner, due_on, status, note in ACTION_ITEMS:
            action_item_create(
                actor=actor,
                evaluation=last,
                title=title,
                description=description,
                owner=members[owner],
                due_on=due_on,
                status=status,
                status_note=note,
            )
        evaluation_update(
            actor=actor,
            evaluation=last,
            held_on=datetime.date(2026, 6, 18),
            members_present=list(members.values()),
            strengths="Broad procedural volume across fluoroscopic and ultrasound-guided "
            "techniques; every graduate so far passed the board exam on the first attempt.",
            weaknesses="Evaluations reached fellows weeks after each rotation; confidential "
            "evaluation response rate 62%.",
            notes="Fellow representative reported good access to faculty in clinic.",
        )
    if not last.is_signed:
        evaluation_sign(actor=actor, evaluation=last, password=DEMO_PASSWORD)
    this, created = evaluation_open(
        actor=actor, program=program, academic_year=_year(program, THIS_YEAR_START)
    )
    if created:
        carried = this.action_items.filter(carried_from__title=ACTION_ITEMS[1][0]).first()
        if carried is not None:
            action_item_update(
                actor=actor,
                item=carried,
                title=carried.title,
                description=carried.description,
                owner=carried.owner,
                owner_name="",
                due_on=datetime.date(2027, 2, 28),
                status=ActionItem.Status.IN_PROGRESS,
                status_note="First session held in November; second booked for February.",
            )
    if not GraduateOutcome.objects.filter(program=program).exists():
        for name, year, exam, exam_year, position in GRADUATES:
            outcome_create(
                actor=actor,
                program=program,
                graduate_name=name,
                graduation_year=year,
                fellow=None,
                board_exam=exam,
                board_exam_year=exam_year,
                first_position=position,
                notes="",
            )
