"""Milestone-based assessments and their signatures.

A signed assessment is read-only: its content is hashed and sealed into a ``Signature`` when it is
signed, a correction is a new amendment linked to the original, and ``manage.py verify_signatures``
recomputes every hash and seal to catch any change made behind the app's back.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.fields import ScreenedCharField, ScreenedTextField
from core.models import TimeStampedModel
from curriculum.models import Membership, MilestoneSet, Program, Subcompetency

# The milestone scale in half levels, 1.0 to 5.0 (also what external evaluators' answers and a
# review period's expected level may hold).
LEVELS = [Decimal(n) / 2 for n in range(2, 11)]
# "Not yet completed Level 1": the fellow was assessed and has not reached level 1 (a warning
# sign), unlike "not yet assessable" (no evidence: ``not_assessable=True``, no level). ACGME's
# milestone forms offer both. A faculty rating or a consensus level stores it as level 0.0, so it
# sorts below 1.0 and is evidence: the CCC's suggested median, the packet's mean and the
# dashboard's bands count it as 0 (always "below"). It is not a level of the 1-5 scale, so
# ``LEVELS`` leaves it out; ``RATING_LEVELS`` is what ``Rating`` and ``ConsensusLevel`` accept.
NOT_YET_LEVEL_ONE = Decimal("0.0")
NOT_YET_LEVEL_ONE_LABEL = "Not yet completed Level 1"
RATING_LEVELS = [NOT_YET_LEVEL_ONE, *LEVELS]
# ACGME's milestones guidebook: level 4 is the graduation target (ready for unsupervised
# practice; a target, not a graduation requirement).
GRADUATION_TARGET = Decimal("4.0")
# The level a fellow on track has reached by a review when the program sets none on the period.
# Mid-year 2.5 is this program's choice (halfway from an incoming fellow's 1 to the target 4);
# at the year-end review an on-track fellow of a one-year fellowship is at the graduation target.
MIDYEAR_EXPECTED_LEVEL = Decimal("2.5")
YEAR_END_EXPECTED_LEVEL = GRADUATION_TARGET


def level_words(level, not_assessable: bool = False) -> str:
    """A stored level in words: "level 3.5", "not yet completed level 1", "not yet assessable"."""
    if not_assessable or level is None:
        return "not yet assessable"
    if Decimal(str(level)) == NOT_YET_LEVEL_ONE:
        return NOT_YET_LEVEL_ONE_LABEL.lower()
    return f"level {Decimal(str(level)):.1f}"


class AssessmentTemplate(TimeStampedModel):
    """A form the director builds from subcompetencies."""

    class Kind(models.TextChoices):
        END_OF_ROTATION = "end_of_rotation", "End-of-rotation evaluation"
        DIRECT_OBSERVATION = "direct_observation", "Direct observation of a procedure"
        SELF = "self", "Fellow self-assessment"
        MULTI_SOURCE = "multi_source", "Multi-source (nurse, peer)"

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="assessment_templates"
    )
    milestone_set = models.ForeignKey(
        MilestoneSet, on_delete=models.PROTECT, related_name="assessment_templates"
    )
    name = ScreenedCharField(max_length=160)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    instructions = ScreenedTextField(blank=True)
    subcompetencies = models.ManyToManyField(Subcompetency, related_name="assessment_templates")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"], name="assessments_template_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=["end_of_rotation", "direct_observation", "self", "multi_source"]
                ),
                name="assessments_template_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Assessment(TimeStampedModel):
    """One completed (or to-be-completed) form about one fellow by one assessor.

    Workflow: draft -> signed (submitted and signed by the assessor) -> acknowledged by the
    fellow; a draft may instead be returned to the assessor with a reason. Signed content never
    changes: a correction is a new assessment whose ``amends`` points at the original.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RETURNED = "returned", "Returned to the assessor"
        SIGNED = "signed", "Signed"
        ACKNOWLEDGED = "acknowledged", "Acknowledged by the fellow"
        DECLINED = "declined", "Declined by the assessor"
        EXPIRED = "expired", "Expired unanswered"

    # Open: the assessor still owes it (a draft, or returned for changes). Locked: signed content.
    # Closed: a fellow's request that ended unsigned (declined with a reason, or left to expire).
    OPEN_STATUSES = (Status.DRAFT, Status.RETURNED)
    LOCKED_STATUSES = (Status.SIGNED, Status.ACKNOWLEDGED)
    CLOSED_STATUSES = (Status.DECLINED, Status.EXPIRED)

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="assessments")
    template = models.ForeignKey(
        AssessmentTemplate, on_delete=models.PROTECT, related_name="assessments"
    )
    fellow = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="assessments_received"
    )
    assessor = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="assessments_given"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments_requested",
        help_text="Who asked for it; empty when the system created it (end of a rotation).",
    )
    schedule_block = models.ForeignKey(
        "trainees.ScheduleBlock",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
    )
    procedure_entry = models.ForeignKey(
        "procedures.ProcedureLogEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
    )
    amends = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    observed_on = models.DateField(help_text="When the assessed work took place.")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    narrative = ScreenedTextField(blank=True, help_text="What went well, what to work on.")
    return_reason = ScreenedCharField(max_length=300, blank=True)
    decline_reason = ScreenedCharField(max_length=300, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-observed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        *("draft", "returned", "signed", "acknowledged"),
                        *("declined", "expired"),
                    ]
                ),
                name="assessments_assessment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "returned", "declined", "expired"])
                | Q(signed_at__isnull=False),
                name="assessments_assessment_signed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["declined", "expired"]) | Q(closed_at__isnull=False),
                name="assessments_assessment_closed_has_time",
            ),
            # One rotation evaluation per block, assessor and date (the interim ones on their
            # interval dates, the final one on the block's end), however often the job runs.
            models.UniqueConstraint(
                fields=["template", "schedule_block", "assessor", "observed_on"],
                condition=Q(schedule_block__isnull=False, amends__isnull=True),
                name="assessments_unique_per_block",
            ),
            # One open request per fellow, assessor, form and observed day (double submits).
            models.UniqueConstraint(
                fields=["template", "fellow", "assessor", "observed_on"],
                condition=Q(status__in=["draft", "returned"], amends__isnull=True),
                name="assessments_unique_open_request",
            ),
        ]
        indexes = [
            models.Index(fields=["assessor", "status"]),
            models.Index(fields=["fellow", "status", "observed_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.template} of {self.fellow.user} by {self.assessor.user} ({self.observed_on})"

    def get_absolute_url(self) -> str:
        return reverse(
            "assessments:assessment_detail",
            kwargs={"program_id": self.program_id, "assessment_id": self.pk},
        )

    @property
    def is_locked(self) -> bool:
        return self.status in self.LOCKED_STATUSES

    @property
    def is_interim(self) -> bool:
        """A rotation evaluation observed before its block ends (every few months of a long one)."""
        return (
            self.schedule_block_id is not None and self.observed_on < self.schedule_block.end_date
        )


class Rating(TimeStampedModel):
    """A level on the milestone scale (1.0-5.0 in half levels), "not yet completed level 1"
    (``NOT_YET_LEVEL_ONE``, level 0.0) or "not yet assessable" (``not_assessable``, no level)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="ratings")
    subcompetency = models.ForeignKey(
        Subcompetency, on_delete=models.PROTECT, related_name="ratings"
    )
    level = models.DecimalField(max_digits=2, decimal_places=1, null=True, blank=True)
    not_assessable = models.BooleanField(default=False)

    class Meta:
        ordering = ["subcompetency__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "subcompetency"], name="assessments_rating_unique"
            ),
            models.CheckConstraint(
                condition=(Q(level__isnull=True, not_assessable=True))
                | Q(level__in=RATING_LEVELS, not_assessable=False),
                name="assessments_rating_level_or_not_assessable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subcompetency.code}: {level_words(self.level, self.not_assessable)}"


class ReviewPeriod(TimeStampedModel):
    """A Clinical Competency Committee review window: mid-year or year-end of an academic year.

    Every assessment observed between ``starts_on`` and ``ends_on`` goes into the packets.
    """

    class Kind(models.TextChoices):
        MIDYEAR = "midyear", "Mid-year review"
        YEAR_END = "year_end", "Year-end review"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="review_periods")
    academic_year = models.ForeignKey(
        "trainees.AcademicYear", on_delete=models.PROTECT, related_name="review_periods"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    meeting_date = models.DateField(null=True, blank=True)
    expected_level = models.DecimalField(
        max_digits=2,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="The level a fellow on track has reached by this review; empty: the default "
        "for the kind of review (2.5 at mid-year, 4.0 at year end).",
    )

    class Meta:
        ordering = ["-ends_on", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "kind"], name="assessments_review_period_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["midyear", "year_end"]),
                name="assessments_review_period_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="assessments_review_period_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.academic_year}"

    @property
    def expected(self) -> Decimal:
        """The level expected of a fellow on track at this review: the program's
        ``expected_level``, else the kind's default (2.5 at mid-year, 4.0 at year end)."""
        if self.expected_level is not None:
            return self.expected_level
        if self.kind == self.Kind.MIDYEAR:
            return MIDYEAR_EXPECTED_LEVEL
        return YEAR_END_EXPECTED_LEVEL

    def get_absolute_url(self) -> str:
        return reverse(
            "assessments:ccc_period_detail",
            kwargs={"program_id": self.program_id, "period_id": self.pk},
        )


class CompetencyCommittee(TimeStampedModel):
    """The program's Clinical Competency Committee: the faculty the director appoints, and how
    many of them make a quorum. ACGME Common Program Requirements V.A.3: at least three members
    of the program faculty, hence the default quorum; the program may set another."""

    DEFAULT_QUORUM = 3

    program = models.OneToOneField(Program, on_delete=models.PROTECT, related_name="ccc")
    members = models.ManyToManyField(Membership, related_name="ccc_committees", blank=True)
    quorum = models.PositiveSmallIntegerField(
        default=DEFAULT_QUORUM,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="Members who must be present for the committee to agree levels.",
    )

    class Meta:
        verbose_name_plural = "competency committees"
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum__gte=1), name="assessments_committee_quorum_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Clinical Competency Committee of {self.program}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:ccc_committee", kwargs={"program_id": self.program_id})


class CommitteeMeeting(TimeStampedModel):
    """One meeting of the committee for a review period: when, who was present, the notes."""

    period = models.ForeignKey(ReviewPeriod, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField()
    present = models.ManyToManyField(Membership, related_name="ccc_meetings_attended")
    notes = ScreenedTextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ccc_meetings_recorded"
    )

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Committee meeting of {self.held_on:%Y-%m-%d} ({self.period})"

    def get_absolute_url(self) -> str:
        return self.period.get_absolute_url()


class CCCReview(TimeStampedModel):
    """One fellow's review in one period: the packet, the committee's consensus levels and,
    once the director finalises it, a signature. Fellows never see a draft."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {"packet_snapshot": "assembled by the app from screened fields"}

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (committee only)"
        FINALISED = "finalised", "Finalised"

    period = models.ForeignKey(ReviewPeriod, on_delete=models.PROTECT, related_name="reviews")
    fellow = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="ccc_reviews")
    meeting = models.ForeignKey(
        CommitteeMeeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        help_text="The committee meeting at which the levels were agreed (set on finalising).",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    committee_notes = ScreenedTextField(blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    packet_snapshot = models.JSONField(
        default=dict,
        blank=True,
        help_text="The packet's figures as the committee saw them when the review was finalised "
        "(part of the signed content; later amendments never change a finalised packet).",
    )

    class Meta:
        ordering = ["period", "fellow__user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "fellow"], name="assessments_ccc_review_unique"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(status="finalised", finalised_at__isnull=False),
                name="assessments_ccc_review_finalised_has_time",
            ),
        ]
        indexes = [models.Index(fields=["fellow", "status"])]

    def __str__(self) -> str:
        return f"CCC {self.period} for {self.fellow.user}"

    def get_absolute_url(self) -> str:
        return reverse(
            "assessments:ccc_packet",
            kwargs={"program_id": self.period.program_id, "review_id": self.pk},
        )

    @property
    def is_finalised(self) -> bool:
        return self.status == self.Status.FINALISED


class ConsensusLevel(TimeStampedModel):
    """The committee's agreed level for one subcompetency in one review: as a ``Rating``, a level,
    "not yet completed level 1" (level 0.0) or "not yet assessable"."""

    review = models.ForeignKey(CCCReview, on_delete=models.PROTECT, related_name="levels")
    subcompetency = models.ForeignKey(
        Subcompetency, on_delete=models.PROTECT, related_name="consensus_levels"
    )
    level = models.DecimalField(max_digits=2, decimal_places=1, null=True, blank=True)
    not_assessable = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consensus_levels"
    )

    class Meta:
        ordering = ["subcompetency__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "subcompetency"], name="assessments_consensus_unique"
            ),
            models.CheckConstraint(
                condition=(Q(level__isnull=True, not_assessable=True))
                | Q(level__in=RATING_LEVELS, not_assessable=False),
                name="assessments_consensus_level_or_not_assessable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subcompetency.code}: {level_words(self.level, self.not_assessable)}"


class SummativeEvaluation(TimeStampedModel):
    """The director's summative evaluation of a fellow, signed and then shared with them.

    ACGME Common Program Requirements V.A.1.d (a summative evaluation every year: ``annual``, one
    per academic year, for fellows in tracks longer than one year) and V.A.2 (the final
    evaluation at completion, verifying the fellow can enter autonomous practice: ``final``, one
    per fellow). A signed evaluation is never edited: ``amends`` links the signed correction.
    """

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {"snapshot": "assembled by the app from screened fields and figures"}

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed and shared"

    class Kind(models.TextChoices):
        ANNUAL = "annual", "Annual summative evaluation"
        FINAL = "final", "Final summative evaluation"

    # The version of the signed content (``assessments.seals.summative_content``). Rows signed
    # before kinds, snapshots and amendments existed are 1 and keep hashing exactly as then.
    CONTENT_VERSION = 2

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="summative_evaluations"
    )
    fellow = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="summative_evaluations"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FINAL)
    academic_year = models.ForeignKey(
        "trainees.AcademicYear",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="summative_evaluations",
        help_text="The year an annual evaluation covers (empty on older final evaluations).",
    )
    amends = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="summative_evaluations"
    )
    narrative = ScreenedTextField(blank=True)
    # The column keeps its old name: signatures made before the relabel seal its value.
    practices_independently = models.BooleanField(
        "ready to enter autonomous practice",
        null=True,
        help_text="Has the fellow demonstrated the knowledge, skills and behaviours necessary to "
        "enter autonomous practice? (final evaluation only)",
    )
    snapshot = models.JSONField(
        default=dict,
        blank=True,
        help_text="CCC levels, procedure totals against targets, leave and training dates, as "
        "they stood when the evaluation was signed (part of the signed content).",
    )
    override_reason = ScreenedTextField(
        blank=True,
        help_text="Why the director signed before the year-end CCC review was finalised.",
    )
    content_version = models.PositiveSmallIntegerField(default=CONTENT_VERSION)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(status="signed", signed_at__isnull=False),
                name="assessments_summative_signed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["annual", "final"]),
                name="assessments_summative_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="final") | Q(academic_year__isnull=False),
                name="assessments_summative_annual_has_year",
            ),
            models.UniqueConstraint(
                fields=["fellow"],
                condition=Q(kind="final", amends__isnull=True),
                name="assessments_summative_one_final_per_fellow",
            ),
            models.UniqueConstraint(
                fields=["fellow", "academic_year"],
                condition=Q(kind="annual", amends__isnull=True),
                name="assessments_summative_one_annual_per_year",
            ),
            models.UniqueConstraint(
                fields=["amends"], name="assessments_summative_one_amendment_each"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.ANNUAL and self.academic_year_id:
            return f"Annual summative evaluation {self.academic_year} of {self.fellow.user}"
        return f"Final summative evaluation of {self.fellow.user}"

    def get_absolute_url(self) -> str:
        url = reverse(
            "assessments:summative_detail",
            kwargs={"program_id": self.program_id, "membership_id": self.fellow_id},
        )
        if self.kind == self.Kind.FINAL and self.amends_id is None:
            return url
        return f"{url}?summative={self.pk}"

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def is_final(self) -> bool:
        return self.kind == self.Kind.FINAL


class Signature(TimeStampedModel):
    """Who signed what, when, meaning what, and the SHA-256 of exactly what they signed.

    Scheme 2 (every signature made since sealing was introduced) also stores ``seal``: an
    HMAC-SHA256, under a key kept outside the database (``settings.SIGNING_KEY``), of the content
    hash, signer, time, meaning, method, signed record, program and chain position. ``sequence``
    numbers a program's sealed signatures 1, 2, 3... and ``previous_seal`` repeats the seal before
    it, so a changed field breaks the seal and a deleted signature leaves a gap. Scheme 1 rows
    (older ones, plain SHA-256 only) verify as before until ``verify_signatures --seal`` seals them.
    """

    class Method(models.TextChoices):
        PASSWORD = "password", "Password re-entered"
        TOTP = "totp", "Authenticator code"

    class Scheme(models.IntegerChoices):
        PLAIN = 1, "SHA-256 of the content only"
        SEALED = 2, "HMAC seal of the signature, chained per program"

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "meaning": "one of the app's fixed attestation texts (assessments.seals.MEANINGS)",
        "content_hash": "a hex digest the app computes; never typed",
        "previous_seal": "a hex digest the app computes; never typed",
        "seal": "a hex digest the app computes; never typed",
    }

    # Exactly one of these is set: what was signed.
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="signatures"
    )
    ccc_review = models.ForeignKey(
        CCCReview, on_delete=models.PROTECT, null=True, blank=True, related_name="signatures"
    )
    summative_evaluation = models.ForeignKey(
        SummativeEvaluation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signatures",
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatures"
    )
    signed_at = models.DateTimeField()
    meaning = models.CharField(max_length=300, help_text="What the signer attests.")
    method = models.CharField(max_length=20, choices=Method.choices)
    content_hash = models.CharField(max_length=64)
    # Empty only on scheme 1 rows made before signatures carried their program.
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="signatures"
    )
    scheme_version = models.PositiveSmallIntegerField(choices=Scheme.choices, default=Scheme.PLAIN)
    sequence = models.PositiveIntegerField(
        null=True, blank=True, help_text="Position in the program's chain of sealed signatures."
    )
    previous_seal = models.CharField(max_length=64, blank=True)
    seal = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            # Two signatures at once in one program can never take the same place in its chain.
            models.UniqueConstraint(
                fields=["program", "sequence"],
                condition=Q(sequence__isnull=False),
                name="assessments_signature_unique_sequence",
            ),
            models.CheckConstraint(
                condition=Q(scheme_version=1, sequence__isnull=True, seal="", previous_seal="")
                | (
                    Q(scheme_version=2, program__isnull=False, sequence__isnull=False) & ~Q(seal="")
                ),
                name="assessments_signature_scheme_fields",
            ),
            # A double click or two tabs can never sign the same assessment twice.
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(assessment__isnull=False),
                name="assessments_one_signature_per_assessment",
            ),
            # Two committee members finalising at once, or a double click: one signature.
            models.UniqueConstraint(
                fields=["ccc_review"],
                condition=Q(ccc_review__isnull=False),
                name="assessments_one_signature_per_ccc_review",
            ),
            models.UniqueConstraint(
                fields=["summative_evaluation"],
                condition=Q(summative_evaluation__isnull=False),
                name="assessments_one_signature_per_summative",
            ),
            models.CheckConstraint(
                condition=Q(
                    assessment__isnull=False,
                    ccc_review__isnull=True,
                    summative_evaluation__isnull=True,
                )
                | Q(
                    assessment__isnull=True,
                    ccc_review__isnull=False,
                    summative_evaluation__isnull=True,
                )
                | Q(
                    assessment__isnull=True,
                    ccc_review__isnull=True,
                    summative_evaluation__isnull=False,
                ),
                name="assessments_signature_signs_one_thing",
            ),
            models.CheckConstraint(
                condition=Q(method__in=["password", "totp"]),
                name="assessments_signature_method_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Signed by {self.signer} at {self.signed_at:%Y-%m-%d %H:%M}"

    @property
    def record_kind(self) -> str:
        """Which kind of record this signs: "assessment", "ccc_review" or "summative_evaluation"."""
        if self.assessment_id is not None:
            return "assessment"
        if self.ccc_review_id is not None:
            return "ccc_review"
        return "summative_evaluation"

    @property
    def record_id(self) -> int:
        return self.assessment_id or self.ccc_review_id or self.summative_evaluation_id

    @property
    def record(self):
        return getattr(self, self.record_kind)
