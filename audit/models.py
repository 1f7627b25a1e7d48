"""The audit trail: who changed what, when, and from which request.

Rows are only ever inserted (``audit.services.audit_record``). On PostgreSQL a trigger refuses any
UPDATE or DELETE of the table, so not even a bug or a stray admin action can rewrite history.
"""

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel
from curriculum.models import Program


class AuditEvent(TimeStampedModel):
    """One change to an audited record (assessments, signatures, procedure entries, rosters,
    targets, reminders). ``changes`` maps a field name to ``[before, after]``."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "action": "the audit trail copies what the app recorded; it never takes typed text",
        "object_type": "the audit trail copies what the app recorded; it never takes typed text",
        "object_id": "the audit trail copies what the app recorded; it never takes typed text",
        "object_repr": "the audit trail copies what the app recorded; it never takes typed text",
        "changes": "the audit trail copies what the app recorded; it never takes typed text",
        "request_id": "the audit trail copies what the app recorded; it never takes typed text",
        "request_method": "the audit trail copies what the app recorded; it never takes typed text",
        "request_path": "the audit trail copies what the app recorded; it never takes typed text",
    }

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        help_text="Empty when the system acted (a scheduled task).",
    )
    action = models.CharField(max_length=60, help_text='What happened, e.g. "assessment.sign".')
    object_type = models.CharField(max_length=60, help_text='"app_label.model" of the record.')
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    request_method = models.CharField(max_length=10, blank=True)
    request_path = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["program", "-created_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        who = self.actor or "system"
        return f"{self.action} {self.object_type}#{self.object_id} by {who}"
