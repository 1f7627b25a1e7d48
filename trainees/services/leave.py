"""Leave of absence as dated periods, and the program's leave policy. The program's director and
coordinator record them (``curriculum.permissions.can_manage_roster``); every change refreshes
the enrolment's leave totals and so its expected end date."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record, changes_between, field_values
from curriculum.models import Program

from ..leave import leave_totals
from ..models import Enrolment, LeavePeriod, LeavePolicy
from .pathway import enforce_manager

PERIOD_FIELDS = ["kind", "start", "end", "note"]


def leave_policy_get(*, program: Program) -> LeavePolicy:
    """The program's policy; an unsaved default one if it never set one."""
    return LeavePolicy.objects.filter(program=program).first() or LeavePolicy(program=program)


def enrolment_leave_refresh(*, enrolment: Enrolment, policy: LeavePolicy | None = None) -> None:
    """Recompute the stored leave totals of ``enrolment`` (call inside the writing transaction)."""
    policy = policy or leave_policy_get(program=enrolment.cohort.program)
    total, extension = leave_totals(
        periods=enrolment.leave_periods.all(),
        policy=policy,
        undated_days=enrolment.undated_leave_days,
        track_months=enrolment.track_months,
    )
    enrolment.leave_days, enrolment.leave_extension_days = total, extension
    enrolment.save(update_fields=["leave_days", "leave_extension_days", "updated_at"])


def _check_period(
    enrolment: Enrolment,
    start: datetime.date,
    end: datetime.date,
    exclude: LeavePeriod | None = None,
) -> None:
    if end < start:
        raise ValidationError({"end": "The leave cannot end before it starts."})
    if start < enrolment.start_date or start > enrolment.expected_end_date:
        raise ValidationError(
            {
                "start": "The leave must start inside the enrolment "
                f"({enrolment.start_date:%b %d, %Y} to {enrolment.expected_end_date:%b %d, %Y})."
            }
        )
    others = enrolment.leave_periods.filter(start__lte=end, end__gte=start)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    clash = others.first()
    if clash is not None:
        raise ValidationError({"start": f"This overlaps another leave period ({clash})."})


def _locked(enrolment: Enrolment) -> Enrolment:
    return (
        Enrolment.objects.select_for_update()
        .select_related("cohort__program", "cohort__academic_year")
        .get(pk=enrolment.pk)
    )


def leave_period_add(
    *,
    actor,
    enrolment: Enrolment,
    kind: str,
    start: datetime.date,
    end: datetime.date,
    note: str = "",
) -> LeavePeriod:
    program = enrolment.cohort.program
    enforce_manager(actor, program)
    with transaction.atomic():
        enrolment = _locked(enrolment)
        _check_period(enrolment, start, end)
        period = LeavePeriod(enrolment=enrolment, kind=kind, start=start, end=end, note=note)
        period.full_clean()
        period.save()
        enrolment_leave_refresh(enrolment=enrolment)
        audit_record(
            actor=actor,
            action="leave_period.add",
            obj=period,
            program=program,
            changes=changes_between({}, field_values(period, PERIOD_FIELDS)),
        )
    return period


def leave_period_update(
    *,
    actor,
    enrolment: Enrolment,
    period: LeavePeriod,
    kind: str,
    start: datetime.date,
    end: datetime.date,
    note: str = "",
) -> LeavePeriod:
    program = enrolment.cohort.program
    enforce_manager(actor, program)
    if period.enrolment_id != enrolment.pk:
        raise ValidationError("This leave period belongs to another enrolment.")
    with transaction.atomic():
        enrolment = _locked(enrolment)
        period = LeavePeriod.objects.select_for_update().get(pk=period.pk)
        _check_period(enrolment, start, end, exclude=period)
        before = field_values(period, PERIOD_FIELDS)
        period.kind, period.start, period.end, period.note = kind, start, end, note
        period.full_clean()
        period.save()
        enrolment_leave_refresh(enrolment=enrolment)
        audit_record(
            actor=actor,
            action="leave_period.update",
            obj=period,
            program=program,
            changes=changes_between(before, field_values(period, PERIOD_FIELDS)),
        )
    return period


def leave_period_remove(*, actor, enrolment: Enrolment, period: LeavePeriod) -> None:
    program = enrolment.cohort.program
    enforce_manager(actor, program)
    if period.enrolment_id != enrolment.pk:
        raise ValidationError("This leave period belongs to another enrolment.")
    with transaction.atomic():
        enrolment = _locked(enrolment)
        period = LeavePeriod.objects.select_for_update().get(pk=period.pk)
        before = field_values(period, PERIOD_FIELDS)
        audit_record(
            actor=actor,
            action="leave_period.remove",
            obj=period,
            program=program,
            changes=changes_between(before, {}),
        )
        period.delete()
        enrolment_leave_refresh(enrolment=enrolment)


def leave_policy_update(
    *, actor, program: Program, allowance_days: int, vacation_counts: bool
) -> LeavePolicy:
    """Set the program's policy and recompute every enrolment's expected end under it."""
    enforce_manager(actor, program)
    with transaction.atomic():
        policy = leave_policy_get(program=program)
        before = field_values(policy, ["allowance_days", "vacation_counts"]) if policy.pk else {}
        policy.allowance_days, policy.vacation_counts = allowance_days, vacation_counts
        policy.full_clean()
        policy.save()
        enrolments = (
            Enrolment.objects.select_for_update()
            .filter(cohort__program=program)
            .prefetch_related("leave_periods")
        )
        for enrolment in enrolments:
            enrolment_leave_refresh(enrolment=enrolment, policy=policy)
        audit_record(
            actor=actor,
            action="leave_policy.update",
            obj=policy,
            program=program,
            changes=changes_between(
                before, field_values(policy, ["allowance_days", "vacation_counts"])
            ),
        )
    return policy
