"""Reads for the Clinical Competency Committee: who may be appointed, who is, its meetings."""

from django.db.models import Prefetch, QuerySet

from curriculum.models import Membership, Program

from ..models import CommitteeMeeting, ReviewPeriod
from ..permissions import can_manage_committee, can_view_ccc


def committee_candidates(*, user, program: Program) -> QuerySet[Membership]:
    """Active faculty and directors of the program, for the director appointing the committee."""
    if not can_manage_committee(user, program):
        return Membership.objects.none()
    return (
        Membership.objects.filter(
            program=program, role__in=Membership.TEACHING_ROLES, is_active=True
        )
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def committee_members(*, user, program: Program) -> QuerySet[Membership]:
    """The committee's members, for those who see the committee's work."""
    if not can_view_ccc(user, program):
        return Membership.objects.none()
    return (
        Membership.objects.filter(ccc_committees__program=program)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def period_meetings(*, user, period: ReviewPeriod) -> QuerySet[CommitteeMeeting]:
    """The period's meetings, newest first, with who was present (two queries)."""
    if not can_view_ccc(user, period.program):
        return CommitteeMeeting.objects.none()
    return period.meetings.select_related("recorded_by").prefetch_related(
        Prefetch("present", queryset=Membership.objects.select_related("user"))
    )
