"""The one definition of how leave is counted and how far it moves a fellow's end date."""

from collections.abc import Iterable

from .models import LeavePeriod, LeavePolicy


def leave_totals(
    *,
    periods: Iterable[LeavePeriod],
    policy: LeavePolicy | None,
    undated_days: int,
    track_months: int,
) -> tuple[int, int]:
    """``(leave_days, extension_days)`` for one enrolment.

    Days are calendar days, both ends included. The allowance is ``policy.allowance_days`` per
    12 months of the track (24 months: twice it); only days beyond it extend training. Vacation
    counts against it unless the policy says otherwise. Undated days (from before leave had
    dates) extend training one for one, as they did when they were recorded.
    """
    periods = list(periods)
    allowance = (policy.allowance_days if policy else 0) * track_months // 12
    vacation_counts = policy.vacation_counts if policy else True
    counted = sum(p.days for p in periods if vacation_counts or p.kind != LeavePeriod.Kind.VACATION)
    total = sum(p.days for p in periods) + undated_days
    return total, undated_days + max(0, counted - allowance)
