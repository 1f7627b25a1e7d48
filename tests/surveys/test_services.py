"""Forms, scheduling, invitations and submission: every rule of surveys.services."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from surveys import services
from surveys.models import Answer, EvaluationQuestion, Invitation, Response, Subject
from tests.curriculum.factories import MembershipFactory, RotationFactory
from tests.surveys.factories import (
    DAY,
    answer,
    current_cohort,
    enrol,
    form_with_questions,
    open_collection,
)
from tests.trainees.factories import ScheduleBlockFactory

pytestmark = pytest.mark.django_db


def test_director_builds_a_form_and_coordinator_may_not(ours):
    form = services.form_create(
        actor=ours.director, program=ours.program, name="Program", subject=Subject.PROGRAM
    )
    question = services.question_add(
        actor=ours.director, form=form, text="Clear goals", kind="scale"
    )
    assert question.position == 1 and question.labels[0] == "Strongly disagree"
    custom = services.question_add(
        actor=ours.director,
        form=form,
        text="Workload",
        kind="scale",
        scale_labels=["Far too low", "Low", "Right", "High", "Far too high"],
    )
    assert custom.position == 2 and custom.labels[2] == "Right"
    with pytest.raises(PermissionDenied):
        services.form_create(
            actor=ours.coordinator, program=ours.program, name="X", subject=Subject.PROGRAM
        )
    with pytest.raises(ValidationError):
        services.question_add(
            actor=ours.director, form=form, text="Bad", kind="scale", scale_labels=["a", "b"]
        )
    with pytest.raises(ValidationError):
        services.form_create(
            actor=ours.director, program=ours.program, name="Program", subject=Subject.PROGRAM
        )


def test_form_in_use_is_fixed_and_duplicate_copies_questions(ours):
    cohort = current_cohort(ours.program)
    enrol(cohort, ours.fellow)
    collection = open_collection(ours)
    form = collection.form
    with pytest.raises(ValidationError, match="Duplicate"):
        services.question_add(actor=ours.director, form=form, text="New", kind="scale")
    with pytest.raises(ValidationError):
        services.question_remove(actor=ours.director, question=form.questions.first())
    copy = services.form_duplicate(actor=ours.director, form=form)
    assert copy.name.endswith("(copy)")
    assert list(copy.questions.values_list("text", flat=True)) == list(
        form.questions.values_list("text", flat=True)
    )
    services.question_remove(actor=ours.director, question=copy.questions.first())
    assert copy.questions.count() == 2
    again = services.form_duplicate(actor=ours.director, form=form)
    assert again.name.endswith("(copy) 2")


def test_program_collection_invites_every_enrolled_active_fellow(ours):
    cohort = current_cohort(ours.program)
    me = enrol(cohort, ours.fellow)
    other = enrol(cohort)
    gone = enrol(cohort, status="withdrawn")
    inactive = enrol(cohort)
    inactive.is_active = False
    inactive.save()
    collection = open_collection(ours)
    invited = set(collection.invitations.values_list("fellow_id", flat=True))
    assert invited == {me.pk, other.pk}
    assert gone.pk not in invited
    inv = collection.invitations.get(fellow=me)
    assert (inv.opens_on, inv.due_on) == (collection.opens_on, collection.closes_on)
    assert services.invitations_sync(collection=collection) == 0  # idempotent


def test_faculty_collection_for_every_faculty_member_never_asks_about_oneself(ours):
    cohort = current_cohort(ours.program)
    me = enrol(cohort, ours.fellow)
    # A person who is a fellow and also holds a faculty role is not asked about themselves.
    MembershipFactory(program=ours.program, user=ours.fellow, role="faculty")
    form = form_with_questions(ours.program, subject=Subject.FACULTY)
    today = ours.program.today()
    collections = services.collection_schedule(
        actor=ours.coordinator,
        form=form,
        opens_on=today,
        closes_on=today + 30 * DAY,
        every_faculty=True,
    )
    assert len(collections) == 2
    about_me = next(c for c in collections if c.faculty.user == ours.fellow)
    about_faculty = next(c for c in collections if c.faculty.user == ours.faculty)
    assert not about_me.invitations.exists()
    assert list(about_faculty.invitations.values_list("fellow_id", flat=True)) == [me.pk]
    with pytest.raises(ValidationError):
        services.collection_schedule(
            actor=ours.director, form=form, opens_on=today, closes_on=today + DAY
        )


def test_rotation_collection_invites_at_block_end_due_within_window(ours):
    ours.program.evaluation_due_days = 14
    ours.program.save()
    cohort = current_cohort(ours.program)
    year = cohort.academic_year
    me = enrol(cohort, ours.fellow)
    rotation = RotationFactory(program=ours.program)
    enrolment = me.enrolments.get()
    early = ScheduleBlockFactory(
        enrolment=enrolment,
        rotation=rotation,
        start_date=year.start_date,
        end_date=year.start_date + 27 * DAY,
    )
    late = ScheduleBlockFactory(
        enrolment=enrolment,
        rotation=rotation,
        start_date=year.end_date - 20 * DAY,
        end_date=year.end_date - 5 * DAY,
    )
    ScheduleBlockFactory(enrolment=enrolment, start_date=year.start_date, end_date=year.end_date)
    form = form_with_questions(ours.program, subject=Subject.ROTATION)
    [collection] = services.collection_schedule(
        actor=ours.director,
        form=form,
        opens_on=year.start_date,
        closes_on=year.end_date,
        rotation=rotation,
    )
    rows = list(collection.invitations.order_by("opens_on").values_list("opens_on", "due_on"))
    assert rows == [
        (early.end_date, early.end_date + 14 * DAY),
        (late.end_date, year.end_date),  # never after the window closes
    ]


def test_window_must_not_close_before_it_opens(ours):
    form = form_with_questions(ours.program)
    today = ours.program.today()
    with pytest.raises(ValidationError):
        services.collection_schedule(
            actor=ours.director, form=form, opens_on=today, closes_on=today - DAY
        )
    with pytest.raises(PermissionDenied):
        services.collection_schedule(actor=ours.faculty, form=form, opens_on=today, closes_on=today)


def test_submit_stores_answers_apart_and_stamps_completion(ours):
    cohort = current_cohort(ours.program)
    enrol(cohort, ours.fellow)
    collection = open_collection(ours)
    invitation = collection.invitations.get()
    answer(invitation, 4, 5, comment="Good teaching")
    invitation.refresh_from_db()
    assert invitation.completed_at is not None
    response = Response.objects.get()
    assert {f.name for f in Response._meta.concrete_fields} == {"id", "collection"}
    assert sorted(
        Answer.objects.filter(response=response).values_list("level", flat=True),
        key=lambda v: (v is None, v),
    ) == [4, 5, None]
    event = AuditEvent.objects.get(action="confidential_evaluation.complete")
    assert event.actor_id == ours.fellow.pk
    assert event.object_id == str(invitation.pk)
    assert str(response.pk) not in str(event.changes) + event.object_repr
    assert "Good teaching" not in str(event.changes) + event.object_repr


def test_second_submit_is_refused_and_saves_nothing(ours):
    cohort = current_cohort(ours.program)
    enrol(cohort, ours.fellow)
    invitation = open_collection(ours).invitations.get()
    answer(invitation, 3, 3)
    with pytest.raises(ValidationError, match="already submitted"):
        answer(Invitation.objects.get(pk=invitation.pk), 1, 1)
    assert Response.objects.count() == 1 and Answer.objects.count() == 2


def test_bad_answers_save_nothing(ours):
    cohort = current_cohort(ours.program)
    enrol(cohort, ours.fellow)
    invitation = open_collection(ours).invitations.get()
    questions = list(invitation.collection.form.questions.order_by("position"))
    with pytest.raises(ValidationError) as caught:
        services.evaluation_submit(
            actor=ours.fellow, invitation=invitation, values={f"q_{questions[0].pk}": 9}
        )
    assert set(caught.value.message_dict) == {f"q_{questions[0].pk}", f"q_{questions[1].pk}"}
    with pytest.raises(ValidationError):
        services.evaluation_submit(
            actor=ours.fellow,
            invitation=invitation,
            values={
                f"q_{questions[0].pk}": 3,
                f"q_{questions[1].pk}": 3,
                f"q_{questions[2].pk}": "Patient MRN 12345678 was seen",
            },
        )
    assert not Response.objects.exists() and not Answer.objects.exists()
    invitation.refresh_from_db()
    assert invitation.completed_at is None


def test_only_the_invited_fellow_may_submit_and_only_while_open(ours):
    cohort = current_cohort(ours.program)
    enrol(cohort, ours.fellow)
    invitation = open_collection(ours).invitations.get()
    with pytest.raises(PermissionDenied):
        services.evaluation_submit(actor=ours.director, invitation=invitation, values={})
    Invitation.objects.filter(pk=invitation.pk).update(
        opens_on=ours.program.today() + datetime.timedelta(days=1),
        due_on=ours.program.today() + datetime.timedelta(days=5),
    )
    with pytest.raises(ValidationError, match="not open"):
        answer(Invitation.objects.get(pk=invitation.pk), 3, 3)
    assert not Response.objects.exists()


def test_question_kind_check(ours):
    form = form_with_questions(ours.program)
    assert [q.kind for q in form.questions.order_by("position")] == [
        EvaluationQuestion.Kind.SCALE,
        EvaluationQuestion.Kind.SCALE,
        EvaluationQuestion.Kind.COMMENT,
    ]
