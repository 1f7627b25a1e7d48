"""The American Board of Anesthesiology's semiannual report of each fellow's clinical competence.

The ABA asks every program it certifies to report, in January and July, each trainee who spent
part of the previous six months in training: an overall grade of Satisfactory ("consistently
meets reasonable expectations") or Unsatisfactory ("often falls short of reasonable
expectations"), and a grade for each essential attribute. Its rule: the overall grade can be
satisfactory only if every essential attribute is (theaba.org, Training Programs > Clinical
Competence; the attributes are those of the ABA's "Defining Clinical Competence in
Anesthesiology", listed in ``ESSENTIAL_ATTRIBUTES``).

A report follows the CCC review of the period just ended: the mid-year review (July to December)
gives the January report, the year-end review (January to June) the July report. So a report
points at the ``assessments.ReviewPeriod``, one per fellow and period.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from assessments.models import CCCReview, ReviewPeriod
from core.fields import ScreenedTextField
from core.models import TimeStampedModel
from curriculum.models import Membership, Program

# The ABA's essential attributes: a physician lacking one is not competent to practise safely.
# (field name, label). Never rename a field: it is part of the signed content.
ESSENTIAL_ATTRIBUTES = (
    ("honest_ethical", "Is honest and ethical"),
    ("reliable_responsible", "Is reliable, conscientious and responsible"),
    ("learns_from_experience", "Learns from experience"),
    ("reacts_to_stress", "Reacts to stressful situations in an appropriate manner"),
    (
        "free_of_substance_abuse",
        "Has no current documented abuse of alcohol or illegal use of drugs",
    ),
    (
        "independent_function",
        "Acquires and processes information independently and in a timely manner, with the "
        "physical, sensory and motor faculties to function independently",
    ),
)
ATTRIBUTE_NAMES = tuple(name for name, _ in ESSENTIAL_ATTRIBUTES)


class Grade(models.TextChoices):
    SATISFACTORY = "satisfactory", "Satisfactory"
    UNSATISFACTORY = "unsatisfactory", "Unsatisfactory"


def _grade_field(label: str) -> models.CharField:
    return models.CharField(
        max_length=20, choices=Grade.choices, default=Grade.SATISFACTORY, verbose_name=label
    )


class AbaFellowReport(TimeStampedModel):
    """One fellow's ABA clinical competence report for one review period (January or July)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="aba_reports")
    fellow = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="aba_reports")
    period = models.ForeignKey(ReviewPeriod, on_delete=models.PROTECT, related_name="aba_reports")
    ccc_review = models.ForeignKey(
        CCCReview,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aba_reports",
        help_text="The finalised CCC review the report was pre-filled from.",
    )
    overall = _grade_field("Overall clinical competence")
    honest_ethical = _grade_field(ESSENTIAL_ATTRIBUTES[0][1])
    reliable_responsible = _grade_field(ESSENTIAL_ATTRIBUTES[1][1])
    learns_from_experience = _grade_field(ESSENTIAL_ATTRIBUTES[2][1])
    reacts_to_stress = _grade_field(ESSENTIAL_ATTRIBUTES[3][1])
    free_of_substance_abuse = _grade_field(ESSENTIAL_ATTRIBUTES[4][1])
    independent_function = _grade_field(ESSENTIAL_ATTRIBUTES[5][1])
    comments = ScreenedTextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aba_reports_signed",
    )

    class Meta:
        ordering = ["period", "fellow__user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["fellow", "period"], name="boards_aba_report_unique"),
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True)
                | Q(status="signed", signed_at__isnull=False, signed_by__isnull=False),
                name="boards_aba_report_signed_has_time_and_signer",
            ),
            models.CheckConstraint(
                condition=Q(overall="unsatisfactory")
                | Q(**{name: "satisfactory" for name in ATTRIBUTE_NAMES}),
                name="boards_aba_report_overall_needs_every_attribute",
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__in": Grade.values}),
                    name=f"boards_aba_report_{name}_valid",
                )
                for name in ("overall", *ATTRIBUTE_NAMES)
            ),
        ]

    def __str__(self) -> str:
        return f"ABA report {self.report_month} {self.report_year} for {self.fellow.user}"

    def get_absolute_url(self) -> str:
        return reverse(
            "boards:report_detail", kwargs={"program_id": self.program_id, "report_id": self.pk}
        )

    @property
    def report_month(self) -> str:
        """January after the mid-year review, July after the year-end review."""
        return "January" if self.period.kind == ReviewPeriod.Kind.MIDYEAR else "July"

    @property
    def report_year(self) -> int:
        return self.period.ends_on.year + (self.period.kind == ReviewPeriod.Kind.MIDYEAR)

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    def attribute_grades(self) -> list[tuple[str, str, str]]:
        """(field name, label, grade) for every essential attribute, in the ABA's order."""
        return [(name, label, getattr(self, name)) for name, label in ESSENTIAL_ATTRIBUTES]


class BoardSignature(TimeStampedModel):
    """The director's signature of a report, sealed as ``assessments`` seals its signatures:
    SHA-256 of the report's canonical content (``assessments.seals.content_hash``) and an HMAC
    under ``settings.SIGNING_KEY`` over that hash, the signer, the time, the meaning and the
    method. Not part of the program's assessment chain (that chain is ``assessments.Signature``)."""

    SCREENING_EXEMPT = {
        "meaning": "the app's fixed attestation text (boards.seals.ABA_REPORT_MEANING)",
        "content_hash": "a hex digest the app computes; never typed",
        "seal": "a hex digest the app computes; never typed",
    }

    class Method(models.TextChoices):
        PASSWORD = "password", "Password re-entered"
        TOTP = "totp", "Authenticator code"

    report = models.ForeignKey(AbaFellowReport, on_delete=models.PROTECT, related_name="signatures")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="board_signatures")
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="board_signatures"
    )
    signed_at = models.DateTimeField()
    meaning = models.CharField(max_length=300)
    method = models.CharField(max_length=20, choices=Method.choices)
    content_hash = models.CharField(max_length=64)
    seal = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report"], name="boards_signature_one_per_report"),
        ]

    def __str__(self) -> str:
        return f"Signature of {self.report} by {self.signer}"
