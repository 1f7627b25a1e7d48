"""The email for one delivery: HTML and plain text, a signed link per item, a preferences link.

Each message carries a ``Message-ID`` derived from the delivery, so the rare re-send after a
worker died between the SMTP server's acceptance and our commit is recognisably the same email.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from core.links import absolute_url

from .links import open_path
from .models import Delivery, Reminder


def message_id(delivery: Delivery) -> str:
    return f"<reminder-delivery-{delivery.pk}@{settings.REMINDERS_MESSAGE_ID_DOMAIN}>"


def build_message(delivery: Delivery, reminders: list[Reminder]) -> EmailMultiAlternatives:
    if delivery.kind == Delivery.Kind.TRANSACTIONAL:
        return _transactional_message(delivery)
    items = [
        {
            "reminder": reminder,
            "url": absolute_url(open_path(program_id=reminder.program_id, reminder_id=reminder.pk)),
        }
        for reminder in reminders
    ]
    program_id = reminders[0].program_id
    context = {
        "recipient": delivery.recipient,
        "items": items,
        "is_digest": delivery.kind == Delivery.Kind.DIGEST,
        "preferences_url": absolute_url(
            reverse("reminders:preferences", kwargs={"program_id": program_id})
        ),
        "centre_url": absolute_url(
            reverse("reminders:notification_centre", kwargs={"program_id": program_id})
        ),
    }
    if delivery.kind == Delivery.Kind.DIGEST:
        count = len(items)
        subject = f"Your daily summary: {count} item{'s' if count != 1 else ''} waiting"
    elif len(items) > 1:  # several notices raised at once (a coordinator chasing)
        subject = f"{reminders[0].subject} (and {len(items) - 1} more)"
    else:
        subject = reminders[0].subject
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}"[:250],
        body=render_to_string("reminders/email/reminder.txt", context),
        to=[delivery.recipient.email],
        headers={"Message-ID": message_id(delivery)},
    )
    message.attach_alternative(
        render_to_string("reminders/email/reminder.html", context), "text/html"
    )
    return message


def _transactional_message(delivery: Delivery) -> EmailMultiAlternatives:
    """A one-off email as its app rendered it when queuing (``core.outbox``)."""
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.body_text,
        to=[delivery.to_email],
        headers={"Message-ID": message_id(delivery)},
    )
    if delivery.body_html:
        message.attach_alternative(delivery.body_html, "text/html")
    return message
