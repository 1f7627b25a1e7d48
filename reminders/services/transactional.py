"""One-off emails of other apps (invitations, evaluation requests), queued through
``core.outbox``: a delivery of kind ``transactional`` that goes the same way as a reminder."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import outbox

from ..models import Delivery
from .handover import enqueue_after_commit

Status = Delivery.Status
TRANSACTIONAL = Delivery.Kind.TRANSACTIONAL


def transactional_email_queue(email: outbox.OutgoingEmail) -> Delivery:
    """Record a one-off email for ``core.outbox`` and hand it over after commit.

    Called inside the caller's transaction, so the email exists exactly when the row it is
    about does. The same ``key`` twice records (and sends) one email. Earlier unsent emails
    whose key starts with ``email.replaces`` are given up: their link no longer works.
    """
    now = timezone.now()
    with transaction.atomic():
        if email.replaces:
            Delivery.objects.filter(
                kind=TRANSACTIONAL,
                key__startswith=email.replaces,
                status__in=[Status.PENDING, Status.FAILED],
            ).exclude(key=email.key).update(
                status=Status.FAILED,
                last_error="Replaced by a newer email.",
                next_attempt_at=None,
                body_text="",
                body_html="",
                updated_at=now,
            )
        existing = Delivery.objects.filter(key=email.key).first()
        if existing is not None:
            return existing
        delivery = Delivery(
            kind=TRANSACTIONAL,
            key=email.key,
            program_id=email.program_id,
            to_email=email.to,
            subject=email.subject[:250],
            body_text=email.body,
            body_html=email.html,
            source=email.source,
            source_id=email.source_id,
            forget_address=email.forget_address,
            enqueued_at=now,
        )
        delivery.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                delivery.save()
        except IntegrityError:  # the same key, queued at the same moment elsewhere
            return Delivery.objects.get(key=email.key)
        enqueue_after_commit([delivery.pk], now)
    return delivery
