"""Scoped reads: every function returns only what ``user`` may see."""

from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import (
    Competency,
    LevelDescriptor,
    Membership,
    MilestoneSet,
    Program,
    Rotation,
    Subcompetency,
)


def membership_list(*, user) -> QuerySet[Membership]:
    """The user's own active roles, with their programs."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("program")
        .order_by("program__name", "role")
    )


def program_list(*, user, roles: Iterable[str] | None = None) -> QuerySet[Program]:
    """Programs in which the user holds an active role (one of ``roles`` when given)."""
    if not user.is_authenticated:
        return Program.objects.none()
    memberships = Membership.objects.filter(user=user, is_active=True)
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    return Program.objects.filter(pk__in=memberships.values("program_id"))


def program_member_list(*, user, program: Program) -> QuerySet[Membership]:
    """The program's roster, for its director and coordinator only."""
    if not program_list(user=user, roles=Membership.STAFF_ROLES).filter(pk=program.pk).exists():
        return Membership.objects.none()
    return (
        Membership.objects.filter(program=program)
        .select_related("user")
        .order_by("role", "user__full_name", "user__email")
    )


def program_role_counts(*, program: Program) -> dict[str, int]:
    """Active members per role, all counted in one query."""
    active = Q(memberships__is_active=True)
    counts = Program.objects.filter(pk=program.pk).aggregate(
        **{
            role: Count("memberships", filter=active & Q(memberships__role=role))
            for role in Membership.Role.values
        }
    )
    return counts


def milestone_set_list(*, user, program: Program) -> QuerySet[MilestoneSet]:
    """The program's milestone sets, for any active member of that program."""
    return (
        MilestoneSet.objects.filter(program=program, program__in=program_list(user=user))
        .annotate(subcompetency_count=Count("subcompetencies"))
        .order_by("specialty", "-effective_date", "version")
    )


def milestone_set_full_list(*, user, program: Program) -> QuerySet[MilestoneSet]:
    """Like ``milestone_set_list``, with competencies, subcompetencies and level descriptors
    prefetched in order: three extra queries, however large the set."""
    levels = Prefetch("levels", queryset=LevelDescriptor.objects.order_by("level"))
    subcompetencies = Prefetch(
        "subcompetencies", queryset=Subcompetency.objects.order_by("order").prefetch_related(levels)
    )
    competencies = Prefetch(
        "competencies",
        queryset=Competency.objects.order_by("order").prefetch_related(subcompetencies),
    )
    return MilestoneSet.objects.filter(
        program=program, program__in=program_list(user=user)
    ).prefetch_related(competencies)


def rotation_list(*, user, program: Program) -> QuerySet[Rotation]:
    """The program's rotations, for any active member of it."""
    if not program_list(user=user).filter(pk=program.pk).exists():
        return Rotation.objects.none()
    return (
        Rotation.objects.filter(program=program)
        .prefetch_related(Prefetch("subcompetencies", Subcompetency.objects.order_by("code")))
        .order_by("-is_active", "name")
    )
