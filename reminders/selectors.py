"""Scoped reads: a person's own notifications, the director's ledger, calendar feed items."""

import datetime

from django.db.models import Count, Q, QuerySet

from assessments.models import Assessment
from curriculum.models import Membership, Program
from trainees.models import Deadline

from .models import Delivery, NotificationPreference, Reminder, calendar_token_hash
from .permissions import can_manage_reminders


def notification_list(*, user) -> QuerySet[Reminder]:
    """The signed-in person's own notifications, newest first, in every program."""
    if not user.is_authenticated:
        return Reminder.objects.none()
    return (
        Reminder.objects.filter(recipient=user)
        .select_related("program")
        .order_by("-created_at", "-pk")
    )


def unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Reminder.objects.filter(recipient=user, read_at__isnull=True).count()


LEDGER_VIEWS = {
    "upcoming": Q(status=Reminder.Status.QUEUED),
    "sent": Q(status=Reminder.Status.SENT),
    "failed": Q(status=Reminder.Status.FAILED),
}


def program_reminder_list(*, user, program: Program) -> QuerySet[Reminder]:
    """Every reminder of the program, for its director only."""
    if not can_manage_reminders(user, program):
        return Reminder.objects.none()
    return Reminder.objects.filter(program=program).select_related("recipient", "program")


def ledger_list(*, user, program: Program, show: str = "upcoming") -> QuerySet[Reminder]:
    """The program's reminders for its director: queued (upcoming), sent or failed."""
    if not can_manage_reminders(user, program):
        return Reminder.objects.none()
    order = "-sent_at" if show == "sent" else "-created_at"
    return (
        Reminder.objects.filter(LEDGER_VIEWS[show], program=program)
        .select_related("recipient", "delivery")
        .order_by(order, "-pk")
    )


def ledger_counts(*, user, program: Program) -> dict[str, int]:
    """How many reminders are upcoming, sent and failed: one query."""
    if not can_manage_reminders(user, program):
        return dict.fromkeys(LEDGER_VIEWS, 0)
    return Reminder.objects.filter(program=program).aggregate(
        **{name: Count("pk", filter=condition) for name, condition in LEDGER_VIEWS.items()}
    )


def failed_delivery_list(*, user, program: Program) -> QuerySet[Delivery]:
    """Failed emails of the program that still have something to send, for its director: the
    emails of its reminders and its one-off emails (invitations, evaluation requests)."""
    if not can_manage_reminders(user, program):
        return Delivery.objects.none()
    one_off = Q(kind=Delivery.Kind.TRANSACTIONAL, program=program) & ~Q(body_text="")
    of_reminders = Q(reminders__program=program, reminders__status=Reminder.Status.FAILED)
    return Delivery.objects.filter(one_off | of_reminders, status=Delivery.Status.FAILED).distinct()


def failed_email_list(*, user, program: Program, limit: int = 20) -> list[Delivery]:
    """The program's one-off emails that failed (they have no reminder row to show them)."""
    if not can_manage_reminders(user, program):
        return []
    return list(
        Delivery.objects.filter(
            kind=Delivery.Kind.TRANSACTIONAL, program=program, status=Delivery.Status.FAILED
        ).order_by("-created_at", "-pk")[:limit]
    )


def coming_deadline_list(
    *, user, program: Program, days: int = 30, limit: int = 20
) -> list[Deadline]:
    """Calendar deadlines of the next ``days`` days: what the sweep will remind about."""
    if not can_manage_reminders(user, program):
        return []
    today = program.today()
    return list(
        Deadline.objects.filter(
            program=program,
            due_date__gte=today,
            due_date__lte=today + datetime.timedelta(days=days),
        ).order_by("due_date", "pk")[:limit]
    )


def calendar_owner(*, token: str):
    """The user whose private feed this token opens, or None (blank or revoked tokens).
    Found by the token's hash: only the hash is stored."""
    if not token:
        return None
    pref = (
        NotificationPreference.objects.filter(
            calendar_token_hash=calendar_token_hash(token), user__is_active=True
        )
        .select_related("user")
        .first()
    )
    return pref.user if pref else None


def calendar_items(*, user) -> tuple[list[Deadline], list[Assessment]]:
    """The person's own deadlines: program-wide ones for staff, their own enrolment's as a
    fellow, their open assessments' due dates as an assessor. Two queries."""
    memberships = Membership.objects.filter(user=user, is_active=True)
    staff_programs = memberships.filter(role__in=Membership.STAFF_ROLES).values("program_id")
    fellow_ids = memberships.filter(role=Membership.Role.FELLOW).values("pk")
    deadlines = list(
        Deadline.objects.filter(
            Q(program_id__in=staff_programs) | Q(enrolment__membership_id__in=fellow_ids)
        )
        .select_related("program")
        .order_by("due_date", "pk")
    )
    assessments = list(
        Assessment.objects.filter(
            assessor__user=user,
            assessor__is_active=True,
            status__in=Assessment.OPEN_STATUSES,
            due_date__isnull=False,
        )
        .select_related("program", "template", "fellow__user")
        .order_by("due_date", "pk")
    )
    return deadlines, assessments


def chase_candidates(
    *, user, program: Program, assessment_ids=None, overdue: bool = False, fellow_id=None
):
    """Open assessments of the program (by id, every overdue one, or all about one fellow)
    whose assessor ``user`` may chase, with what a reminder needs; none unless ``user`` runs
    the program."""
    if not can_manage_reminders(user, program):
        return Assessment.objects.none()
    queryset = Assessment.objects.filter(
        program=program, status__in=Assessment.OPEN_STATUSES
    ).select_related("template", "fellow__user", "assessor__user")
    if overdue:
        queryset = queryset.filter(due_date__lt=program.today())
    if assessment_ids is not None:
        queryset = queryset.filter(pk__in=list(assessment_ids))
    if fellow_id is not None:
        queryset = queryset.filter(fellow_id=fellow_id)
    return queryset.order_by("assessor_id", "due_date", "pk")
