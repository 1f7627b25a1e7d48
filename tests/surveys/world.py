"""The surveys objects of one side of the permission matrix's world (tests/trust/world.py):
``side_ids`` creates them for one fellow and faculty member and returns their URL ids."""

import datetime

from surveys.models import Collection, Invitation, Subject
from tests.surveys.factories import EvaluationQuestionFactory, form_with_questions


def side_ids(people, fellow, faculty, shared: dict) -> dict:
    """URL keyword arguments (prefixed names, unique across apps) to the ids of this side's
    objects. ``fellow`` and ``faculty`` are Memberships; ``shared`` is tests/trust/world._shared."""
    program = people.program
    today = program.today()
    form = form_with_questions(program, subject=Subject.FACULTY)
    collection = Collection.objects.create(
        program=program,
        form=form,
        subject=Subject.FACULTY,
        faculty=faculty,
        opens_on=today - datetime.timedelta(days=5),
        closes_on=today + datetime.timedelta(days=5),
    )
    invitation = Invitation.objects.create(
        collection=collection,
        fellow=fellow,
        opens_on=collection.opens_on,
        due_on=collection.closes_on,
    )
    draft = form_with_questions(program)
    question = EvaluationQuestionFactory(form=draft, position=9)
    return {
        "survey_form_id": draft.pk,
        "survey_question_id": question.pk,
        "survey_collection_id": collection.pk,
        "survey_invitation_id": invitation.pk,
    }
