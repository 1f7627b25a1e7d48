"""Fellows' confidential evaluations of faculty, rotations and the program: answers kept
apart from who gave them.

Users call these "confidential evaluations"; ``surveys`` is the app's internal name.

- ``EvaluationForm`` / ``EvaluationQuestion``: what the director asks (scales and comments).
- ``Collection``: one form about one subject (the program, a faculty member, a rotation) with
  a window.
- ``Invitation``: who is asked and whether they have completed (for reminders and rates). It
  says nothing about what they answered.
- ``Response`` / ``Answer``: what was answered, with no link to the fellow or the invitation and
  no time stamp (deliberately not ``TimeStampedModel``): a random UUID key, so neither a column
  nor the row order says who gave it or when.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.fields import ScreenedCharField, ScreenedTextField
from core.models import TimeStampedModel
from curriculum.models import Membership, Program, Rotation

SCALE_LEVELS = (1, 2, 3, 4, 5)
DEFAULT_SCALE_LABELS = (
    "Strongly disagree",
    "Disagree",
    "Neutral",
    "Agree",
    "Strongly agree",
)


class Subject(models.TextChoices):
    PROGRAM = "program", "The program"
    FACULTY = "faculty", "A faculty member"
    ROTATION = "rotation", "A rotation"


class EvaluationForm(TimeStampedModel):
    """A set of questions the director builds; once a collection uses it, it is fixed."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="confidential_forms"
    )
    name = ScreenedCharField(max_length=200)
    subject = models.CharField(max_length=20, choices=Subject.choices)
    is_active = models.BooleanField("Active", default=True)

    class Meta:
        ordering = ["program", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="surveys_form_unique_name"),
            models.CheckConstraint(
                condition=Q(subject__in=Subject.values), name="surveys_form_subject_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "surveys:form_detail", kwargs={"program_id": self.program_id, "survey_form_id": self.pk}
        )


class EvaluationQuestion(TimeStampedModel):
    """One question: a 1-5 scale (with the program's own labels or the default agreement
    scale) or a free-text comment."""

    class Kind(models.TextChoices):
        SCALE = "scale", "Scale (1-5)"
        COMMENT = "comment", "Comment"

    form = models.ForeignKey(EvaluationForm, on_delete=models.PROTECT, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = ScreenedCharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SCALE)
    scale_labels = models.JSONField(
        default=list,
        blank=True,
        help_text="Five labels, lowest first; empty for the default agreement scale.",
    )
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["form", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "position"], name="surveys_question_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["scale", "comment"]), name="surveys_question_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_scale(self) -> bool:
        return self.kind == self.Kind.SCALE

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.scale_labels) if len(self.scale_labels) == 5 else DEFAULT_SCALE_LABELS

    def choices(self) -> list[tuple[int, str]]:
        return [
            (level, f"{level} - {label}")
            for level, label in zip(SCALE_LEVELS, self.labels, strict=True)
        ]


class Collection(TimeStampedModel):
    """One form about one subject with a window. Rotation collections span the academic year:
    each fellow is invited when a block of that rotation ends."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="confidential_collections"
    )
    form = models.ForeignKey(EvaluationForm, on_delete=models.PROTECT, related_name="collections")
    subject = models.CharField(max_length=20, choices=Subject.choices)
    faculty = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="confidential_collections_about",
    )
    rotation = models.ForeignKey(
        Rotation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="confidential_collections",
    )
    opens_on = models.DateField()
    closes_on = models.DateField()

    class Meta:
        ordering = ["program", "-closes_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="surveys_collection_closes_after_opens",
            ),
            models.CheckConstraint(
                condition=Q(subject="program", faculty__isnull=True, rotation__isnull=True)
                | Q(subject="faculty", faculty__isnull=False, rotation__isnull=True)
                | Q(subject="rotation", faculty__isnull=True, rotation__isnull=False),
                name="surveys_collection_subject_matches",
            ),
        ]

    def __str__(self) -> str:
        window = f"{self.opens_on:%b %d, %Y} - {self.closes_on:%b %d, %Y}"
        return f"{self.form.name}: {self.subject_name} ({window})"

    def get_absolute_url(self) -> str:
        return reverse(
            "surveys:collection_results",
            kwargs={"program_id": self.program_id, "survey_collection_id": self.pk},
        )

    @property
    def subject_name(self) -> str:
        if self.subject == Subject.FACULTY:
            return self.faculty.user.display_name
        if self.subject == Subject.ROTATION:
            return self.rotation.name
        return self.program.name


class Invitation(TimeStampedModel):
    """A fellow asked to complete a collection: open from ``opens_on``, due ``due_on``;
    ``completed_at`` stamped by the submission. It is never linked to the response."""

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="invitations")
    fellow = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="confidential_invitations"
    )
    opens_on = models.DateField()
    due_on = models.DateField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "fellow", "opens_on"], name="surveys_invitation_unique"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("opens_on")),
                name="surveys_invitation_due_after_opens",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Confidential evaluation invitation of {self.fellow.user} "
            f"({self.collection.form.name})"
        )

    def get_absolute_url(self) -> str:
        return reverse(
            "surveys:evaluation_fill",
            kwargs={"program_id": self.collection.program_id, "survey_invitation_id": self.pk},
        )

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class Response(models.Model):
    """One fellow's answers to a collection, with no link to who gave them and no time stamp
    (deliberately not ``TimeStampedModel``): a random UUID key, so row order reveals nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="responses")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return "Confidential response"


class Answer(models.Model):
    """One answer of a response: a level for a scale question, a comment for a comment question
    (screened for patient identifiers). No time stamp, a random UUID key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        EvaluationQuestion, on_delete=models.PROTECT, related_name="answers"
    )
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = ScreenedTextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="surveys_answer_unique_question"
            ),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__gte=1, level__lte=5),
                name="surveys_answer_level_range",
            ),
        ]

    def __str__(self) -> str:
        return "Confidential answer"
