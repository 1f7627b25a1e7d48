"""A fellow's own record of growth: individualised learning plans and scholarly activity.

A learning plan follows one CCC review (``assessments.CCCReview``): the director, the coordinator
or a mentor (a faculty member named on the plan) and the fellow agree goals, each tied to a
subcompetency, with actions and a due date; both sides acknowledge the plan. Changing what was
agreed (a goal's text, actions, due date or the set of goals) clears both acknowledgements;
recording progress does not. The next CCC packet shows the plan and what was done.

Scholarly activity follows the categories ACGME's Accreditation Data System (ADS) collects for
residents and fellows: peer-reviewed publications (with a PubMed ID when there is one), other
publications and chapters, conference presentations, other presentations (grand rounds), research
and quality improvement projects (with an aim statement), grants.
"""

from django.conf import settings
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from assessments.models import CCCReview
from core.fields import ScreenedCharField, ScreenedTextField
from core.models import TimeStampedModel
from curriculum.models import Membership, Program, Subcompetency


class LearningPlan(TimeStampedModel):
    """The goals a fellow and the program agree after one CCC review."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="learning_plans")
    fellow = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="learning_plans")
    ccc_review = models.ForeignKey(
        CCCReview,
        on_delete=models.PROTECT,
        related_name="learning_plans",
        help_text="The CCC review the plan follows.",
    )
    mentor = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mentored_plans",
        help_text="A faculty member who sees, edits and agrees the plan with the fellow.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="learning_plans_created",
    )
    fellow_acknowledged_at = models.DateTimeField(null=True, blank=True)
    staff_acknowledged_at = models.DateTimeField(null=True, blank=True)
    staff_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="learning_plans_acknowledged",
    )

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ccc_review"], name="portfolio_plan_one_per_review"),
            models.CheckConstraint(
                condition=Q(staff_acknowledged_at__isnull=True)
                | Q(staff_acknowledged_by__isnull=False),
                name="portfolio_plan_staff_ack_has_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Learning plan after {self.ccc_review}"

    def get_absolute_url(self) -> str:
        return reverse(
            "portfolio:plan_detail", kwargs={"program_id": self.program_id, "pf_plan_id": self.pk}
        )

    @property
    def is_acknowledged(self) -> bool:
        """Agreed by both: the fellow and the director or mentor."""
        return self.fellow_acknowledged_at is not None and self.staff_acknowledged_at is not None


class LearningGoal(TimeStampedModel):
    """One goal of a plan, tied to a subcompetency of the program's milestones."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACHIEVED = "achieved", "Achieved"
        DROPPED = "dropped", "Dropped"

    plan = models.ForeignKey(LearningPlan, on_delete=models.PROTECT, related_name="goals")
    subcompetency = models.ForeignKey(
        Subcompetency, on_delete=models.PROTECT, related_name="learning_goals"
    )
    goal = ScreenedTextField(max_length=2000)
    actions = ScreenedTextField(
        max_length=4000, blank=True, help_text="What the fellow will do to reach the goal."
    )
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    progress = ScreenedTextField(max_length=4000, blank=True, help_text="What was done.")
    progress_updated_at = models.DateTimeField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "achieved", "dropped"]),
                name="portfolio_goal_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subcompetency.code}: {self.goal[:60]}"


class ScholarlyActivity(TimeStampedModel):
    """A fellow's project, presentation or publication (the categories ADS collects)."""

    SCREENING_EXEMPT = {
        "link": "a web address, validated as an http(s) URL",
        "pmid": "a PubMed identifier, digits only (validated)",
    }

    class Kind(models.TextChoices):
        PEER_REVIEWED = "peer_reviewed", "Peer-reviewed publication"
        PUBLICATION = "publication", "Non-peer-reviewed publication or book chapter"
        CONFERENCE = "conference", "Conference presentation (poster or oral)"
        PRESENTATION = "presentation", "Other presentation (grand rounds, lecture)"
        RESEARCH = "research", "Research project"
        QI = "qi", "Quality improvement project"
        GRANT = "grant", "Grant"
        OTHER = "other", "Other scholarly activity"

    class Role(models.TextChoices):
        FIRST_AUTHOR = "first_author", "First author"
        CO_AUTHOR = "co_author", "Co-author"
        SENIOR_AUTHOR = "senior_author", "Senior author"
        PRESENTER = "presenter", "Presenter"
        PRINCIPAL_INVESTIGATOR = "principal_investigator", "Principal investigator"
        CO_INVESTIGATOR = "co_investigator", "Co-investigator"
        LEAD = "lead", "Project lead"
        TEAM_MEMBER = "team_member", "Team member"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        PRESENTED = "presented", "Presented"
        PUBLISHED = "published", "Published"
        COMPLETED = "completed", "Completed"
        ABANDONED = "abandoned", "Abandoned"

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="scholarly_activities"
    )
    fellow = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="scholarly_activities"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = ScreenedCharField(max_length=300)
    role = models.CharField(max_length=30, choices=Role.choices)
    venue = ScreenedCharField(
        max_length=300, blank=True, help_text="Journal, conference or meeting."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    started_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(
        null=True,
        blank=True,
        help_text="The day it was completed, presented or published.",
    )
    link = models.URLField(
        max_length=500, blank=True, validators=[URLValidator(schemes=["http", "https"])]
    )
    pmid = models.CharField(
        "PubMed ID",
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{1,12}$", "A PubMed ID is digits only.")],
    )
    aims = ScreenedTextField(
        max_length=4000,
        blank=True,
        help_text="Quality improvement projects: the aim statement (what, by how much, by when).",
    )
    notes = ScreenedTextField(max_length=4000, blank=True)

    class Meta:
        ordering = ["-completed_on", "-started_on", "-pk"]
        verbose_name_plural = "scholarly activities"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="qi") | ~Q(aims=""),
                name="portfolio_scholarly_qi_has_aims",
                violation_error_message="A quality improvement project needs its aim statement.",
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | Q(completed_on__isnull=True)
                | Q(completed_on__gte=models.F("started_on")),
                name="portfolio_scholarly_dates_ordered",
                violation_error_message="The end date cannot be before the start date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse(
            "portfolio:scholarly_edit",
            kwargs={"program_id": self.program_id, "pf_activity_id": self.pk},
        )

    @property
    def date(self):
        """The activity's date: when completed, presented or published, else when started."""
        return self.completed_on or self.started_on
