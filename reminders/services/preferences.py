"""Program settings, personal preferences, the private calendar link and read marks."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, changes_between, field_values
from curriculum.models import Program

from ..models import (
    MANDATORY_KINDS,
    MANDATORY_KINDS_TEXT,
    NotificationPreference,
    Reminder,
    ReminderSettings,
    new_calendar_token,
)
from ..permissions import can_manage_reminders

PREFERENCE_FIELDS = ("delivery", "digest_hour", "muted_kinds")
SETTINGS_FIELDS = (
    "days_before_deadline",
    "escalate_after_days",
    "verification_after_days",
    "target_check_months",
)


@transaction.atomic
def reminder_settings_update(
    *,
    actor,
    program: Program,
    days_before_deadline: int,
    escalate_after_days: int,
    verification_after_days: int,
    target_check_months: list[int],
) -> ReminderSettings:
    """The director sets the program's lead time, escalation delay and target checkpoints."""
    if not can_manage_reminders(actor, program):
        raise PermissionDenied("Only the program director changes reminder settings.")
    row, _ = ReminderSettings.objects.select_for_update().get_or_create(program=program)
    before = field_values(row, SETTINGS_FIELDS)
    row.days_before_deadline = days_before_deadline
    row.escalate_after_days = escalate_after_days
    row.verification_after_days = verification_after_days
    row.target_check_months = sorted(target_check_months)
    row.full_clean()
    row.save()
    if changes := changes_between(before, field_values(row, SETTINGS_FIELDS)):
        audit_record(actor=actor, action="reminder_settings.update", obj=row, changes=changes)
    return row


def preference_get(*, user) -> NotificationPreference:
    """The person's preferences, or unsaved defaults (digest at 07:00, every kind)."""
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


@transaction.atomic
def preference_update(
    *, actor, delivery: str, digest_hour: int, muted_kinds: list[str]
) -> NotificationPreference:
    """Change one's own preferences; escalations and final deadlines cannot be muted."""
    if any(kind in MANDATORY_KINDS for kind in muted_kinds):
        raise ValidationError({"muted_kinds": MANDATORY_KINDS_TEXT})
    pref, _ = NotificationPreference.objects.select_for_update().get_or_create(user=actor)
    before = field_values(pref, PREFERENCE_FIELDS)
    pref.delivery = delivery
    pref.digest_hour = digest_hour
    pref.muted_kinds = sorted(set(muted_kinds))
    pref.full_clean()
    pref.save()
    if changes := changes_between(before, field_values(pref, PREFERENCE_FIELDS)):
        audit_record(
            actor=actor, action="notification_preference.update", obj=pref, changes=changes
        )
    return pref


@transaction.atomic
def calendar_token_reset(*, actor) -> NotificationPreference:
    """A new secret calendar link; the old one stops working at once.

    Only its hash is stored: the returned row's ``calendar_token`` is the one chance to show it.
    """
    pref, _ = NotificationPreference.objects.select_for_update().get_or_create(user=actor)
    had_link = bool(pref.calendar_token_hash)
    pref.calendar_token = new_calendar_token()
    pref.save(update_fields=["calendar_token_hash", "updated_at"])
    # The token (and its hash) stay out of the trail: only that a link exists.
    audit_record(
        actor=actor,
        action="notification_preference.calendar_link_reset",
        obj=pref,
        changes={"calendar_link": [had_link, True]},
    )
    return pref


@transaction.atomic
def calendar_token_revoke(*, actor) -> NotificationPreference:
    """Turn the calendar feed off."""
    pref, _ = NotificationPreference.objects.select_for_update().get_or_create(user=actor)
    had_link = bool(pref.calendar_token_hash)
    pref.calendar_token = ""
    pref.save(update_fields=["calendar_token_hash", "updated_at"])
    if had_link:
        audit_record(
            actor=actor,
            action="notification_preference.calendar_link_revoke",
            obj=pref,
            changes={"calendar_link": [True, False]},
        )
    return pref


def notification_mark_read(*, actor, reminder: Reminder) -> Reminder:
    """Mark one of one's own notifications read (opening it does this)."""
    if reminder.recipient_id != actor.pk:
        raise PermissionDenied("This notification is someone else's.")
    if reminder.read_at is None:
        reminder.read_at = timezone.now()
        Reminder.objects.filter(pk=reminder.pk, read_at__isnull=True).update(
            read_at=reminder.read_at
        )
    return reminder


def notifications_mark_all_read(*, actor) -> int:
    """Mark every unread notification of the person read; how many changed."""
    return Reminder.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
