"""Didactic sessions and their attendance, and each rotation's learning objectives."""

import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse

from core.fields import ScreenedCharField
from core.models import TimeStampedModel
from curriculum.models import Membership, Program, Rotation, Subcompetency, validate_seed_domains

DEFAULT_REQUIRED_PERCENT = 80


class SeriesKind(models.TextChoices):
    CORE_LECTURE = "core_lecture", "Core lecture"
    JOURNAL_CLUB = "journal_club", "Journal club"
    MORBIDITY_MORTALITY = "mm", "Morbidity and mortality"
    GRAND_ROUNDS = "grand_rounds", "Grand rounds"
    SIMULATION = "simulation", "Simulation"
    PHARMACOLOGY = "pharmacology", "Pharmacology"


class Series(TimeStampedModel):
    """A conference series of the program, e.g. the weekly core lecture."""

    Kind = SeriesKind

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="didactic_series")
    name = ScreenedCharField(max_length=120)
    kind = models.CharField(max_length=20, choices=SeriesKind.choices)
    attendance_required = models.BooleanField(
        default=True, help_text="Fellows' attendance counts against the program's requirement."
    )
    description = ScreenedCharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "series"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"],
                name="didactics_series_unique_name",
                violation_error_message="The program already has a series with this name.",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=SeriesKind.values), name="didactics_series_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AttendanceRequirement(TimeStampedModel):
    """The share of a kind of series' past sessions a fellow must attend (program-set)."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="attendance_requirements"
    )
    kind = models.CharField(max_length=20, choices=SeriesKind.choices)
    required_percent = models.PositiveSmallIntegerField(default=DEFAULT_REQUIRED_PERCENT)

    class Meta:
        ordering = ["program", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "kind"], name="didactics_requirement_unique_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(required_percent__lte=100),
                name="didactics_requirement_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.required_percent} %"


class Session(TimeStampedModel):
    """One conference: its times are wall-clock times in the program's time zone."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "guest_presenter": "a visiting speaker's name, by design (titles such as Ms. are expected)",
        "seed_domains": "a list of fixed seed-domain codes (validated)",
        "checkin_code": "a random code the app makes",
    }

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="didactic_sessions")
    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    topic = ScreenedCharField(max_length=200)
    presenter = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="presented_sessions",
    )
    guest_presenter = models.CharField(
        max_length=120, blank=True, help_text="A guest speaker without an account."
    )
    location = ScreenedCharField(max_length=120, blank=True)
    seed_domains = models.JSONField(default=list, blank=True, validators=[validate_seed_domains])
    subcompetencies = models.ManyToManyField(
        Subcompetency, blank=True, related_name="didactic_sessions"
    )
    checkin_code = models.CharField(max_length=6, blank=True)
    checkin_opens_at = models.DateTimeField(null=True, blank=True)
    checkin_closes_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="didactics_session_ends_after_start",
                violation_error_message="The session must end after it starts.",
            ),
            models.CheckConstraint(
                condition=~(models.Q(presenter__isnull=False) & ~models.Q(guest_presenter="")),
                name="didactics_session_one_presenter",
                violation_error_message="Name a member or a guest as presenter, not both.",
            ),
            models.CheckConstraint(
                condition=models.Q(checkin_opens_at__isnull=True)
                | models.Q(checkin_closes_at__gt=models.F("checkin_opens_at")),
                name="didactics_session_window_order",
                violation_error_message="The check-in window must close after it opens.",
            ),
        ]
        indexes = [models.Index(fields=["program", "date"])]

    def __str__(self) -> str:
        return f"{self.series}: {self.topic} ({self.date:%b %d, %Y})"

    def get_absolute_url(self) -> str:
        return reverse(
            "didactics:session_detail",
            kwargs={"program_id": self.program_id, "session_id": self.pk},
        )

    @property
    def presenter_name(self) -> str:
        if self.presenter_id:
            return self.presenter.user.display_name
        return self.guest_presenter

    def local(self, value: datetime.time) -> datetime.datetime:
        return datetime.datetime.combine(self.date, value, tzinfo=self.program.zone)

    @property
    def starts_at(self) -> datetime.datetime:
        return self.local(self.start_time)

    @property
    def ends_at(self) -> datetime.datetime:
        return self.local(self.end_time)

    @property
    def seed_domain_labels(self) -> list[str]:
        return [Subcompetency.SeedDomain(value).label for value in self.seed_domains]

    @property
    def checkin_is_set_up(self) -> bool:
        return bool(self.checkin_code and self.checkin_opens_at and self.checkin_closes_at)


class Attendance(TimeStampedModel):
    """A fellow's presence at a session: by check-in, or as the coordinator set it on the roll.

    No row means absent once the session is over.
    """

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        ABSENT = "absent", "Absent"
        EXCUSED = "excused", "Excused"

    class Method(models.TextChoices):
        CHECK_IN = "check_in", "Checked in with the code"
        ROLL = "roll", "Set on the roll"

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendances")
    fellow = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="didactic_attendances"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    method = models.CharField(max_length=10, choices=Method.choices)
    reason = ScreenedCharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "fellow"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "fellow"], name="didactics_attendance_unique_fellow"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["present", "absent", "excused"]),
                name="didactics_attendance_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(method="check_in") | ~models.Q(reason=""),
                name="didactics_attendance_roll_has_reason",
                violation_error_message="A correction of the roll needs a reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fellow.user} {self.get_status_display().lower()} at {self.session}"


class CheckinThrottle(TimeStampedModel):
    """Wrong codes a fellow entered for a session; five lock them out for a while."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    fellow = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "fellow"], name="didactics_throttle_unique_fellow"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.failures} wrong code(s) by {self.fellow_id} for session {self.session_id}"


class RotationTeacher(TimeStampedModel):
    """A faculty member who teaches on a rotation and confirms its objectives."""

    rotation = models.ForeignKey(Rotation, on_delete=models.PROTECT, related_name="teachers")
    faculty = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="taught_rotations"
    )

    class Meta:
        ordering = ["rotation", "faculty__user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "faculty"], name="didactics_teacher_unique_faculty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.faculty.user} teaches {self.rotation}"


class LearningObjective(TimeStampedModel):
    """What a fellow should be able to do by the end of a rotation, in one seed domain."""

    rotation = models.ForeignKey(
        Rotation, on_delete=models.PROTECT, related_name="learning_objectives"
    )
    seed_domain = models.CharField(
        max_length=20, choices=Subcompetency.SeedDomain.choices, blank=True
    )
    text = ScreenedCharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["rotation", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "text"],
                name="didactics_objective_unique_text",
                violation_error_message="This rotation already has this objective.",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return reverse(
            "didactics:rotation_objectives",
            kwargs={"program_id": self.rotation.program_id, "rotation_id": self.rotation_id},
        )


def resource_upload_to(instance, filename: str) -> str:
    return f"didactics/resources/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class ObjectiveResource(TimeStampedModel):
    """A link or an uploaded file that helps with an objective; files are served only to members."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "url": "a validated web address to teaching material",
    }

    objective = models.ForeignKey(
        LearningObjective, on_delete=models.CASCADE, related_name="resources"
    )
    title = ScreenedCharField(max_length=200)
    url = models.URLField(blank=True)
    file = models.FileField(upload_to=resource_upload_to, blank=True, max_length=200)
    original_name = ScreenedCharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["objective", "title"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(url="") & ~models.Q(file=""))
                | (~models.Q(url="") & models.Q(file="")),
                name="didactics_resource_link_or_file",
                violation_error_message="A resource is either a link or a file.",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ObjectiveProgress(TimeStampedModel):
    """A fellow's claim to have met an objective, and its confirmation by faculty."""

    objective = models.ForeignKey(
        LearningObjective, on_delete=models.PROTECT, related_name="progress"
    )
    fellow = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="objective_progress"
    )
    note = ScreenedCharField(max_length=500, blank=True)
    met_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["objective", "fellow"]
        verbose_name_plural = "objective progress"
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "fellow"], name="didactics_progress_unique_fellow"
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed_by__isnull=True, confirmed_at__isnull=True)
                | models.Q(confirmed_by__isnull=False, confirmed_at__isnull=False),
                name="didactics_progress_confirmation_complete",
            ),
        ]

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "met"
        return f"{self.fellow.user} {state}: {self.objective}"
