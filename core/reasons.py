"""The short reason a person gives for sending work back or declining it, which someone else
reads: required, trimmed, and short enough to show beside the item."""

from django.core.exceptions import ValidationError

REASON_MAX_LENGTH = 300


def clean_reason(reason: str, *, missing: str = "Give a reason.") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": missing})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": f"Keep the reason to {REASON_MAX_LENGTH} characters or fewer."}
        )
    return reason
