"""The training pathway: academic years, cohorts, each fellow's enrolment and background.

No patient data lives here: only the fellow's own education and training record.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from core.fields import ScreenedCharField
from core.models import TimeStampedModel
from curriculum.models import Membership, Program, Rotation

# Graduation and completion years a real fellow could have; anything else is a typo.
EARLIEST_YEAR = 1950
LATEST_YEAR = 2100


def _require_fellow(membership: Membership | None, field: str) -> None:
    if membership is not None and membership.role != Membership.Role.FELLOW:
        raise ValidationError({field: "Only a fellow's membership can hold a training pathway."})


class AcademicYear(TimeStampedModel):
    """One program's academic year; the US norm is July 1 to June 30."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="academic_years")
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["program", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "start_date"], name="trainees_academicyear_unique_start"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="trainees_academicyear_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """ "2026-2027" for a year spanning two calendar years, "2026" otherwise."""
        if self.start_date.year == self.end_date.year:
            return str(self.start_date.year)
        return f"{self.start_date.year}-{self.end_date.year}"

    @staticmethod
    def default_end_date(start_date: datetime.date) -> datetime.date:
        """The day before the start's anniversary: July 1 gives June 30 of the next year."""
        try:
            anniversary = start_date.replace(year=start_date.year + 1)
        except ValueError:  # February 29
            anniversary = start_date.replace(year=start_date.year + 1, day=28)
        return anniversary - datetime.timedelta(days=1)


class Cohort(TimeStampedModel):
    """The fellows who start together in one academic year, e.g. "Class of 2027"."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="cohorts")
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="cohorts"
    )
    name = ScreenedCharField(max_length=100)

    class Meta:
        ordering = ["program", "-academic_year__start_date", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "academic_year", "name"], name="trainees_cohort_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.academic_year})"

    def get_absolute_url(self) -> str:
        return reverse(
            "trainees:cohort_detail",
            kwargs={"program_id": self.program_id, "cohort_id": self.pk},
        )

    def clean(self) -> None:
        if (
            self.program_id
            and self.academic_year_id
            and self.academic_year.program_id != self.program_id
        ):
            raise ValidationError(
                {"academic_year": "This academic year belongs to another program."}
            )


class Enrolment(TimeStampedModel):
    """A fellow's place in a cohort: dates, track length and where they stand."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        LEAVE = "leave", "Leave of absence"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Track(models.IntegerChoices):
        STANDARD = 12, "12 months"
        EXTENDED = 24, "24 months (research or advanced year)"

    FINAL_STATUSES = (Status.COMPLETED, Status.WITHDRAWN)

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="enrolments")
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrolments")
    start_date = models.DateField()
    end_date = models.DateField(help_text="Planned end, before any leave of absence.")
    track_months = models.PositiveSmallIntegerField(choices=Track.choices, default=Track.STANDARD)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    undated_leave_days = models.PositiveIntegerField(
        default=0,
        help_text="Days of leave from before leave was recorded as periods; each one moves "
        "the end date.",
    )
    # The two below are kept by trainees.services.leave from the periods and the program's
    # policy (trainees.leave.leave_totals), so every list can read them without a query.
    leave_days = models.PositiveIntegerField(
        default=0,
        help_text="Days of leave in all: the periods (calendar days, both ends included) plus "
        "any undated days.",
    )
    leave_extension_days = models.PositiveIntegerField(
        default=0, help_text="Days the leave moves the end date by, under the program's policy."
    )

    class Meta:
        ordering = ["cohort", "membership__user__full_name", "membership__user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "cohort"], name="trainees_enrolment_unique_per_cohort"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="trainees_enrolment_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(track_months__in=[12, 24]),
                name="trainees_enrolment_track_months_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "leave", "completed", "withdrawn"]),
                name="trainees_enrolment_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["cohort", "status"])]

    def __str__(self) -> str:
        return f"{self.membership.user} in {self.cohort}"

    def get_absolute_url(self) -> str:
        return reverse(
            "trainees:fellow_profile",
            kwargs={"program_id": self.cohort.program_id, "membership_id": self.membership_id},
        )

    @property
    def expected_end_date(self) -> datetime.date:
        """The planned end pushed back by the leave the program's policy does not absorb."""
        return self.end_date + datetime.timedelta(days=self.leave_extension_days)

    @property
    def started_off_cycle(self) -> bool:
        """True when the fellow did not start on the first day of the cohort's academic year."""
        return self.start_date != self.cohort.academic_year.start_date

    def clean(self) -> None:
        if self.membership_id is None or self.cohort_id is None:
            return
        _require_fellow(self.membership, "membership")
        if self.membership.program_id != self.cohort.program_id:
            raise ValidationError({"membership": "This fellow belongs to another program."})


class LeavePolicy(TimeStampedModel):
    """How a program's leave moves a fellow's end date.

    ``allowance_days`` days of leave per 12 months of training do not extend it; every day beyond
    does. The default is 0 (every day extends): the American Board of Anesthesiology sets its own
    absence allowance for fellowship training (theaba.org, "Absence from training" policy), which
    we could not confirm from a current copy, so a program enters the allowance its board gives.
    """

    program = models.OneToOneField(Program, on_delete=models.PROTECT, related_name="leave_policy")
    allowance_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days of leave per 12 months of training that do not extend it."
    )
    vacation_counts = models.BooleanField(
        default=True,
        help_text="Vacation counts as leave (uses the allowance, then extends training); off: "
        "vacation neither uses the allowance nor extends training.",
    )

    class Meta:
        verbose_name_plural = "leave policies"

    def __str__(self) -> str:
        return f"Leave policy of {self.program}"


class LeavePeriod(TimeStampedModel):
    """A dated leave of absence of one enrolment, ``start`` to ``end`` inclusive. Periods of one
    enrolment never overlap (enforced by the leave service)."""

    class Kind(models.TextChoices):
        MEDICAL = "medical", "Medical"
        PARENTAL = "parental", "Parental"
        VACATION = "vacation", "Vacation"
        OTHER = "other", "Other"

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="leave_periods")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    start = models.DateField()
    end = models.DateField(help_text="The last day of leave (included).")
    note = ScreenedCharField(max_length=200, blank=True)

    class Meta:
        ordering = ["enrolment", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="trainees_leaveperiod_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["medical", "parental", "vacation", "other"]),
                name="trainees_leaveperiod_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["enrolment", "start"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} leave {self.start:%b %d}-{self.end:%b %d, %Y}"

    @property
    def days(self) -> int:
        """Calendar days, both ends included."""
        return (self.end - self.start).days + 1


class MedicalEducation(TimeStampedModel):
    """Where and when the fellow earned their medical degree."""

    class Degree(models.TextChoices):
        MD = "md", "MD"
        DO = "do", "DO"
        MBBS = "mbbs", "MBBS"
        OTHER = "other", "Other equivalent degree"

    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, related_name="medical_education"
    )
    degree = models.CharField(max_length=10, choices=Degree.choices)
    school = ScreenedCharField(max_length=200)
    country = ScreenedCharField(max_length=100)
    graduation_year = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name_plural = "medical education"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(graduation_year__gte=EARLIEST_YEAR)
                & models.Q(graduation_year__lte=LATEST_YEAR),
                name="trainees_medicaleducation_year_range",
            ),
            models.CheckConstraint(
                condition=models.Q(degree__in=["md", "do", "mbbs", "other"]),
                name="trainees_medicaleducation_degree_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_degree_display()}, {self.school} ({self.graduation_year})"

    def clean(self) -> None:
        if self.membership_id is not None:
            _require_fellow(self.membership, "membership")


class Residency(TimeStampedModel):
    """The residency the fellow completed before fellowship."""

    class Specialty(models.TextChoices):
        ANESTHESIOLOGY = "anesthesiology", "Anesthesiology"
        NEUROLOGY = "neurology", "Neurology"
        CHILD_NEUROLOGY = "child_neurology", "Child neurology"
        PMR = "pmr", "Physical medicine & rehabilitation"
        PSYCHIATRY = "psychiatry", "Psychiatry"
        EMERGENCY_MEDICINE = "emergency_medicine", "Emergency medicine"
        FAMILY_MEDICINE = "family_medicine", "Family medicine"
        RADIOLOGY = "radiology", "Radiology"
        OTHER = "other", "Other"

    class BoardStatus(models.TextChoices):
        CERTIFIED = "certified", "Board certified"
        ELIGIBLE = "eligible", "Board eligible"
        NOT_YET = "not_yet", "Not yet eligible"

    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, related_name="residency"
    )
    specialty = models.CharField(max_length=30, choices=Specialty.choices)
    program_name = ScreenedCharField("residency program", max_length=200)
    completion_year = models.PositiveSmallIntegerField()
    board_status = models.CharField(max_length=20, choices=BoardStatus.choices)

    class Meta:
        verbose_name_plural = "residencies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(completion_year__gte=EARLIEST_YEAR)
                & models.Q(completion_year__lte=LATEST_YEAR),
                name="trainees_residency_year_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    specialty__in=[
                        "anesthesiology",
                        "neurology",
                        "child_neurology",
                        "pmr",
                        "psychiatry",
                        "emergency_medicine",
                        "family_medicine",
                        "radiology",
                        "other",
                    ]
                ),
                name="trainees_residency_specialty_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(board_status__in=["certified", "eligible", "not_yet"]),
                name="trainees_residency_board_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_specialty_display()}, {self.program_name} ({self.completion_year})"

    def clean(self) -> None:
        if self.membership_id is not None:
            _require_fellow(self.membership, "membership")


class ScheduleBlock(TimeStampedModel):
    """A fellow on a rotation between two dates (inclusive). Longitudinal rotations may run
    beside other blocks; main rotations may not overlap (enforced by the schedule service)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="blocks")
    rotation = models.ForeignKey(Rotation, on_delete=models.PROTECT, related_name="blocks")
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["enrolment", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="trainees_block_end_not_before_start",
            ),
        ]
        indexes = [models.Index(fields=["enrolment", "start_date"])]

    def __str__(self) -> str:
        return f"{self.rotation} {self.start_date:%b %d}-{self.end_date:%b %d, %Y}"

    def clean(self) -> None:
        if self.enrolment_id is None or self.rotation_id is None:
            return
        if self.rotation.program_id != self.enrolment.cohort.program_id:
            raise ValidationError({"rotation": "This rotation belongs to another program."})
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The block cannot end before it starts."})


class Deadline(TimeStampedModel):
    """A dated obligation in the program calendar; later issues send reminders from these.

    Generated rows carry a ``key`` so regenerating never duplicates them; a date the director
    edited (``is_edited``) is kept when the calendar is regenerated.
    """

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "key": "a machine key the app builds",
    }

    class Kind(models.TextChoices):
        CCC_REVIEW = "ccc_review", "Semiannual CCC milestone review"
        ROTATION_EVALUATION = "rotation_evaluation", "End-of-rotation evaluation"
        FINAL_SUMMATIVE = "final_summative", "Final summative evaluation"
        OTHER = "other", "Other"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="deadlines")
    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.PROTECT, related_name="deadlines"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = ScreenedCharField(max_length=200)
    due_date = models.DateField()
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines"
    )
    schedule_block = models.ForeignKey(
        ScheduleBlock, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines"
    )
    key = models.CharField(
        max_length=100, blank=True, help_text="Identity of a generated deadline; blank if manual."
    )
    is_edited = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_date", "kind", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "key"],
                condition=~models.Q(key=""),
                name="trainees_deadline_unique_generated_key",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["ccc_review", "rotation_evaluation", "final_summative", "other"]
                ),
                name="trainees_deadline_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["program", "due_date"])]

    def __str__(self) -> str:
        return f"{self.title} (due {self.due_date:%Y-%m-%d})"
