"""What the procedure log tells the fellow when work lands on them (``core.notices``)."""

from django.urls import reverse

from core.notices import Notice, NoticeKind, notify, occurrence_key

from .models import ProcedureLogEntry


def entry_returned(entry: ProcedureLogEntry, *, returned_by: str) -> None:
    """The fellow hears at once that an entry came back, and where to correct it."""
    notify(
        [
            Notice(
                program_id=entry.program_id,
                recipient_id=entry.fellow.user_id,
                kind=NoticeKind.ENTRY_RETURNED,
                object_type="procedure_entry",
                object_id=entry.pk,
                subject=(
                    f"{returned_by} returned your {entry.procedure_type.name} of "
                    f"{entry.performed_on:%b} {entry.performed_on.day}: {entry.return_reason}"
                ),
                url_path=reverse(
                    "procedures:entry_edit",
                    kwargs={"program_id": entry.program_id, "entry_id": entry.pk},
                ),
                # A second return after a correction is a second notice.
                key=occurrence_key(),
            )
        ]
    )
