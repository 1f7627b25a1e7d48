"""Rows in every program_evaluation table for the all-tables round trip
(tests/transfer/test_program_round_trip_all_tables.build_rich_program)."""

import datetime

from django.utils import timezone

from curriculum.models import Membership
from program_evaluation.models import (
    ActionItem,
    AnnualProgramEvaluation,
    GraduateOutcome,
    ProgramEvaluationCommittee,
)
from trainees.models import AcademicYear


def build_rich_rows(people, built) -> None:
    """``people``: ProgramPeople; ``built``: tests.scenario's build (fellow, faculty, ccc, ...)."""
    program = people.program
    director = Membership.objects.get(
        program=program, user=people.director, role=Membership.Role.DIRECTOR
    )
    committee = ProgramEvaluationCommittee.objects.create(program=program)
    committee.members.add(director, built.faculty, built.fellow)
    years = [
        AcademicYear.objects.create(
            program=program,
            start_date=datetime.date(start, 7, 1),
            end_date=datetime.date(start + 1, 6, 30),
        )
        for start in (2019, 2020)
    ]
    signed = AnnualProgramEvaluation.objects.create(
        program=program,
        academic_year=years[0],
        held_on=datetime.date(2020, 6, 1),
        strengths="Broad case mix.",
        weaknesses="Feedback arrives late.",
        status=AnnualProgramEvaluation.Status.SIGNED,
        signed_by=people.director,
        signed_at=timezone.now(),
        signature_method="password",
        content_hash="a" * 64,
        seal="b" * 64,
        snapshot={"version": 1, "evidence": {"fellows": 1}, "record": {}},
    )
    signed.members_present.add(director, built.faculty)
    first = ActionItem.objects.create(
        evaluation=signed, title="Earlier feedback", owner=built.faculty, due_on=years[0].end_date
    )
    draft = AnnualProgramEvaluation.objects.create(program=program, academic_year=years[1])
    ActionItem.objects.create(
        evaluation=draft,
        title=first.title,
        owner_name="Program leadership",
        status=ActionItem.Status.IN_PROGRESS,
        carried_from=first,
    )
    GraduateOutcome.objects.create(
        program=program,
        graduation_year=2020,
        graduate_name="Avery Quinn",
        fellow=built.fellow,
        board_exam=GraduateOutcome.BoardExam.PASSED,
        board_exam_year=2020,
        first_position=GraduateOutcome.Position.ACADEMIC,
    )
