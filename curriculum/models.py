import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from core.models import TimeStampedModel


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone (use a name such as America/New_York).",
            params={"value": value},
        )


class Program(TimeStampedModel):
    """A fellowship program: the tenant every other row belongs to."""

    name = models.CharField(max_length=200)
    institution = models.CharField(max_length=200)
    timezone = models.CharField(
        max_length=64,
        default="America/New_York",
        validators=[validate_timezone],
        help_text="Deadlines and reminders follow this time zone.",
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


class Membership(TimeStampedModel):
    """A person's role in one program. A person may hold several roles in several programs.

    Memberships are deactivated, never deleted, so a person's history stays attached to them.
    """

    class Role(models.TextChoices):
        DIRECTOR = "director", "Program director"
        COORDINATOR = "coordinator", "Program coordinator"
        FACULTY = "faculty", "Faculty"
        FELLOW = "fellow", "Fellow"

    # The page each role lands on; director and coordinator share the program overview.
    HOME_URL_NAMES = {
        Role.DIRECTOR: "curriculum:program_overview",
        Role.COORDINATOR: "curriculum:program_overview",
        Role.FACULTY: "assessments:faculty_queue",
        Role.FELLOW: "trainees:my_progress",
    }
    STAFF_ROLES = (Role.DIRECTOR, Role.COORDINATOR)

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
