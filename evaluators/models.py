"""Evaluations by people without an account: nurses, therapists, psychologists, surgeons,
outside faculty, peers and patients.

A request carries a random link secret; only its SHA-256 is stored (the same approach, and the
same helper, as roster invitations), so a copy of the database cannot be used to answer. A link
is single-use (one ``ExternalEvaluation`` per request, enforced by the database), expires and can
be revoked.

Patients: a patient request keeps no name and no address. If the sender types the patient's
email address it is used once to send the link and never saved; the sender is also shown the
link and a QR code to hand over. The patient's free text is screened for identifiers.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from assessments.models import LEVELS
from core.fields import ScreenedTextField
from core.models import TimeStampedModel

REQUEST_TTL = timedelta(days=14)


class EvaluatorRole(models.TextChoices):
    NURSE = "nurse", "Nurse"
    PHYSICAL_THERAPIST = "physical_therapist", "Physical therapist"
    PSYCHOLOGIST = "psychologist", "Psychologist"
    SURGEON = "surgeon", "Surgeon"
    OUTSIDE_FACULTY = "outside_faculty", "Outside faculty member"
    PEER = "peer", "Peer"
    PATIENT = "patient", "Patient"


class ExternalEvaluationRequest(TimeStampedModel):
    """An emailed (or handed-over) link asking someone without an account to evaluate a fellow."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "evaluator_name": "the evaluating colleague's name, by design",
        "token_hash": "a hash the app computes",
    }

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        USED = "used", "Answered"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    program = models.ForeignKey(
        "curriculum.Program", on_delete=models.PROTECT, related_name="external_requests"
    )
    fellow = models.ForeignKey(
        "curriculum.Membership", on_delete=models.PROTECT, related_name="external_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="external_requests_sent"
    )
    evaluator_role = models.CharField(max_length=30, choices=EvaluatorRole.choices)
    evaluator_name = models.CharField(max_length=150, blank=True)
    evaluator_email = models.EmailField(blank=True)
    template = models.ForeignKey(
        "assessments.AssessmentTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="external_requests",
        help_text="The multi-source form; empty for a patient (they get the plain-language form).",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(evaluator_role__in=EvaluatorRole.values),
                name="evaluators_request_role_valid",
            ),
            # A patient request stores nothing that could identify the patient.
            models.CheckConstraint(
                condition=~Q(evaluator_role="patient")
                | Q(evaluator_name="", evaluator_email="", template__isnull=True),
                name="evaluators_request_patient_anonymous",
            ),
            models.CheckConstraint(
                condition=Q(evaluator_role="patient")
                | (Q(template__isnull=False) & ~Q(evaluator_email="")),
                name="evaluators_request_professional_has_form_and_email",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="evaluators_request_not_used_and_revoked",
            ),
        ]
        indexes = [models.Index(fields=["program", "fellow", "used_at"])]

    def __str__(self) -> str:
        return f"{self.get_evaluator_role_display()} evaluation of {self.fellow.user}"

    @property
    def is_patient(self) -> bool:
        return self.evaluator_role == EvaluatorRole.PATIENT

    @property
    def status(self) -> str:
        if self.used_at is not None:
            return self.Status.USED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def evaluator_label(self) -> str:
        """Who was asked, as the staff see it (a patient is never named)."""
        role = self.get_evaluator_role_display()
        return f"{self.evaluator_name} ({role})" if self.evaluator_name else role


class ExternalEvaluation(TimeStampedModel):
    """The answer to one request. One per request: the database refuses a second."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "patient_answers": "yes/no answers to fixed questions",
    }

    request = models.OneToOneField(
        ExternalEvaluationRequest, on_delete=models.PROTECT, related_name="evaluation"
    )
    program = models.ForeignKey(
        "curriculum.Program", on_delete=models.PROTECT, related_name="external_evaluations"
    )
    fellow = models.ForeignKey(
        "curriculum.Membership", on_delete=models.PROTECT, related_name="external_evaluations"
    )
    evaluator_role = models.CharField(max_length=30, choices=EvaluatorRole.choices)
    narrative = ScreenedTextField(blank=True)
    patient_answers = models.JSONField(
        default=dict,
        blank=True,
        help_text="A patient's answers to the plain-language questions: question key to 1-5 "
        "or 0 for does not apply.",
    )
    submitted_at = models.DateTimeField()
    submitted_on = models.DateField(help_text="The program's date when it was submitted.")

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(evaluator_role__in=EvaluatorRole.values),
                name="evaluators_evaluation_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["fellow", "submitted_on"])]

    def __str__(self) -> str:
        return f"{self.get_evaluator_role_display()} evaluation of {self.fellow.user}"

    def get_absolute_url(self) -> str:
        return reverse(
            "evaluators:fellow_evidence",
            kwargs={"program_id": self.program_id, "membership_id": self.fellow_id},
        )


class ExternalRating(TimeStampedModel):
    """A level on the milestone scale, or "not yet assessable", for one subcompetency.

    For a professional it is what they chose; for a patient it is mapped from their answers.
    """

    evaluation = models.ForeignKey(
        ExternalEvaluation, on_delete=models.PROTECT, related_name="ratings"
    )
    subcompetency = models.ForeignKey(
        "curriculum.Subcompetency", on_delete=models.PROTECT, related_name="external_ratings"
    )
    level = models.DecimalField(max_digits=2, decimal_places=1, null=True, blank=True)
    not_assessable = models.BooleanField(default=False)

    class Meta:
        ordering = ["subcompetency__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "subcompetency"], name="evaluators_rating_unique"
            ),
            models.CheckConstraint(
                condition=Q(level__isnull=True, not_assessable=True)
                | Q(level__in=LEVELS, not_assessable=False),
                name="evaluators_rating_level_or_not_assessable",
            ),
        ]

    def __str__(self) -> str:
        value = "not yet assessable" if self.not_assessable else f"level {self.level}"
        return f"{self.subcompetency.code}: {value}"
