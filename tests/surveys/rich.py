"""Rows in every surveys table for the all-tables round trip
(tests/transfer/test_program_round_trip_all_tables.build_rich_program)."""

import datetime

from surveys.models import Answer, Collection, Invitation, Response, Subject
from tests.surveys.factories import form_with_questions


def build_rich_rows(people, built) -> None:
    """``people``: ProgramPeople; ``built``: tests.scenario's build (fellow, faculty, ccc, ...)."""
    program, fellow, faculty = people.program, built.fellow, built.faculty
    form = form_with_questions(program, subject=Subject.FACULTY, name="Faculty teaching")
    collection = Collection.objects.create(
        program=program,
        form=form,
        subject=Subject.FACULTY,
        faculty=faculty,
        opens_on=datetime.date(2026, 7, 1),
        closes_on=datetime.date(2026, 7, 31),
    )
    Invitation.objects.create(
        collection=collection,
        fellow=fellow,
        opens_on=collection.opens_on,
        due_on=collection.closes_on,
        completed_at=datetime.datetime(2026, 7, 20, 15, tzinfo=datetime.UTC),
    )
    response = Response.objects.create(collection=collection)
    scale, _, comment = form.questions.order_by("position")
    Answer.objects.create(response=response, question=scale, level=4)
    Answer.objects.create(response=response, question=comment, comment="Clear feedback")
