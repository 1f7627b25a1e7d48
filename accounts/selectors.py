"""Scoped reads for invitations."""

from django.db.models import QuerySet

from curriculum.models import Membership, Program
from curriculum.selectors import program_list

from .models import Invitation, invitation_token_hash


def invitation_open_list(*, user, program: Program) -> QuerySet[Invitation]:
    """Invitations neither accepted nor withdrawn (expired ones too), for the program's staff."""
    if not program_list(user=user, roles=Membership.STAFF_ROLES).filter(pk=program.pk).exists():
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(
            program=program, accepted_at__isnull=True, revoked_at__isnull=True
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_get_for_token(*, token: str) -> Invitation | None:
    """The invitation a link points to, whatever its status. The secret token is the scope."""
    return (
        Invitation.objects.select_related("program", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def invitation_has_account(*, invitation: Invitation) -> bool:
    """Whether the invited address already signs in here (then no new password is set)."""
    from .models import User

    return User.objects.filter(email__iexact=invitation.email).exists()


def mfa_requiring_program(*, user) -> Program | None:
    """The first program that obliges ``user`` to use an authenticator app and that they do not
    satisfy yet: ``None`` when they have a TOTP authenticator or hold no such role.

    The rule covers the teaching roles (director and faculty): they sign assessments."""
    from allauth.mfa.models import Authenticator

    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return None
    return (
        Program.objects.filter(
            require_mfa_for_staff=True,
            memberships__user=user,
            memberships__is_active=True,
            memberships__role__in=Membership.TEACHING_ROLES,
        )
        .order_by("name")
        .first()
    )
