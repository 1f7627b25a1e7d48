"""Scoped reads of the annual program evaluation (see permissions.py for who sees what)."""

from django.db.models import Prefetch, QuerySet

from curriculum.models import Membership, Program
from trainees.models import AcademicYear

from .models import ActionItem, AnnualProgramEvaluation, GraduateOutcome, ProgramEvaluationCommittee
from .permissions import can_manage_outcomes, can_view_evaluations, can_write_evaluations


def committee_get(*, user, program: Program) -> ProgramEvaluationCommittee | None:
    """The program's committee with its members, for those who read the evaluations."""
    if not can_view_evaluations(user, program):
        return None
    members = Membership.objects.select_related("user").order_by("role", "user__full_name")
    return (
        ProgramEvaluationCommittee.objects.filter(program=program)
        .prefetch_related(Prefetch("members", queryset=members))
        .first()
    )


def committee_candidates(*, user, program: Program) -> QuerySet[Membership]:
    """Active members of the program the director may name to the committee."""
    if not can_write_evaluations(user, program):
        return Membership.objects.none()
    return (
        Membership.objects.filter(program=program, is_active=True)
        .select_related("user")
        .order_by("role", "user__full_name", "user__email")
    )


def evaluation_list(*, user, program: Program) -> QuerySet[AnnualProgramEvaluation]:
    if not can_view_evaluations(user, program):
        return AnnualProgramEvaluation.objects.none()
    return (
        AnnualProgramEvaluation.objects.filter(program=program)
        .select_related("academic_year", "signed_by", "program")
        .order_by("-academic_year__start_date")
    )


def action_item_list(*, user, program: Program) -> QuerySet[ActionItem]:
    if not can_view_evaluations(user, program):
        return ActionItem.objects.none()
    return ActionItem.objects.filter(evaluation__program=program).select_related(
        "evaluation__academic_year", "evaluation__program", "owner__user"
    )


def year_list(*, user, program: Program) -> QuerySet[AcademicYear]:
    """The program's academic years, for the director opening a review."""
    if not can_write_evaluations(user, program):
        return AcademicYear.objects.none()
    return AcademicYear.objects.filter(program=program).order_by("-start_date")


def outcome_list(*, user, program: Program) -> QuerySet[GraduateOutcome]:
    if not can_manage_outcomes(user, program):
        return GraduateOutcome.objects.none()
    return GraduateOutcome.objects.filter(program=program).select_related("fellow__user")


def previous_evaluation(evaluation: AnnualProgramEvaluation) -> AnnualProgramEvaluation | None:
    """The program's review of the latest year before this one (unscoped: same program)."""
    return (
        AnnualProgramEvaluation.objects.filter(
            program_id=evaluation.program_id,
            academic_year__start_date__lt=evaluation.academic_year.start_date,
        )
        .select_related("academic_year")
        .order_by("-academic_year__start_date")
        .first()
    )


def _item_row(item: ActionItem, now: ActionItem | None = None) -> dict:
    row = {
        "id": item.pk,
        "title": item.title,
        "description": item.description,
        "owner": item.owner_label,
        "due_on": item.due_on.isoformat() if item.due_on else None,
        "status": item.status,
        "status_label": item.get_status_display(),
        "status_note": item.status_note,
        "carried_from": item.carried_from_id,
    }
    if now is not None:
        row["now_status_label"] = now.get_status_display()
        row["now_status_note"] = now.status_note
    return row


def evaluation_record(evaluation: AnnualProgramEvaluation) -> dict:
    """The committee's record, JSON-safe: meeting, members present, strengths, areas for
    improvement, notes, the action plan, and last year's plan with each item's final status
    (and, for an item carried into this review, where it stands now). Five queries."""
    items = list(evaluation.action_items.select_related("owner__user").order_by("due_on", "pk"))
    present = evaluation.members_present.select_related("user").order_by("user__full_name")
    previous = previous_evaluation(evaluation)
    last_year = []
    if previous is not None:
        carried = {item.carried_from_id: item for item in items if item.carried_from_id}
        for item in previous.action_items.select_related("owner__user").order_by("due_on", "pk"):
            last_year.append(_item_row(item, now=carried.get(item.pk)))
    return {
        "held_on": evaluation.held_on.isoformat() if evaluation.held_on else None,
        "present": [{"name": m.user.display_name, "role": m.get_role_display()} for m in present],
        "strengths": evaluation.strengths,
        "weaknesses": evaluation.weaknesses,
        "notes": evaluation.notes,
        "action_items": [_item_row(item) for item in items],
        "previous_year": previous.academic_year.label if previous else None,
        "previous_items": last_year,
    }
