"""Builders for confidential evaluations: forms with questions, collections with fellows
enrolled, and submitted answers. Windows are relative to the program's today."""

import datetime

import factory

from surveys.models import Collection, EvaluationForm, EvaluationQuestion, Subject
from surveys.services import collection_schedule, evaluation_submit
from tests.curriculum.factories import MembershipFactory, ProgramFactory
from tests.trainees.factories import AcademicYearFactory, CohortFactory, EnrolmentFactory

DAY = datetime.timedelta(days=1)


class EvaluationFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationForm

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Confidential evaluation form {n}")
    subject = Subject.PROGRAM


class EvaluationQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationQuestion

    form = factory.SubFactory(EvaluationFormFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Question {n}")
    kind = EvaluationQuestion.Kind.SCALE


def form_with_questions(program, subject=Subject.PROGRAM, name=None) -> EvaluationForm:
    """A form with two scale questions and one optional comment question."""
    form = EvaluationFormFactory(
        program=program, subject=subject, **({"name": name} if name else {})
    )
    EvaluationQuestionFactory(form=form, position=1, text="The program supports my learning")
    EvaluationQuestionFactory(form=form, position=2, text="Supervision is appropriate")
    EvaluationQuestionFactory(
        form=form, position=3, text="Comments", kind="comment", required=False
    )
    return form


def current_cohort(program):
    """A cohort whose academic year contains the program's today."""
    today = program.today()
    start = datetime.date(today.year if today.month >= 7 else today.year - 1, 7, 1)
    year = AcademicYearFactory(program=program, start_date=start)
    return CohortFactory(program=program, academic_year=year)


def enrol(cohort, user=None, **kwargs):
    """A fellow (new, or ``user``) enrolled in ``cohort``; returns the Membership."""
    if user is None:
        return EnrolmentFactory(cohort=cohort, **kwargs).membership
    from curriculum.models import Membership

    membership = Membership.objects.get(program=cohort.program, user=user, role="fellow")
    EnrolmentFactory(cohort=cohort, membership=membership, **kwargs)
    return membership


def open_collection(people, form=None, *, faculty=None, days=10) -> Collection:
    """A collection open today (window today-``days`` .. today+``days``), scheduled by the
    director: invitations for every fellow enrolled."""
    program = people.program
    form = form or form_with_questions(program)
    today = program.today()
    [collection] = collection_schedule(
        actor=people.director,
        form=form,
        opens_on=today - days * DAY,
        closes_on=today + days * DAY,
        faculty=faculty,
    )
    return collection


def answer(invitation, *levels, comment=""):
    """Submit ``levels`` for the form's scale questions in order, and ``comment``."""
    questions = list(invitation.collection.form.questions.order_by("position"))
    values, scale = {}, iter(levels)
    for question in questions:
        if question.is_scale:
            values[f"q_{question.pk}"] = next(scale)
        else:
            values[f"q_{question.pk}"] = comment
    evaluation_submit(actor=invitation.fellow.user, invitation=invitation, values=values)


def close(collection) -> None:
    """End the window yesterday (the test's shortcut past the closing date)."""
    today = collection.program.today()
    Collection.objects.filter(pk=collection.pk).update(
        opens_on=min(collection.opens_on, today - 2 * DAY), closes_on=today - DAY
    )
    collection.refresh_from_db()


__all__ = ["MembershipFactory"]
