"""Work hours as the fellow logs them: shifts, a week template, and explanations of findings.

Findings (``workhours.rules``) are computed from the shifts every time and never stored; an
explanation names the finding it explains by rule code and period start, which stay the same as
long as the shifts that cause the finding do.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from core.fields import ScreenedTextField
from core.models import TimeStampedModel
from curriculum.models import Membership, Program

from . import rules

# The longest single shift the app accepts. Longer than the 24 + 4 rule (28 h) on purpose: a
# shift that breaks that rule must still be loggable so the finding shows; anything beyond two
# days is a typo (wrong date), not a shift.
MAX_SHIFT = timedelta(hours=48)


class Kind(models.TextChoices):
    """Exactly the rule engine's kinds (``rules.KINDS``); a test keeps the two equal."""

    CLINICAL = "clinical", "Clinical"
    EDUCATION = "education", "Education"
    IN_HOUSE_CALL = "in-house-call", "In-house call"
    AT_HOME_CALL = "at-home-call", "At-home call (time spent working)"
    MOONLIGHTING = "moonlighting", "Moonlighting"


class Shift(TimeStampedModel):
    """One stretch of work by one fellow, stored in UTC.

    Unique on (fellow, start, end, kind): a double-submitted form, a second "same as last week"
    or a re-run import cannot store the same shift twice. Overlapping shifts of one fellow are
    refused by the services with a message (a DB exclusion constraint would need btree_gist).
    """

    class Source(models.TextChoices):
        LOGGED = "logged", "Logged by the fellow"
        IMPORTED = "imported", "Imported by a coordinator"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="shifts")
    fellow = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="shifts")
    start = models.DateTimeField()
    end = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.LOGGED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shifts_created",
    )

    class Meta:
        ordering = ["fellow", "start", "end"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="workhours_shift_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(end__lte=F("start") + MAX_SHIFT), name="workhours_shift_at_most_48h"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=rules.KINDS), name="workhours_shift_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=["logged", "imported"]), name="workhours_shift_source_valid"
            ),
            models.UniqueConstraint(
                fields=["fellow", "start", "end", "kind"], name="workhours_shift_unique"
            ),
        ]
        indexes = [models.Index(fields=["fellow", "start"], name="workhours_shift_fellow_start")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M} UTC"

    def get_absolute_url(self) -> str:
        return reverse(
            "workhours:shift_edit", kwargs={"program_id": self.program_id, "shift_id": self.pk}
        )

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def as_rule_shift(self) -> rules.Shift:
        """The engine's view of this shift: the person is the fellow's membership id."""
        return rules.Shift(str(self.fellow_id), self.start, self.end, self.kind)


class ShiftTemplate(TimeStampedModel):
    """One row of a fellow's usual week: weekday, local start and end time, kind.

    Times are wall-clock times in the program's zone, so a template row stays 07:00-17:00 across
    daylight-saving changes. An end at or before the start means the next day (a night call).
    One row per (fellow, weekday, start, kind); rows are plain model rows (not a JSON list) so
    each is validated by the model and exported like any other row.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="shift_templates")
    fellow = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="shift_templates")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField(help_text="At or before the start time means the next day.")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["fellow", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="workhours_template_weekday"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=rules.KINDS), name="workhours_template_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["fellow", "weekday", "start_time", "kind"], name="workhours_template_unique"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M} "
            f"{self.get_kind_display()}"
        )

    def get_absolute_url(self) -> str:
        return reverse("workhours:template", kwargs={"program_id": self.program_id})

    @property
    def overnight(self) -> bool:
        return self.end_time <= self.start_time


class FindingExplanation(TimeStampedModel):
    """A fellow's explanation of one finding, named by rule code and period (UTC).

    Unique on (fellow, rule, period_start): saving again replaces the text. The period end is
    kept for display; it may grow as more shifts join the same finding, the start does not.
    """

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="finding_explanations"
    )
    fellow = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="finding_explanations"
    )
    rule = models.CharField(max_length=20, choices=[(code, code) for code in rules.RULES])
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    text = ScreenedTextField(max_length=2000)

    class Meta:
        ordering = ["fellow", "period_start", "rule"]
        constraints = [
            models.UniqueConstraint(
                fields=["fellow", "rule", "period_start"], name="workhours_explanation_unique"
            ),
            models.CheckConstraint(
                condition=Q(rule__in=rules.RULES), name="workhours_explanation_rule_valid"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="workhours_explanation_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Explanation of {self.rule} from {self.period_start:%Y-%m-%d %H:%M} UTC"

    def get_absolute_url(self) -> str:
        return reverse("workhours:my_week", kwargs={"program_id": self.program_id})
