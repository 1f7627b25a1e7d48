"""Scoped reads of the training pathway: every function returns only what ``user`` may see."""

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet

from curriculum.models import Membership, Program
from curriculum.permissions import has_program_role

from .models import AcademicYear, Cohort, Deadline, Enrolment, LeavePeriod, ScheduleBlock
from .permissions import can_manage_pathway, can_view_cohorts

Status = Enrolment.Status


def academic_year_list(*, user, program: Program) -> QuerySet[AcademicYear]:
    if not can_view_cohorts(user, program):
        return AcademicYear.objects.none()
    return AcademicYear.objects.filter(program=program).order_by("-start_date")


def cohort_list(*, user, program: Program) -> QuerySet[Cohort]:
    """The program's cohorts for its staff and faculty (fellows see none), with fellow counts."""
    if not can_view_cohorts(user, program):
        return Cohort.objects.none()
    return (
        Cohort.objects.filter(program=program)
        .select_related("program", "academic_year")
        .annotate(
            fellow_count=Count("enrolments"),
            **{
                f"{status}_count": Count("enrolments", filter=Q(enrolments__status=status))
                for status in Status.values
            },
        )
        .order_by("-academic_year__start_date", "name")
    )


def cohort_enrolment_list(
    *, user, cohort: Cohort, on: datetime.date | None = None
) -> QuerySet[Enrolment]:
    """A cohort's fellows with their user rows and, when ``on`` is given, the rotations they are
    on that day (``current_blocks``): two queries however many fellows there are."""
    if not can_view_cohorts(user, cohort.program):
        return Enrolment.objects.none()
    enrolments = Enrolment.objects.filter(cohort=cohort)
    if on is not None:
        current = ScheduleBlock.objects.filter(start_date__lte=on, end_date__gte=on)
        enrolments = enrolments.prefetch_related(
            Prefetch("blocks", current.select_related("rotation"), to_attr="current_blocks")
        )
    return enrolments.select_related("membership__user").order_by(
        "membership__user__full_name", "membership__user__email", "pk"
    )


def fellow_membership_list(*, user, program: Program) -> QuerySet[Membership]:
    """Fellows of ``program`` whose pathway ``user`` may read: all for staff and faculty
    (former fellows included, their history stays), only themself for a fellow."""
    if not user.is_authenticated:
        return Membership.objects.none()
    fellows = Membership.objects.filter(program=program, role=Membership.Role.FELLOW)
    if not can_view_cohorts(user, program):
        fellows = fellows.filter(user=user, is_active=True)
    return fellows.select_related(
        "user", "program", "medical_education", "residency"
    ).prefetch_related(
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.select_related("cohort__academic_year")
            .prefetch_related(
                Prefetch(
                    "blocks",
                    ScheduleBlock.objects.select_related("rotation").order_by("start_date"),
                ),
                Prefetch("leave_periods", LeavePeriod.objects.order_by("start", "pk")),
            )
            .order_by("-start_date"),
        )
    )


def fellowable_membership_list(*, user, program: Program) -> QuerySet[Membership]:
    """Active fellows a director or coordinator may enrol in a cohort."""
    if not can_manage_pathway(user, program):
        return Membership.objects.none()
    return (
        Membership.objects.filter(program=program, role=Membership.Role.FELLOW, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def my_enrolment_list(*, user, program: Program) -> QuerySet[Enrolment]:
    """The signed-in fellow's own enrolments in ``program``."""
    if not user.is_authenticated:
        return Enrolment.objects.none()
    return (
        Enrolment.objects.filter(
            membership__user=user,
            membership__program=program,
            membership__role=Membership.Role.FELLOW,
            membership__is_active=True,
        )
        .select_related("cohort__academic_year")
        .order_by("-start_date")
    )


def deadline_list(
    *,
    user,
    program: Program,
    academic_year: AcademicYear | None = None,
    kind: str | None = None,
) -> QuerySet[Deadline]:
    """The program calendar as ``user`` may see it.

    Staff and faculty see every deadline; a fellow sees the program-wide CCC reviews and the
    deadlines of their own enrolments; anyone else sees nothing.
    """
    if not user.is_authenticated:
        return Deadline.objects.none()
    deadlines = Deadline.objects.filter(program=program)
    if not can_view_cohorts(user, program):
        if not has_program_role(user, program, [Membership.Role.FELLOW]):
            return Deadline.objects.none()
        deadlines = deadlines.filter(
            Q(enrolment__isnull=True, kind=Deadline.Kind.CCC_REVIEW)
            | Q(
                enrolment__membership__user=user,
                enrolment__membership__role=Membership.Role.FELLOW,
                enrolment__membership__is_active=True,
            )
        )
    if academic_year is not None:
        deadlines = deadlines.filter(academic_year=academic_year)
    if kind:
        deadlines = deadlines.filter(kind=kind)
    return deadlines.select_related(
        "academic_year", "enrolment__membership__user", "enrolment__cohort"
    ).order_by("due_date", "kind", "title", "pk")


def managed_enrolment_list(*, user, program: Program) -> QuerySet[Enrolment]:
    """Enrolments of the program that ``user`` may change (status, schedule): its director and
    coordinator only."""
    if not can_manage_pathway(user, program):
        return Enrolment.objects.none()
    return Enrolment.objects.filter(cohort__program=program).select_related(
        "cohort__academic_year", "membership__user"
    )


# --- The schedule grid ------------------------------------------------------------------------


def schedule_enrolment_list(
    *, user, program: Program, academic_year: AcademicYear
) -> QuerySet[Enrolment]:
    """Every scheduled fellow of the year with their blocks and rotations: three queries in all,
    however many fellows and blocks there are."""
    if not can_view_cohorts(user, program):
        return Enrolment.objects.none()
    return (
        Enrolment.objects.filter(cohort__program=program, cohort__academic_year=academic_year)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .select_related("membership__user", "cohort")
        .prefetch_related(
            Prefetch(
                "blocks",
                ScheduleBlock.objects.select_related("rotation").order_by("start_date", "pk"),
            )
        )
        .order_by("cohort__name", "membership__user__full_name", "membership__user__email")
    )


def managed_schedule_block_list(*, user, program: Program) -> QuerySet[ScheduleBlock]:
    """Blocks of the program that ``user`` may remove: its director and coordinator only."""
    return ScheduleBlock.objects.filter(
        enrolment__in=managed_enrolment_list(user=user, program=program)
    ).select_related("rotation", "enrolment__cohort__academic_year", "enrolment__membership__user")


# --- Leave ------------------------------------------------------------------------------------


def managed_leave_period_list(*, user, program: Program) -> QuerySet[LeavePeriod]:
    """Leave periods of the program that ``user`` may change: its director and coordinator."""
    return LeavePeriod.objects.filter(
        enrolment__in=managed_enrolment_list(user=user, program=program)
    ).select_related("enrolment__cohort__program", "enrolment__membership__user")


def review_period_leave(
    *,
    user,
    program: Program,
    academic_year: AcademicYear,
    starts_on: datetime.date,
    ends_on: datetime.date,
) -> tuple[list[tuple[Enrolment, list[LeavePeriod]]], list[Enrolment]]:
    """For a review window: the year's fellows with leave overlapping it (each with those
    periods, ADS leaves them out of that milestone round), and the fellows who started
    off-cycle (not on the academic year's first day). Two queries; staff and faculty only."""
    if not can_view_cohorts(user, program):
        return [], []
    overlapping = LeavePeriod.objects.filter(start__lte=ends_on, end__gte=starts_on).order_by(
        "start", "pk"
    )
    enrolments = list(
        Enrolment.objects.filter(cohort__program=program, cohort__academic_year=academic_year)
        .select_related("membership__user", "cohort__academic_year")
        .prefetch_related(Prefetch("leave_periods", overlapping, to_attr="window_leave"))
        .order_by("membership__user__full_name", "membership__user__email", "pk")
    )
    on_leave = [(e, e.window_leave) for e in enrolments if e.window_leave]
    off_cycle = [e for e in enrolments if e.started_off_cycle]
    return on_leave, off_cycle
