"""Changes to reminder settings and to one's own preferences write one audit event each, with
the changed fields (never a calendar token); a refused change writes none."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from reminders.models import Kind
from reminders.services.preferences import (
    calendar_token_reset,
    calendar_token_revoke,
    preference_update,
    reminder_settings_update,
)

SETTINGS = {
    "days_before_deadline": 5,
    "escalate_after_days": 10,
    "verification_after_days": 7,
    "target_check_months": [6, 3],
}


def test_settings_update_is_audited_and_a_refusal_is_not(ours):
    with pytest.raises(PermissionDenied):
        reminder_settings_update(actor=ours.faculty, program=ours.program, **SETTINGS)
    assert not AuditEvent.objects.exists()
    reminder_settings_update(actor=ours.coordinator, program=ours.program, **SETTINGS)
    event = AuditEvent.objects.get(action="reminder_settings.update")
    assert (event.actor, event.program) == (ours.coordinator, ours.program)
    assert event.changes["target_check_months"][1] == [3, 6]


def test_preference_update_is_audited_and_a_refusal_or_no_change_is_not(ours):
    with pytest.raises(ValidationError):
        preference_update(
            actor=ours.fellow, delivery="digest", digest_hour=7, muted_kinds=[Kind.ESCALATION]
        )
    assert not AuditEvent.objects.exists()
    for hour in (9, 9):
        preference_update(actor=ours.fellow, delivery="immediate", digest_hour=hour, muted_kinds=[])
    event = AuditEvent.objects.get(action="notification_preference.update")
    assert event.actor == ours.fellow
    assert event.changes == {"delivery": ["digest", "immediate"], "digest_hour": [7, 9]}


def test_calendar_link_reset_and_revoke_are_audited_without_the_token(ours):
    calendar_token_revoke(actor=ours.fellow)  # no link yet: nothing changes, nothing recorded
    assert not AuditEvent.objects.exists()
    token = calendar_token_reset(actor=ours.fellow).calendar_token
    calendar_token_revoke(actor=ours.fellow)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "changes"))
    assert actions == [
        ("notification_preference.calendar_link_reset", {"calendar_link": [False, True]}),
        ("notification_preference.calendar_link_revoke", {"calendar_link": [True, False]}),
    ]
    assert token not in str(actions)
