"""The program's evaluation timing: when end-of-rotation evaluations fall due, how often a long
rotation gets an interim one, how early the final summative is due, and when a fellow's
unanswered request expires."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from audit.services import audit_record
from curriculum.models import Program

from ..permissions import can_manage_templates

TIMING_FIELDS = (
    "evaluation_due_days",
    "evaluation_interval_months",
    "summative_lead_days",
    "request_expiry_days",
)


@transaction.atomic
def program_evaluation_timing_update(*, actor, program: Program, **values) -> Program:
    """The director sets the timings; an unchanged save records nothing."""
    if not can_manage_templates(actor, program):
        raise PermissionDenied("Only the program director changes the evaluation timing.")
    program = Program.objects.select_for_update().get(pk=program.pk)
    changes = {}
    for field in TIMING_FIELDS:
        before, after = getattr(program, field), values[field]
        if before != after:
            changes[field] = [before, after]
            setattr(program, field, after)
    if changes:
        program.full_clean()
        program.save(update_fields=[*changes, "updated_at"])
        audit_record(actor=actor, action="program.evaluation_timing", obj=program, changes=changes)
    return program
