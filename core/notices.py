"""Telling a person at once that work has landed on them (a request, a returned entry, a
signed assessment), in the notification centre and by email as their preferences say.

Like ``core.outbox``: the app that keeps the ledger (``reminders``) registers the recording
function in its ``AppConfig.ready()``; apps below it call ``notify`` inside the transaction
that makes the change, so the notice exists exactly when the change does. The same notice
twice (same recipient, kind, object and ``key``) is recorded once. Nothing here knows a domain
beyond the names of the kinds, which the ledger's ``Kind`` choices reuse.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


class NoticeKind(StrEnum):
    ASSESSMENT_REQUESTED = "assessment_requested"
    ASSESSMENT_RETURNED = "assessment_returned"
    ASSESSMENT_SIGNED = "assessment_signed"
    REQUEST_DECLINED = "request_declined"
    REQUEST_EXPIRED = "request_expired"
    ENTRY_RETURNED = "entry_returned"
    PACKET_WAITING = "packet_waiting"
    CHASE = "chase"


@dataclass(frozen=True)
class Notice:
    program_id: int
    recipient_id: int  # a user id
    kind: NoticeKind
    object_type: str  # "assessment", "procedure_entry", "review_period"
    object_id: int
    subject: str  # written by the app from screened titles; never patient data
    url_path: str  # where the notice leads, a path inside the app
    key: str  # tells repeats apart (a second return of the same entry), at most 20 characters
    # Email it now whatever the person's digest preference (a coordinator's "send now").
    immediate: bool = False


def occurrence_key() -> str:
    """A ``key`` telling one occurrence of a repeatable event (a second return of the same entry)
    from the next: the moment, to the microsecond, in 20 characters."""
    return timezone.now().strftime("%Y%m%d%H%M%S%f")[:20]


_record: Callable[[list[Notice]], int] | None = None


def record_register(record: Callable[[list[Notice]], int]) -> None:
    global _record
    _record = record


def notify(notices: Iterable[Notice]) -> int:
    """Record ``notices`` in the current transaction; the email leaves after commit. Returns
    how many were new (an already recorded notice counts 0)."""
    if _record is None:
        raise ImproperlyConfigured("No notice ledger is registered (is 'reminders' installed?).")
    notices = list(notices)
    return _record(notices) if notices else 0
