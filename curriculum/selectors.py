"""Scoped reads: every function returns only what ``user`` may see."""

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from .models import Membership, Program


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
