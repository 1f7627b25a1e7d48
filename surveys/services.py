"""Writing confidential evaluations: forms and questions, scheduling collections, inviting
fellows and taking their answers.

A submission (``evaluation_submit``) locks the fellow's invitation, refuses a second one,
stores a ``Response`` with its ``Answer`` rows (no link to the fellow, no time) and stamps the
invitation completed, in one transaction. Its audit event names the fellow and the collection,
never the response: nothing written links an answer to the person who gave it. Nothing here
logs.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from curriculum.models import Membership, Program, Rotation
from trainees.models import Enrolment, ScheduleBlock

from .models import (
    Answer,
    Collection,
    EvaluationForm,
    EvaluationQuestion,
    Invitation,
    Response,
    Subject,
)
from .permissions import can_build_forms, can_schedule

Role = Membership.Role
IN_USE = "This form is already used by a collection: its questions cannot change. Duplicate it."


def _require_builder(actor, program: Program) -> None:
    if not can_build_forms(actor, program):
        raise PermissionDenied("Only the program director builds confidential evaluation forms.")


def _require_scheduler(actor, program: Program) -> None:
    if not can_schedule(actor, program):
        raise PermissionDenied("Only the director or coordinator schedules evaluations.")


# --- Forms ---------------------------------------------------------------------------------


@transaction.atomic
def form_create(*, actor, program: Program, name: str, subject: str) -> EvaluationForm:
    _require_builder(actor, program)
    if EvaluationForm.objects.filter(program=program, name=name).exists():
        raise ValidationError({"name": "A form with this name already exists."})
    form = EvaluationForm(program=program, name=name, subject=subject)
    form.full_clean()
    form.save()
    audit_record(
        actor=actor,
        action="confidential_form.create",
        obj=form,
        changes={"name": [None, name], "subject": [None, subject]},
    )
    return form


@transaction.atomic
def form_set_active(*, actor, form: EvaluationForm, is_active: bool) -> EvaluationForm:
    _require_builder(actor, form.program)
    before = form.is_active
    form.is_active = is_active
    form.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor,
        action="confidential_form.update",
        obj=form,
        changes={"is_active": [before, is_active]},
    )
    return form


def form_in_use(form: EvaluationForm) -> bool:
    return form.collections.exists()


def _clean_labels(labels) -> list[str]:
    labels = [str(label).strip() for label in (labels or []) if str(label).strip()]
    if labels and len(labels) != 5:
        raise ValidationError(
            {"scale_labels": "Give five labels (lowest first), or none for the default scale."}
        )
    for label in labels:
        if len(label) > 60:
            raise ValidationError({"scale_labels": "Each label has at most 60 characters."})
    return labels


@transaction.atomic
def question_add(
    *,
    actor,
    form: EvaluationForm,
    text: str,
    kind: str,
    required: bool = True,
    scale_labels: list[str] | None = None,
) -> EvaluationQuestion:
    """A question at the end of the form (refused once a collection uses the form)."""
    form = EvaluationForm.objects.select_for_update().get(pk=form.pk)
    _require_builder(actor, form.program)
    if form_in_use(form):
        raise ValidationError(IN_USE)
    labels = _clean_labels(scale_labels) if kind == EvaluationQuestion.Kind.SCALE else []
    last = form.questions.order_by("-position").values_list("position", flat=True).first()
    question = EvaluationQuestion(
        form=form,
        position=(last or 0) + 1,
        text=text,
        kind=kind,
        required=required,
        scale_labels=labels,
    )
    question.full_clean()
    question.save()
    audit_record(
        actor=actor,
        action="confidential_form.question_add",
        obj=form,
        changes={"question": text, "kind": kind, "required": required},
    )
    return question


@transaction.atomic
def question_remove(*, actor, question: EvaluationQuestion) -> None:
    form = EvaluationForm.objects.select_for_update().get(pk=question.form_id)
    _require_builder(actor, form.program)
    if form_in_use(form):
        raise ValidationError(IN_USE)
    text = question.text
    question.delete()
    audit_record(
        actor=actor,
        action="confidential_form.question_remove",
        obj=form,
        changes={"question": text},
    )


@transaction.atomic
def form_duplicate(*, actor, form: EvaluationForm) -> EvaluationForm:
    """A copy of the form and its questions, not used by any collection, so it can change."""
    _require_builder(actor, form.program)
    base = f"{form.name} (copy)"
    name, number = base, 2
    taken = set(
        EvaluationForm.objects.filter(program=form.program, name__startswith=base).values_list(
            "name", flat=True
        )
    )
    while name in taken:
        name, number = f"{base} {number}", number + 1
    copy = EvaluationForm(program=form.program, name=name[:200], subject=form.subject)
    copy.full_clean()
    copy.save()
    EvaluationQuestion.objects.bulk_create(
        EvaluationQuestion(
            form=copy,
            position=question.position,
            text=question.text,
            kind=question.kind,
            required=question.required,
            scale_labels=question.scale_labels,
        )
        for question in form.questions.all()
    )
    audit_record(
        actor=actor,
        action="confidential_form.duplicate",
        obj=copy,
        changes={"from_form": form.pk, "name": [None, copy.name]},
    )
    return copy


# --- Collections and invitations ---------------------------------------------------------------


def _check_window(opens_on: datetime.date, closes_on: datetime.date) -> None:
    if closes_on < opens_on:
        raise ValidationError({"closes_on": "The window cannot close before it opens."})


def _fellows_in_window(program: Program, opens_on, closes_on):
    """Active fellows of the program enrolled at some point of the window (not withdrawn)."""
    enrolments = Enrolment.objects.filter(
        cohort__program=program,
        membership__role=Role.FELLOW,
        membership__is_active=True,
        membership__user__is_active=True,
        start_date__lte=closes_on,
        end_date__gte=opens_on,
    ).exclude(status=Enrolment.Status.WITHDRAWN)
    return Membership.objects.filter(pk__in=enrolments.values("membership_id")).select_related(
        "user"
    )


def invitations_sync(*, collection: Collection) -> int:
    """Create the invitations the collection calls for and does not have yet (idempotent).
    Program and faculty collections: every fellow enrolled in the window, open for the whole
    window. Rotation collections: each fellow's block of the rotation ending in the window,
    open from the block's end, due ``evaluation_due_days`` later, never after the window
    closes. Nobody is asked about themselves. Returns how many were created."""
    program = collection.program
    wanted: list[tuple[int, datetime.date, datetime.date]] = []
    if collection.subject == Subject.ROTATION:
        due_days = datetime.timedelta(days=program.evaluation_due_days)
        blocks = ScheduleBlock.objects.filter(
            rotation=collection.rotation,
            end_date__gte=collection.opens_on,
            end_date__lte=collection.closes_on,
            enrolment__membership__is_active=True,
            enrolment__membership__user__is_active=True,
        ).exclude(enrolment__status=Enrolment.Status.WITHDRAWN)
        for membership_id, end in blocks.values_list("enrolment__membership_id", "end_date"):
            wanted.append((membership_id, end, min(end + due_days, collection.closes_on)))
    else:
        fellows = _fellows_in_window(program, collection.opens_on, collection.closes_on)
        if collection.faculty_id:
            fellows = fellows.exclude(user_id=collection.faculty.user_id)
        for fellow_id in fellows.values_list("pk", flat=True):
            wanted.append((fellow_id, collection.opens_on, collection.closes_on))
    have = set(collection.invitations.values_list("fellow_id", "opens_on"))
    new = [
        Invitation(collection=collection, fellow_id=fellow_id, opens_on=opens, due_on=due)
        for fellow_id, opens, due in sorted(set(wanted))
        if (fellow_id, opens) not in have
    ]
    Invitation.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def open_collections_sync(*, today: datetime.date | None = None) -> int:
    """Nightly: invitations for every collection still open (a schedule block added after a
    rotation collection was scheduled, a fellow enrolled since). Idempotent; returns how many
    were created. ``today`` is each program's own date unless given (tests)."""
    created = 0
    collections = Collection.objects.select_related("program", "faculty", "rotation")
    for collection in collections.filter(closes_on__gte=today or timezone.now().date()):
        if collection.closes_on >= (today or collection.program.today()):
            created += invitations_sync(collection=collection)
    return created


def program_minimum_answers_update(*, actor, program: Program, minimum: int) -> Program:
    """The director sets how many answers a result needs before it shows (at least 3: below
    that an aggregate could point at who gave it). An unchanged save records nothing."""
    if not can_build_forms(actor, program):
        raise PermissionDenied("Only the program director changes this.")
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        before = program.confidential_minimum_answers
        if before != minimum:
            program.confidential_minimum_answers = minimum
            program.full_clean()
            program.save(update_fields=["confidential_minimum_answers", "updated_at"])
            audit_record(
                actor=actor,
                action="program.confidential_minimum_answers",
                obj=program,
                changes={"confidential_minimum_answers": [before, minimum]},
            )
    return program


def _check_form(form: EvaluationForm, subject: str) -> None:
    if not form.is_active:
        raise ValidationError({"form": "This form is not active."})
    if form.subject != subject:
        raise ValidationError({"form": "This form is for another kind of subject."})
    if not form.questions.exists():
        raise ValidationError({"form": "This form has no questions yet."})


def _create_collection(*, actor, form, opens_on, closes_on, faculty=None, rotation=None):
    subject = Subject.FACULTY if faculty else Subject.ROTATION if rotation else Subject.PROGRAM
    collection = Collection(
        program=form.program,
        form=form,
        subject=subject,
        faculty=faculty,
        rotation=rotation,
        opens_on=opens_on,
        closes_on=closes_on,
    )
    collection.full_clean()
    collection.save()
    invited = invitations_sync(collection=collection)
    audit_record(
        actor=actor,
        action="confidential_collection.schedule",
        obj=collection,
        changes={
            "form": form.pk,
            "subject": subject,
            "opens_on": opens_on,
            "closes_on": closes_on,
            "invited": invited,
        },
    )
    return collection


@transaction.atomic
def collection_schedule(
    *,
    actor,
    form: EvaluationForm,
    opens_on: datetime.date,
    closes_on: datetime.date,
    faculty: Membership | None = None,
    rotation: Rotation | None = None,
    every_faculty: bool = False,
) -> list[Collection]:
    """Schedule the form: for the program, for one faculty member (or, with
    ``every_faculty``, one collection for each active faculty member), or for a rotation.
    Returns the collections created."""
    program = form.program
    _require_scheduler(actor, program)
    _check_form(form, form.subject)
    _check_window(opens_on, closes_on)
    if form.subject == Subject.FACULTY:
        if every_faculty:
            people = list(
                Membership.objects.filter(
                    program=program, role=Role.FACULTY, is_active=True, user__is_active=True
                )
                .select_related("user")
                .order_by("user__full_name", "pk")
            )
            if not people:
                raise ValidationError({"faculty": "The program has no active faculty."})
        elif faculty is None:
            raise ValidationError({"faculty": "Choose a faculty member, or every faculty member."})
        else:
            people = [faculty]
        for person in people:
            if person.program_id != program.pk or person.role != Role.FACULTY:
                raise ValidationError({"faculty": "Choose a faculty member of this program."})
        return [
            _create_collection(
                actor=actor, form=form, opens_on=opens_on, closes_on=closes_on, faculty=person
            )
            for person in people
        ]
    if form.subject == Subject.ROTATION:
        if rotation is None or rotation.program_id != program.pk:
            raise ValidationError({"rotation": "Choose a rotation of this program."})
        return [
            _create_collection(
                actor=actor, form=form, opens_on=opens_on, closes_on=closes_on, rotation=rotation
            )
        ]
    return [_create_collection(actor=actor, form=form, opens_on=opens_on, closes_on=closes_on)]


# --- Answering -----------------------------------------------------------------------------


def invitation_is_open(invitation: Invitation, today: datetime.date) -> bool:
    collection = invitation.collection
    return (
        invitation.completed_at is None
        and invitation.opens_on <= today
        and today <= collection.closes_on
    )


def _answers(questions, values: dict) -> list[Answer]:
    errors, answers = {}, []
    for question in questions:
        key = f"q_{question.pk}"
        value = values.get(key)
        if question.is_scale:
            if value in (None, ""):
                if question.required:
                    errors[key] = "Choose one."
                continue
            try:
                level = int(value)
            except (TypeError, ValueError):
                level = 0
            if level not in (1, 2, 3, 4, 5):
                errors[key] = "Choose a level from 1 to 5."
                continue
            answers.append(Answer(question=question, level=level))
        else:
            text = str(value or "").strip()
            if not text:
                if question.required:
                    errors[key] = "Write a comment."
                continue
            answer = Answer(question=question, comment=text)
            try:
                answer.full_clean(exclude=["response"])
            except ValidationError as exc:
                errors[key] = exc.message_dict.get("comment", exc.messages)
                continue
            answers.append(answer)
    if errors:
        raise ValidationError(errors)
    return answers


@transaction.atomic
def evaluation_submit(*, actor, invitation: Invitation, values: dict) -> None:
    """Store the fellow's answers apart from them and mark the invitation completed.

    ``values`` maps ``q_<question id>`` to a level (scale) or a comment. Refused, with nothing
    saved, when the invitation is not the actor's, not open, or already completed.
    """
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("collection__form", "collection__program", "fellow__user")
        .get(pk=invitation.pk)
    )
    if locked.fellow.user_id != actor.pk:
        raise PermissionDenied("This is not your evaluation.")
    if locked.completed_at is not None:
        raise ValidationError("You have already submitted this evaluation.")
    collection = locked.collection
    if not invitation_is_open(locked, collection.program.today()):
        raise ValidationError("This evaluation is not open.")
    questions = list(collection.form.questions.order_by("position"))
    answers = _answers(questions, values)
    if not answers:
        raise ValidationError("Answer at least one question.")
    response = Response.objects.create(collection=collection)
    for answer in answers:
        answer.response = response
    Answer.objects.bulk_create(answers)
    locked.completed_at = timezone.now()
    locked.save(update_fields=["completed_at", "updated_at"])
    # Names the fellow (the actor) and the collection; never the response or what was said.
    audit_record(
        actor=actor,
        action="confidential_evaluation.complete",
        obj=locked,
        program=collection.program,
        changes={"collection": collection.pk, "completed": True},
    )
    invitation.completed_at = locked.completed_at


def pending_filter(today: datetime.date) -> Q:
    """Invitations open today and not completed (the reminders source uses the same rule)."""
    return Q(completed_at__isnull=True, opens_on__lte=today, collection__closes_on__gte=today)
