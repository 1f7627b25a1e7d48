"""Scoped reads for verification: the entries a user may sign off."""

from django.db.models import QuerySet

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

from ..models import ProcedureLogEntry


def verifiable_entry_list(*, user, program: Program) -> QuerySet[ProcedureLogEntry]:
    """Entries of ``program`` (any status) that ``user`` may verify, return or reopen: those they
    supervise while active in the program, or every entry for the director."""
    if not user.is_authenticated:
        return ProcedureLogEntry.objects.none()
    entries = ProcedureLogEntry.objects.filter(program=program)
    if not has_program_role(user, program, [Membership.Role.DIRECTOR]):
        entries = entries.filter(
            supervisor__user=user, supervisor__program=program, supervisor__is_active=True
        )
    return entries.select_related(
        "program", "fellow__user", "supervisor__user", "procedure_type__category"
    )


def verification_queue(*, user, program: Program) -> QuerySet[ProcedureLogEntry]:
    """Pending entries waiting for ``user``'s verification, oldest first (constant queries)."""
    return (
        verifiable_entry_list(user=user, program=program)
        .filter(status=ProcedureLogEntry.Status.PENDING)
        .order_by("performed_on", "created_at", "pk")
    )
