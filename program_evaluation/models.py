"""The annual program evaluation held by the Program Evaluation Committee (PEC).

ACGME Common Program Requirements V.C.1.a: the program director appoints the PEC, which must be
composed of at least two program faculty members and should include at least one resident or
fellow (unless the program has none enrolled). The committee reviews the year's evidence once a
year, records strengths, areas for improvement and an action plan, and the next year's review
starts from the progress on last year's plan (``ActionItem.carried_from``).

A review is written as a draft and signed by the director; signing freezes the evidence and the
committee's decisions into ``snapshot`` (its SHA-256 in ``content_hash``, sealed with an HMAC in
``seal``), and from then on the page renders from the snapshot and nothing changes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.fields import ScreenedCharField, ScreenedTextField
from core.models import TimeStampedModel
from curriculum.models import Membership, Program
from trainees.models import AcademicYear


class ProgramEvaluationCommittee(TimeStampedModel):
    """The program's PEC: its named members (faculty, the director, at least one fellow)."""

    program = models.OneToOneField(Program, on_delete=models.PROTECT, related_name="pec")
    members = models.ManyToManyField(Membership, related_name="pec_committees", blank=True)

    class Meta:
        ordering = ["program"]

    def __str__(self) -> str:
        return f"Program Evaluation Committee of {self.program}"

    def get_absolute_url(self) -> str:
        return reverse("program_evaluation:committee", kwargs={"program_id": self.program_id})


class AnnualProgramEvaluation(TimeStampedModel):
    """One academic year's review of the program by its PEC."""

    SCREENING_EXEMPT = {
        "snapshot": "assembled by the app at signing from counts and screened fields",
        "content_hash": "a hex digest the app computes; never typed",
        "seal": "a hex digest the app computes; never typed",
    }

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="program_evaluations"
    )
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="program_evaluations"
    )
    held_on = models.DateField(null=True, blank=True, help_text="When the committee met.")
    members_present = models.ManyToManyField(
        Membership, related_name="program_evaluations_attended", blank=True
    )
    strengths = ScreenedTextField(blank=True)
    weaknesses = ScreenedTextField(blank=True, verbose_name="areas for improvement")
    notes = ScreenedTextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="program_evaluations_signed",
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signature_method = models.CharField(max_length=20, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    seal = models.CharField(max_length=64, blank=True)
    snapshot = models.JSONField(
        default=dict,
        blank=True,
        help_text="The evidence and the committee's record as signed (empty while a draft).",
    )

    class Meta:
        ordering = ["program", "-academic_year__start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "academic_year"], name="program_evaluation_one_per_year"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True)
                | Q(status="signed", signed_at__isnull=False, signed_by__isnull=False),
                name="program_evaluation_signed_has_time_and_signer",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "signed"]),
                name="program_evaluation_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Annual program evaluation {self.academic_year.label} of {self.program}"

    def get_absolute_url(self) -> str:
        return reverse(
            "program_evaluation:evaluation_detail",
            kwargs={"program_id": self.program_id, "pe_evaluation_id": self.pk},
        )

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED


class ActionItem(TimeStampedModel):
    """One item of the committee's action plan, with an owner and a due date."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    # Items still to do: these carry over into next year's review.
    CARRIED_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    evaluation = models.ForeignKey(
        AnnualProgramEvaluation, on_delete=models.PROTECT, related_name="action_items"
    )
    title = ScreenedCharField(max_length=200)
    description = ScreenedTextField(blank=True)
    owner = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pec_action_items",
        help_text="A member of the program who owns the item.",
    )
    owner_name = ScreenedCharField(
        max_length=200, blank=True, help_text="The owner's name when they are not a member."
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    status_note = ScreenedTextField(blank=True)
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_to",
        help_text="Last year's item this one continues.",
    )

    class Meta:
        ordering = ["evaluation", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "in_progress", "done", "dropped"]),
                name="program_evaluation_action_item_status_valid",
            ),
            models.UniqueConstraint(
                fields=["evaluation", "carried_from"],
                condition=Q(carried_from__isnull=False),
                name="program_evaluation_action_item_carried_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "program_evaluation:action_item_edit",
            kwargs={"program_id": self.evaluation.program_id, "pe_item_id": self.pk},
        )

    @property
    def owner_label(self) -> str:
        if self.owner_id:
            return self.owner.user.display_name
        return self.owner_name


class GraduateOutcome(TimeStampedModel):
    """What became of one graduate, entered by hand: board exam and first position."""

    class BoardExam(models.TextChoices):
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"
        NOT_TAKEN = "not_taken", "Not yet taken"
        UNKNOWN = "unknown", "Unknown"

    class Position(models.TextChoices):
        ACADEMIC = "academic", "Academic practice"
        PRIVATE = "private", "Private practice"
        HOSPITAL = "hospital", "Hospital employed"
        TRAINING = "training", "Further training"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Unknown"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="graduate_outcomes")
    graduation_year = models.PositiveSmallIntegerField()
    graduate_name = ScreenedCharField(max_length=200)
    fellow = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="graduate_outcomes",
        help_text="The graduate's fellow record in the app, when they have one.",
    )
    board_exam = models.CharField(
        max_length=20, choices=BoardExam.choices, default=BoardExam.UNKNOWN
    )
    board_exam_year = models.PositiveSmallIntegerField(null=True, blank=True)
    first_position = models.CharField(
        max_length=20, choices=Position.choices, default=Position.UNKNOWN
    )
    notes = ScreenedTextField(blank=True)

    class Meta:
        ordering = ["program", "-graduation_year", "graduate_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(board_exam__in=["passed", "failed", "not_taken", "unknown"]),
                name="program_evaluation_outcome_board_exam_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    first_position__in=[
                        "academic",
                        "private",
                        "hospital",
                        "training",
                        "other",
                        "unknown",
                    ]
                ),
                name="program_evaluation_outcome_position_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.graduate_name} ({self.graduation_year})"

    def get_absolute_url(self) -> str:
        return reverse(
            "program_evaluation:outcome_edit",
            kwargs={"program_id": self.program_id, "pe_outcome_id": self.pk},
        )
