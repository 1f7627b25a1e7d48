import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from core.fields import ScreenedCharField
from core.models import TimeStampedModel


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone (use a name such as America/New_York).",
            params={"value": value},
        )


class Program(TimeStampedModel):
    """A fellowship program: the tenant every other row belongs to."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "timezone": "validated against the IANA zone list",
    }

    name = ScreenedCharField(max_length=200)
    institution = ScreenedCharField(max_length=200)
    timezone = models.CharField(
        max_length=64,
        default="America/New_York",
        validators=[validate_timezone],
        help_text="Deadlines and reminders follow this time zone.",
    )
    evaluation_due_days = models.PositiveSmallIntegerField(
        default=14,
        help_text="End-of-rotation evaluations are due this many days after a block ends.",
    )
    # ACGME Common Program Requirements V.A.1.b).(1): evaluation at the end of each rotation and,
    # for rotations (block or longitudinal) longer than three months, at least every three months.
    evaluation_interval_months = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=(
            "Experiences longer than this many months also get an interim evaluation every this "
            "many months, as well as the one at their end."
        ),
    )
    summative_lead_days = models.PositiveSmallIntegerField(
        default=30, help_text="The final summative evaluation is due this many days before the end."
    )
    request_expiry_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="A fellow's request nobody has started is withdrawn after this many days.",
    )
    # Fewer answers than this and a result could point at who gave it; 3 is the floor for the
    # same reason, so a program can only raise it.
    confidential_minimum_answers = models.PositiveSmallIntegerField(
        "Minimum answers before confidential results show",
        default=3,
        validators=[MinValueValidator(3), MaxValueValidator(50)],
        help_text=(
            "Fellows' confidential evaluations show in aggregate only once at least this many "
            "answers exist and the collection window has closed."
        ),
    )
    require_mfa_for_staff = models.BooleanField(
        "Require two-factor sign-in for directors and faculty",
        default=False,
        help_text="Directors and faculty without an authenticator app are sent to set one up.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name"], name="curriculum_program_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("curriculum:program_overview", kwargs={"program_id": self.pk})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The program's time zone: every date and time it shows or decides on is read in it."""
        return zoneinfo.ZoneInfo(self.timezone)

    def today(self) -> datetime.date:
        """Today where the program is: its deadlines and "not in the future" checks follow it."""
        return timezone.localdate(timezone=self.zone)

    def localtime(self, moment: datetime.datetime | None = None) -> datetime.datetime:
        """``moment`` (default now) on the program's clock."""
        return timezone.localtime(moment, timezone=self.zone)

    def date_text(self, moment: datetime.datetime) -> str:
        """The program's date of ``moment`` in words ("March 3, 2027"), for emails and messages."""
        return date_format(self.localtime(moment), "F j, Y")


class Membership(TimeStampedModel):
    """A person's role in one program. A person may hold several roles in several programs.

    Memberships are deactivated, never deleted, so a person's history stays attached to them.
    """

    class Role(models.TextChoices):
        DIRECTOR = "director", "Program director"
        COORDINATOR = "coordinator", "Program coordinator"
        FACULTY = "faculty", "Faculty"
        FELLOW = "fellow", "Fellow"

    # The page each role lands on; director and coordinator share the cohort dashboard (which
    # links to the program overview and roster).
    HOME_URL_NAMES = {
        Role.DIRECTOR: "dashboard:cohort_dashboard",
        Role.COORDINATOR: "dashboard:cohort_dashboard",
        Role.FACULTY: "dashboard:faculty_queue",
        Role.FELLOW: "dashboard:my_progress",
    }
    # The role groups the rules speak of, named once (curriculum/access.py and each app's
    # permissions.py use these; no app writes its own tuple).
    STAFF_ROLES = (Role.DIRECTOR, Role.COORDINATOR)  # run the program: roster, schedule, CCC admin
    TEACHING_ROLES = (Role.DIRECTOR, Role.FACULTY)  # supervise, verify, assess, sit on the CCC
    OVERSIGHT_ROLES = (Role.DIRECTOR, Role.COORDINATOR, Role.FACULTY)  # see every fellow's record
    ALL_ROLES = (Role.DIRECTOR, Role.COORDINATOR, Role.FACULTY, Role.FELLOW)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["program__name", "role", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "program", "role"], name="curriculum_membership_unique_role"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["director", "coordinator", "faculty", "fellow"]),
                name="curriculum_membership_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["program", "role", "is_active"])]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} in {self.program}"

    def get_absolute_url(self) -> str:
        """The home page of this role in this program."""
        return reverse(self.HOME_URL_NAMES[self.role], kwargs={"program_id": self.program_id})


class MilestoneSet(TimeStampedModel):
    """One version of a specialty's milestones, as loaded by one program.

    A program owns its copy so it may load the official descriptor text; ratings will point at
    this set's subcompetencies, so a set is never edited in place: a new version is a new set.
    """

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "specialty": "published ACGME milestone text, loaded from the milestone file",
        "version": "published ACGME milestone text, loaded from the milestone file",
    }

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="milestone_sets")
    specialty = models.CharField(max_length=100)
    version = models.CharField(max_length=20, help_text='As ACGME numbers it, e.g. "2.0".')
    effective_date = models.DateField()

    class Meta:
        ordering = ["specialty", "-effective_date", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "specialty", "version"],
                name="curriculum_milestoneset_unique_version",
                violation_error_message="This version of the milestones is already loaded.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.specialty} Milestones {self.version}"

    def get_absolute_url(self) -> str:
        return reverse(
            "curriculum:milestone_set_detail",
            kwargs={"program_id": self.program_id, "set_id": self.pk},
        )


class Competency(TimeStampedModel):
    """One of the six ACGME core competencies within a milestone set (e.g. PC, Patient Care)."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "code": "published ACGME milestone text",
        "name": "published ACGME milestone text",
    }

    milestone_set = models.ForeignKey(
        MilestoneSet, on_delete=models.PROTECT, related_name="competencies"
    )
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["milestone_set", "order"]
        verbose_name_plural = "competencies"
        constraints = [
            models.UniqueConstraint(
                fields=["milestone_set", "code"], name="curriculum_competency_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def validate_seed_domains(value) -> None:
    allowed = Subcompetency.SeedDomain.values
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Seed domains must be a list of domain names.")
    unknown = [item for item in value if item not in allowed]
    if unknown:
        raise ValidationError(
            "Unknown seed domain(s): %(unknown)s (use %(allowed)s).",
            params={"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)},
        )
    if len(set(value)) != len(value):
        raise ValidationError("A seed domain is listed twice.")


class Subcompetency(TimeStampedModel):
    """A milestone such as PC4, with our summary and the seed domains it serves.

    ``milestone_set`` repeats ``competency.milestone_set`` so the database can keep codes
    unique within a set and later ratings can filter by set without a join.
    """

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "code": "published ACGME milestone text",
        "title": "published ACGME milestone text",
        "summary": "published ACGME milestone text",
        "seed_domains": "a list of fixed seed-domain codes (validated)",
    }

    class SeedDomain(models.TextChoices):
        ASSESSMENT = "assessment", "Pain assessment and diagnosis"
        INTERVENTIONAL = "interventional", "Interventional techniques"
        PHARMACOLOGY = "pharmacology", "Pharmacology"
        COMMUNICATION = "communication", "Patient-centred care and communication"
        INTERDISCIPLINARY = "interdisciplinary", "Interdisciplinary approach"

    milestone_set = models.ForeignKey(
        MilestoneSet, on_delete=models.PROTECT, related_name="subcompetencies"
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="subcompetencies"
    )
    code = models.CharField(max_length=10)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    seed_domains = models.JSONField(default=list, blank=True, validators=[validate_seed_domains])
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["competency__order", "order"]
        verbose_name_plural = "subcompetencies"
        constraints = [
            models.UniqueConstraint(
                fields=["milestone_set", "code"], name="curriculum_subcompetency_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self) -> None:
        if (
            self.competency_id
            and self.milestone_set_id
            and self.competency.milestone_set_id != self.milestone_set_id
        ):
            raise ValidationError("The subcompetency and its competency belong to different sets.")

    def get_seed_domain_labels(self) -> list[str]:
        return [self.SeedDomain(value).label for value in self.seed_domains]


class LevelDescriptor(TimeStampedModel):
    """What a fellow at one level (1-5) of a subcompetency does."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "text": "published ACGME milestone text",
    }

    LEVELS = range(1, 6)

    subcompetency = models.ForeignKey(
        Subcompetency, on_delete=models.PROTECT, related_name="levels"
    )
    level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    text = models.TextField()

    class Meta:
        ordering = ["subcompetency", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["subcompetency", "level"], name="curriculum_leveldescriptor_unique_level"
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5),
                name="curriculum_leveldescriptor_level_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subcompetency.code} level {self.level}"


class Rotation(TimeStampedModel):
    """A clinical experience the program offers; fellows are scheduled into it in blocks."""

    class Discipline(models.TextChoices):
        CHRONIC_PAIN_CLINIC = "chronic_pain", "Outpatient chronic pain clinic"
        ACUTE_PAIN = "acute_pain", "Inpatient / acute pain service"
        CANCER_PAIN = "cancer_pain", "Cancer pain"
        PEDIATRIC_PAIN = "pediatric_pain", "Pediatric pain"
        REGIONAL_ANESTHESIA = "regional_anesthesia", "Regional anesthesia"
        NEUROLOGY = "neurology", "Neurology (headache)"
        PSYCHIATRY = "psychiatry", "Psychiatry / behavioral medicine"
        PMR = "pmr", "Physical medicine & rehabilitation"
        PALLIATIVE = "palliative", "Palliative care / hospice"
        NEUROSURGERY = "neurosurgery", "Neurosurgery"
        NEURORADIOLOGY = "neuroradiology", "Neuroradiology"
        ANATOMY_LAB = "anatomy_lab", "Anatomy lab"
        RESEARCH = "research", "Research"
        ELECTIVE = "elective", "Elective"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="rotations")
    name = ScreenedCharField(max_length=120)
    short_name = ScreenedCharField(
        max_length=8, help_text="Shown in the schedule grid, e.g. APS for acute pain service."
    )
    discipline = models.CharField(max_length=30, choices=Discipline.choices)
    site = ScreenedCharField(max_length=120, blank=True)
    is_longitudinal = models.BooleanField(
        default=False,
        help_text="Runs alongside other rotations (e.g. a weekly continuity clinic).",
    )
    subcompetencies = models.ManyToManyField(
        Subcompetency,
        blank=True,
        related_name="rotations",
        help_text="The subcompetencies this rotation mainly serves.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"], name="curriculum_rotation_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name
