"""Model rules: what a response may hold, constraints, labels and links."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from surveys.models import (
    DEFAULT_SCALE_LABELS,
    Answer,
    Collection,
    EvaluationQuestion,
    Invitation,
    Response,
    Subject,
)
from tests.surveys.factories import EvaluationQuestionFactory, form_with_questions

pytestmark = pytest.mark.django_db
D = datetime.date


def test_response_and_answer_hold_nothing_that_points_at_a_fellow_or_a_time():
    assert {f.name for f in Response._meta.concrete_fields} == {"id", "collection"}
    assert {f.name for f in Answer._meta.concrete_fields} == {
        "id",
        "response",
        "question",
        "level",
        "comment",
    }
    for model in (Response, Answer):
        assert model._meta.pk.get_internal_type() == "UUIDField"
        assert not any(
            f.get_internal_type() in ("DateTimeField", "DateField")
            for f in model._meta.concrete_fields
        )


def test_question_labels_default_and_custom(ours):
    question = EvaluationQuestionFactory(form=form_with_questions(ours.program), position=7)
    assert question.labels == DEFAULT_SCALE_LABELS
    assert question.choices()[0] == (1, "1 - Strongly disagree")
    question.scale_labels = ["Never", "Rarely", "Sometimes", "Often", "Always"]
    assert question.choices()[4] == (5, "5 - Always")
    assert str(question) == question.text


def test_collection_subject_must_match_its_target(ours):
    form = form_with_questions(ours.program)
    with pytest.raises(IntegrityError), transaction.atomic():
        Collection.objects.create(
            program=ours.program,
            form=form,
            subject=Subject.FACULTY,
            opens_on=D(2026, 7, 1),
            closes_on=D(2026, 7, 2),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Collection.objects.create(
            program=ours.program,
            form=form,
            subject=Subject.PROGRAM,
            opens_on=D(2026, 7, 2),
            closes_on=D(2026, 7, 1),
        )
    collection = Collection.objects.create(
        program=ours.program,
        form=form,
        subject=Subject.PROGRAM,
        opens_on=D(2026, 7, 1),
        closes_on=D(2026, 7, 31),
    )
    assert collection.subject_name == ours.program.name
    assert str(collection).startswith(form.name)
    assert collection.get_absolute_url().endswith(f"/collections/{collection.pk}/")


def test_answer_level_range_and_one_answer_per_question(ours):
    form = form_with_questions(ours.program)
    collection = Collection.objects.create(
        program=ours.program,
        form=form,
        subject=Subject.PROGRAM,
        opens_on=D(2026, 7, 1),
        closes_on=D(2026, 7, 31),
    )
    response = Response.objects.create(collection=collection)
    question = form.questions.filter(kind=EvaluationQuestion.Kind.SCALE).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question=question, level=6)
    Answer.objects.create(response=response, question=question, level=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question=question, level=4)


def test_invitation_links_to_its_fill_page(ours):
    from curriculum.models import Membership

    form = form_with_questions(ours.program)
    collection = Collection.objects.create(
        program=ours.program,
        form=form,
        subject=Subject.PROGRAM,
        opens_on=D(2026, 7, 1),
        closes_on=D(2026, 7, 31),
    )
    fellow = Membership.objects.get(program=ours.program, user=ours.fellow)
    invitation = Invitation.objects.create(
        collection=collection, fellow=fellow, opens_on=D(2026, 7, 1), due_on=D(2026, 7, 15)
    )
    assert invitation.get_absolute_url().endswith(f"/mine/{invitation.pk}/")
    assert not invitation.is_completed
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            collection=collection, fellow=fellow, opens_on=D(2026, 7, 1), due_on=D(2026, 7, 15)
        )
