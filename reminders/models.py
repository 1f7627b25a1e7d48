"""Milestone reminders: the program's settings, each person's preferences, the ledger and emails.

``Reminder`` is the ledger and the in-app notification at once: one row per (recipient, kind,
object, period), written before anything is sent. ``Delivery`` is one email (a single reminder, a
person's daily digest, or a one-off email another app queued through ``core.outbox``) moving
pending -> sending -> sent, or failed after its last retry. See ``reminders.services.delivery``
for what happens when a worker dies halfway.
"""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.models import TimeStampedModel
from core.notices import NoticeKind
from curriculum.models import Program


def default_target_check_months() -> list[int]:
    return [6, 9]


def validate_check_months(value) -> None:
    if not isinstance(value, list) or not all(isinstance(m, int) for m in value):
        raise ValidationError("Give the checkpoints as whole months, e.g. 6, 9.")
    if any(m < 1 or m > 23 for m in value):
        raise ValidationError("A checkpoint is between 1 and 23 months into the year.")
    if len(set(value)) != len(value):
        raise ValidationError("A checkpoint is listed twice.")


class ReminderSettings(TimeStampedModel):
    """What the program's director decides about reminders; a program without a row uses the
    defaults below (``ReminderSettings.for_program``)."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "target_check_months": "a list of month numbers (validated)",
    }

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, related_name="reminder_settings"
    )
    days_before_deadline = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Remind people this many days before a calendar deadline.",
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Tell the director when an assessment is this many days overdue.",
    )
    verification_after_days = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
        help_text="Remind the supervisor when a logged procedure has waited this many days.",
    )
    target_check_months = models.JSONField(
        default=default_target_check_months,
        validators=[validate_check_months],
        help_text="Months into the academic year when fellows behind their targets are told.",
    )

    class Meta:
        verbose_name_plural = "reminder settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(days_before_deadline__gte=1, escalate_after_days__gte=1),
                name="reminders_settings_days_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder settings of {self.program}"

    @classmethod
    def for_program(cls, program: Program) -> "ReminderSettings":
        """The saved row, or an unsaved one holding the defaults."""
        try:
            return program.reminder_settings
        except cls.DoesNotExist:
            return cls(program=program)


class Kind(models.TextChoices):
    DEADLINE_UPCOMING = "deadline_upcoming", "Upcoming deadline"
    FINAL_DEADLINE = "final_deadline", "Final summative evaluation due"
    ASSESSMENT_OVERDUE = "assessment_overdue", "Overdue assessment"
    ESCALATION = "escalation", "Overdue assessment escalated to the director"
    VERIFICATION_PENDING = "verification_pending", "Procedure waiting for your verification"
    TARGETS_BEHIND = "targets_behind", "Behind procedure targets"
    ACKNOWLEDGEMENT_PENDING = "acknowledgement_pending", "Assessment waiting for acknowledgement"
    SELF_ASSESSMENT_PENDING = "self_assessment_pending", "Self-assessment to complete"
    WORK_HOURS_UNLOGGED = "work_hours_unlogged", "Work hours not logged for a week"
    CONFIDENTIAL_EVALUATION_DUE = "confidential_due", "Confidential evaluation to complete"
    # Told at once, when work lands on someone (core.notices), rather than found by the sweep.
    ASSESSMENT_REQUESTED = NoticeKind.ASSESSMENT_REQUESTED.value, "Assessment requested of you"
    ASSESSMENT_RETURNED = NoticeKind.ASSESSMENT_RETURNED.value, "Assessment returned for changes"
    ASSESSMENT_SIGNED = NoticeKind.ASSESSMENT_SIGNED.value, "Assessment signed"
    REQUEST_DECLINED = NoticeKind.REQUEST_DECLINED.value, "Assessment request declined"
    REQUEST_EXPIRED = NoticeKind.REQUEST_EXPIRED.value, "Assessment request expired"
    ENTRY_RETURNED = NoticeKind.ENTRY_RETURNED.value, "Procedure entry returned to you"
    PACKET_WAITING = NoticeKind.PACKET_WAITING.value, "Committee packets waiting for levels"
    CHASE = NoticeKind.CHASE.value, "Reminder from the program office"


# Nobody may switch these off.
MANDATORY_KINDS = (Kind.ESCALATION, Kind.FINAL_DEADLINE, Kind.CHASE)
MANDATORY_KINDS_TEXT = (
    "Escalations, final deadlines and reminders from the program office cannot be switched off."
)
OPTIONAL_KINDS = tuple(kind for kind in Kind if kind not in MANDATORY_KINDS)


def validate_muted_kinds(value) -> None:
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ValidationError("Muted kinds must be a list.")
    unknown = [k for k in value if k not in Kind.values]
    if unknown:
        raise ValidationError("Unknown kind(s): %(k)s.", params={"k": ", ".join(unknown)})
    mandatory = [k for k in value if k in MANDATORY_KINDS]
    if mandatory:
        raise ValidationError(MANDATORY_KINDS_TEXT)


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


def calendar_token_hash(token: str) -> str:
    """What is stored of a calendar link's secret (as ``Invitation.token_hash``): a leaked
    database or export opens nobody's calendar."""
    return hashlib.sha256(token.encode()).hexdigest()


class NotificationPreference(TimeStampedModel):
    """How one person wants to hear about reminders, in every program they belong to."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "muted_kinds": "a list of reminder-kind codes",
        "calendar_token_hash": "a hash the app computes",
    }

    class Delivery(models.TextChoices):
        DIGEST = "digest", "One daily digest"
        IMMEDIATE = "immediate", "Each reminder as it comes"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.DIGEST)
    digest_hour = models.PositiveSmallIntegerField(
        default=7,
        validators=[MaxValueValidator(23)],
        help_text="Hour of the day (program time) after which the daily digest is sent.",
    )
    muted_kinds = models.JSONField(default=list, blank=True, validators=[validate_muted_kinds])
    # SHA-256 of the private calendar link's secret; empty when the feed is off.
    calendar_token_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(digest_hour__gte=0, digest_hour__lte=23),
                name="reminders_preference_hour_range",
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=["digest", "immediate"]),
                name="reminders_preference_delivery_valid",
            ),
            models.UniqueConstraint(
                fields=["calendar_token_hash"],
                condition=~Q(calendar_token_hash=""),
                name="reminders_preference_unique_calendar_token_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"

    @property
    def calendar_token(self) -> str:
        """The link's secret, only on the instance that was just given it (it is never stored
        nor read back); empty otherwise."""
        return getattr(self, "_calendar_token", "")

    @calendar_token.setter
    def calendar_token(self, token: str) -> None:
        self._calendar_token = token
        self.calendar_token_hash = calendar_token_hash(token) if token else ""


class Delivery(TimeStampedModel):
    """One email: a single reminder (``immediate``), a person's daily ``digest``, or a
    ``transactional`` email another app queued through ``core.outbox`` (an invitation, an
    evaluation request), which carries its own address, subject and body.

    ``key`` makes creating it idempotent ("reminder:<id>", "digest:<user>:<date>",
    "invitation:<id>:<n>"); the partial unique constraint holds "at most one digest per person
    per day" in the database. A transactional body holds a live link: it is erased once sent.
    """

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "key": "a machine key the app builds",
        "last_error": "the mail server's error text",
        "subject": "an email the app writes from screened records",
        "body_text": "an email the app writes from screened records",
        "body_html": "an email the app writes from screened records",
        "source": "a machine key the app builds",
    }

    class Kind(models.TextChoices):
        IMMEDIATE = "immediate", "Single reminder"
        DIGEST = "digest", "Daily digest"
        TRANSACTIONAL = "transactional", "One-off email"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reminder_deliveries",
        null=True,
        blank=True,
        help_text="Empty for a one-off email to someone without an account.",
    )
    kind = models.CharField(max_length=15, choices=Kind.choices)
    key = models.CharField(max_length=100, unique=True)
    # One-off emails only: the program they are about, and what to send.
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries"
    )
    to_email = models.EmailField(blank=True)
    subject = models.CharField(max_length=250, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    source = models.CharField(max_length=40, blank=True, help_text="e.g. evaluators.request")
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    forget_address = models.BooleanField(
        default=False, help_text="Erase the address once the email has left or is given up."
    )
    digest_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "digest_date"],
                condition=Q(kind="digest"),
                name="reminders_delivery_one_digest_per_day",
            ),
            models.CheckConstraint(
                condition=~Q(kind="digest") | Q(digest_date__isnull=False),
                name="reminders_delivery_digest_has_date",
            ),
            models.CheckConstraint(
                condition=Q(kind="transactional") | Q(recipient__isnull=False),
                name="reminders_delivery_reminder_has_recipient",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["immediate", "digest", "transactional"]),
                name="reminders_delivery_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed"]),
                name="reminders_delivery_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="reminders_delivery_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        to = self.recipient if self.recipient_id else (self.to_email or "an erased address")
        return f"{self.get_kind_display()} to {to} ({self.get_status_display()})"


class Reminder(TimeStampedModel):
    """The ledger: one reminder of one ``kind`` about one object to one person for one period.

    It is also the in-app notification (``read_at``). ``subject`` and ``url_path`` are written
    by the sweep so that sending needs no further lookups; no patient data is ever part of them.
    """

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "period": "a machine key the app builds",
        "subject": "written by the app from screened titles",
        "url_path": "a path the app builds",
    }

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be emailed"
        SENT = "sent", "Emailed"
        FAILED = "failed", "Email failed"

    class ObjectType(models.TextChoices):
        DEADLINE = "deadline", "Calendar deadline"
        ASSESSMENT = "assessment", "Assessment"
        PROCEDURE_ENTRY = "procedure_entry", "Procedure log entry"
        FELLOW = "fellow", "Fellow"
        REVIEW_PERIOD = "review_period", "Committee review period"
        WORK_WEEK = "work_week", "Work-hour week"
        CONFIDENTIAL_EVALUATION = "confidential", "Confidential evaluation"

    Kind = Kind

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="reminders")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reminders"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    object_type = models.CharField(max_length=20, choices=ObjectType.choices)
    object_id = models.PositiveBigIntegerField()
    period = models.CharField(max_length=20, help_text="e.g. the due date this reminder is for.")
    subject = models.CharField(max_length=200)
    due_date = models.DateField(null=True, blank=True)
    url_path = models.CharField(max_length=300)
    channel = models.CharField(max_length=10, choices=NotificationPreference.Delivery.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    delivery = models.ForeignKey(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="reminders"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "object_type", "object_id", "period"],
                name="reminders_reminder_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sent", "failed"]),
                name="reminders_reminder_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values), name="reminders_reminder_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["status", "channel", "delivery"]),
            models.Index(fields=["program", "status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject} -> {self.recipient}"

    def get_absolute_url(self) -> str:
        return reverse("reminders:director_reminders", kwargs={"program_id": self.program_id})
