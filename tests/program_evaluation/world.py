"""The program_evaluation objects of one side of the permission matrix's world
(tests/trust/world.py): ``side_ids`` creates them and returns their URL ids."""

from program_evaluation.models import (
    ActionItem,
    AnnualProgramEvaluation,
    GraduateOutcome,
    ProgramEvaluationCommittee,
)


def side_ids(people, fellow, faculty, shared: dict) -> dict:
    """URL keyword arguments (prefixed names, unique across apps) to the ids of this side's
    objects. ``fellow`` and ``faculty`` are Memberships; ``shared`` is tests/trust/world._shared.

    The program's committee (one per program) gets this side's faculty member, so the faculty
    of ``ours`` read the reviews as committee members; the review of the shared academic year is
    one per program too, so both sides of a program name the same review."""
    program = people.program
    committee, _ = ProgramEvaluationCommittee.objects.get_or_create(program=program)
    committee.members.add(faculty, fellow)
    evaluation, _ = AnnualProgramEvaluation.objects.get_or_create(
        program=program, academic_year=shared["cohort"].academic_year
    )
    item = ActionItem.objects.create(evaluation=evaluation, title="Earlier feedback", owner=faculty)
    outcome = GraduateOutcome.objects.create(
        program=program, graduation_year=2026, graduate_name="Avery Quinn", board_exam="passed"
    )
    return {
        "pe_evaluation_id": evaluation.pk,
        "pe_item_id": item.pk,
        "pe_outcome_id": outcome.pk,
    }
