"""One-off emails (an invitation, an evaluation request) that must leave even if the mail server
is down when they are asked for.

The app that keeps the delivery ledger (``reminders``) registers the queueing function here in its
``AppConfig.ready()``; apps below it (``accounts``) and beside it (``evaluators``) call
``email_queue`` inside the transaction that saves the row the email is about. The email is then
recorded with that row, sent by a worker after commit, and retried while the server is down;
queuing the same ``key`` twice sends once. Nothing here knows any domain.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class OutgoingEmail:
    key: str  # idempotency key, e.g. "invitation:<id>:<n>"
    to: str
    subject: str
    body: str
    html: str = ""
    program_id: int | None = None
    # Who asked, so they hear when it left (``sent_handler_register``).
    source: str = ""
    source_id: int | None = None
    # Erase the address once the email has left (or been given up): a patient's, say.
    forget_address: bool = False
    # Key prefix of earlier unsent emails this one makes pointless (an older invitation link).
    replaces: str = ""


_queue: Callable[[OutgoingEmail], object] | None = None
_sent_handlers: dict[str, Callable[[int, datetime.datetime], None]] = {}


def queue_register(queue: Callable[[OutgoingEmail], object]) -> None:
    global _queue
    _queue = queue


def sent_handler_register(source: str, handler: Callable[[int, datetime.datetime], None]) -> None:
    _sent_handlers[source] = handler


def email_queue(email: OutgoingEmail) -> None:
    """Record ``email`` in the current transaction; it is sent after commit, with retries."""
    if _queue is None:
        raise ImproperlyConfigured("No email outbox is registered (is 'reminders' installed?).")
    _queue(email)


def email_sent(*, source: str, source_id: int | None, sent_at: datetime.datetime) -> None:
    """Called by the outbox, in the transaction that records the email as sent."""
    handler = _sent_handlers.get(source)
    if handler is not None and source_id is not None:
        handler(source_id, sent_at)
