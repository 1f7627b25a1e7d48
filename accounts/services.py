import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_record, audit_record_many
from core import outbox
from core.links import absolute_url
from curriculum.models import Membership, Program
from curriculum.permissions import can_manage_roster, has_program_role
from curriculum.services import membership_grant

from .models import INVITABLE_ROLES, INVITATION_TTL, Invitation, invitation_token_hash
from .permissions import can_change_security
from .roster_import import RosterPreview, roster_parse

if TYPE_CHECKING:
    from .models import User


def session_purge_expired(*, now: datetime | None = None) -> int:
    """Delete expired login sessions; returns how many were removed. Safe to run repeatedly."""
    now = now or timezone.now()
    with transaction.atomic():
        deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted


def user_ensure(*, email: str, full_name: str, password: str) -> tuple["User", bool]:
    """Return the user with this email, creating it with ``password`` if absent.

    An existing user is left exactly as it is (seeding twice changes nothing).
    """
    from .models import User

    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is not None:
            return user, False
        user = User(email=email, full_name=full_name.strip())
        user.set_password(password)
        user.full_clean()
        user.save()
    return user, True


ROSTER_REFUSED = "Only the program director or coordinator can change the roster."


def invitation_create(
    *, actor, program: Program, email: str, full_name: str, role: str
) -> Invitation:
    """Invite someone to a fellow or faculty role and email them a link.

    The email is queued through ``core.outbox`` with the invitation: it leaves after commit and
    is retried while the mail server is down, so a mail outage never loses the invitation.
    Re-inviting the same person to the same role withdraws the earlier open invitation, so only
    the newest link works.
    """
    from .models import User

    if not can_manage_roster(actor, program):
        raise PermissionDenied(ROSTER_REFUSED)
    if role not in INVITABLE_ROLES:
        raise ValidationError(
            {"role": "Only fellows and faculty can be invited here."}, code="role"
        )
    email = User.objects.normalize_email(email.strip()).lower()
    if Membership.objects.filter(
        program=program, user__email__iexact=email, role=role, is_active=True
    ).exists():
        raise ValidationError(
            {
                "email": f"{email} already has the {Membership.Role(role).label.lower()} role "
                "in this program."
            },
            code="already_member",
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation(
        program=program,
        email=email,
        full_name=full_name.strip(),
        role=role,
        invited_by=actor,
        token_hash=invitation_token_hash(token),
        expires_at=now + INVITATION_TTL,
    )
    with transaction.atomic():
        superseded = list(
            Invitation.objects.select_for_update().filter(
                program=program,
                email=email,
                role=role,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
            )
        )
        if superseded:
            Invitation.objects.filter(pk__in=[old.pk for old in superseded]).update(
                revoked_at=now, updated_at=now
            )
            audit_record_many(
                actor=actor,
                action="invitation.revoke",
                objects=superseded,
                changes={"revoked_at": [None, now]},
            )
        invitation.full_clean()
        invitation.save()
        audit_record(
            actor=actor,
            action="invitation.create",
            obj=invitation,
            changes={"email": [None, email], "role": [None, role]},
        )
        _invitation_email_queue(invitation=invitation, token=token)
    return invitation


def _invitation_email_queue(*, invitation: Invitation, token: str) -> None:
    """Queue the email carrying ``token``'s link; call inside the transaction that saved it.

    Keyed by the invitation and its token, so each link is emailed once; an older link's email
    still waiting for the mail server is dropped (that link no longer works)."""
    link = absolute_url(reverse("accounts:invitation_accept", kwargs={"token": token}))
    body = render_to_string(
        "accounts/email/invitation.txt",
        {
            "invitation": invitation,
            "link": link,
            "expires_on": invitation.program.date_text(invitation.expires_at),
        },
    )
    outbox.email_queue(
        outbox.OutgoingEmail(
            key=f"invitation:{invitation.pk}:{invitation.token_hash[:16]}",
            to=invitation.email,
            subject=f"[Fellowship] You are invited to join {invitation.program.name}",
            body=body,
            program_id=invitation.program_id,
            replaces=f"invitation:{invitation.pk}:",
        )
    )


def invitation_resend(*, actor, invitation: Invitation) -> Invitation:
    """Email a pending (or expired) invitation again, with a new link valid for another
    ``INVITATION_TTL``.

    Only the token's hash is stored, so the link cannot be sent twice: as re-inviting does, a
    new secret replaces the old one, whose link stops working at once.
    """
    if not can_manage_roster(actor, invitation.program):
        raise PermissionDenied(ROSTER_REFUSED)
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("program")
            .get(pk=invitation.pk)
        )
        if invitation.accepted_at is not None:
            raise ValidationError("This invitation has already been accepted.", code="used")
        if invitation.revoked_at is not None:
            raise ValidationError(
                "This invitation was withdrawn. Invite the person again instead.", code="revoked"
            )
        token = secrets.token_urlsafe(32)
        before = invitation.expires_at
        invitation.token_hash = invitation_token_hash(token)
        invitation.expires_at = timezone.now() + INVITATION_TTL
        invitation.full_clean()
        invitation.save(update_fields=["token_hash", "expires_at", "updated_at"])
        audit_record(
            actor=actor,
            action="invitation.resend",
            obj=invitation,
            changes={"expires_at": [before.isoformat(), invitation.expires_at.isoformat()]},
        )
        _invitation_email_queue(invitation=invitation, token=token)
    return invitation


def invitation_revoke(*, actor, invitation: Invitation) -> Invitation:
    """Withdraw an invitation that has not been accepted; its link stops working."""
    if not can_manage_roster(actor, invitation.program):
        raise PermissionDenied(ROSTER_REFUSED)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise ValidationError("This invitation has already been accepted.", code="used")
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at", "updated_at"])
            audit_record(
                actor=actor,
                action="invitation.revoke",
                obj=invitation,
                changes={"revoked_at": [None, invitation.revoked_at]},
            )
    return invitation


def invitation_refusal(invitation: Invitation | None) -> ValidationError | None:
    """Why this invitation link cannot be used, in plain words; ``None`` when it can.

    The error's ``code`` is ``unknown``, ``used``, ``expired`` or ``revoked``.
    """
    if invitation is None:
        return ValidationError(
            "This invitation link is not valid. Check that you opened the whole link from the "
            "email, or ask your program coordinator for a new invitation.",
            code="unknown",
        )
    status = invitation.status
    if status == Invitation.Status.ACCEPTED:
        return ValidationError(
            "This invitation has already been used. Sign in instead.", code="used"
        )
    if status == Invitation.Status.REVOKED:
        return ValidationError(
            "This invitation was withdrawn. If you were sent a newer invitation, use the link in "
            "that email; otherwise ask your program coordinator for a new one.",
            code="revoked",
        )
    if status == Invitation.Status.EXPIRED:
        expired_on = invitation.program.date_text(invitation.expires_at)
        return ValidationError(
            f"This invitation expired on {expired_on}. Ask your program coordinator for a new one.",
            code="expired",
        )
    return None


def invitation_accept(*, token: str, password: str | None) -> "User":
    """Accept an invitation: create the account (or reuse the existing one) and grant the role.

    A new account gets ``password`` (checked by the password validators). An existing account
    keeps its password; ``password`` is ignored and the person signs in as usual. The invitation
    row is locked, so a double submit accepts once and the second sees "already used".
    """
    from .models import User

    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("program")
            .filter(token_hash=invitation_token_hash(token))
            .first()
        )
        refusal = invitation_refusal(invitation)
        if refusal is not None:
            raise refusal
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user is None:
            user = User(email=invitation.email, full_name=invitation.full_name)
            try:
                validate_password(password or "", user=user)
            except ValidationError as error:
                raise ValidationError({"password": error.error_list}) from None
            user.set_password(password)
            user.full_clean()
            user.save()
        _membership_grant_audited(actor=user, invitation=invitation, user=user)
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = user
        invitation.full_clean()
        invitation.save(update_fields=["accepted_at", "accepted_user", "updated_at"])
        audit_record(
            actor=user,
            action="invitation.accept",
            obj=invitation,
            changes={"accepted_user": [None, user.pk], "role": [None, invitation.role]},
        )
    return user


def _membership_grant_audited(*, actor, invitation: Invitation, user) -> Membership:
    """Grant the invited role and record it: a new role, or a deactivated one given back.

    ``curriculum`` sits below ``audit``, so the event is written here, by the caller."""
    before = (
        Membership.objects.filter(program=invitation.program, user=user, role=invitation.role)
        .values_list("is_active", flat=True)
        .first()
    )
    membership = membership_grant(
        actor=None, program=invitation.program, user=user, role=invitation.role
    )
    if before is None:
        audit_record(
            actor=actor,
            action="membership.grant",
            obj=membership,
            changes={
                "user": [None, user.pk],
                "role": [None, membership.role],
                "is_active": [None, True],
            },
        )
    elif not before:
        audit_record(
            actor=actor,
            action="membership.reactivate",
            obj=membership,
            changes={"is_active": [False, True]},
        )
    return membership


def membership_deactivate(*, actor, membership: Membership) -> Membership:
    """Take a role away without deleting anything: history stays attached to the person.

    Nobody deactivates their own role (a director would lock themself out of the roster).
    """
    if not can_manage_roster(actor, membership.program):
        raise PermissionDenied(ROSTER_REFUSED)
    if membership.user_id == actor.pk:
        raise ValidationError(
            "You cannot deactivate your own role. Ask another director or coordinator.",
            code="self",
        )
    # Only a director removes a director, and never themself (above), so a program always keeps
    # at least one active director.
    if membership.role == Membership.Role.DIRECTOR and not has_program_role(
        actor, membership.program, [Membership.Role.DIRECTOR]
    ):
        raise PermissionDenied("Only a program director can deactivate a director.")
    return _membership_set_active(actor=actor, membership=membership, is_active=False)


def membership_reactivate(*, actor, membership: Membership) -> Membership:
    """Give a deactivated role back, with everything recorded under it."""
    if not can_manage_roster(actor, membership.program):
        raise PermissionDenied(ROSTER_REFUSED)
    return _membership_set_active(actor=actor, membership=membership, is_active=True)


def _membership_set_active(*, actor, membership: Membership, is_active: bool) -> Membership:
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.is_active != is_active:
            membership.is_active = is_active
            membership.full_clean()
            membership.save(update_fields=["is_active", "updated_at"])
            audit_record(
                actor=actor,
                action="membership.reactivate" if is_active else "membership.deactivate",
                obj=membership,
                changes={"is_active": [not is_active, is_active]},
            )
    return membership


def roster_import_preview(*, actor, program: Program, content: bytes) -> RosterPreview:
    """Check a roster CSV against the program as it is now. Reads only; saves nothing."""
    if not can_manage_roster(actor, program):
        raise PermissionDenied(ROSTER_REFUSED)
    members = {
        (email.lower(), role)
        for email, role in Membership.objects.filter(
            program=program, role__in=INVITABLE_ROLES, is_active=True
        ).values_list("user__email", "role")
    }
    open_invitations = {
        (email.lower(), role)
        for email, role in Invitation.objects.filter(
            program=program, accepted_at__isnull=True, revoked_at__isnull=True
        ).values_list("email", "role")
    }
    return roster_parse(content, members=members, open_invitations=open_invitations)


def roster_import(*, actor, program: Program, content: bytes) -> list[Invitation]:
    """Invite everyone in a roster CSV, or nobody.

    The file is checked again here (an earlier preview is never trusted); any problem raises a
    ``ValidationError`` listing every one of them. Otherwise every row goes through
    ``invitation_create`` in one transaction, so the emails leave only once all rows are saved.
    """
    if not can_manage_roster(actor, program):
        raise PermissionDenied(ROSTER_REFUSED)
    with transaction.atomic():
        # One import per program at a time: two identical uploads must not race each other.
        Program.objects.select_for_update().filter(pk=program.pk).first()
        preview = roster_import_preview(actor=actor, program=program, content=content)
        if not preview.is_clean:
            raise ValidationError(
                [ValidationError(message, code="roster") for message in preview.errors]
                or [ValidationError("The file has nobody to invite.", code="roster")]
            )
        return [
            invitation_create(
                actor=actor,
                program=program,
                email=row.email,
                full_name=row.full_name,
                role=row.role,
            )
            for row in preview.rows
        ]


def program_security_update(*, actor: "User", program: Program, require_mfa_for_staff: bool):
    """The director decides whether the program's directors and faculty must use two-factor
    sign-in (enforced by ``accounts.middleware.RequireMfaMiddleware``)."""
    if not can_change_security(actor, program):
        raise PermissionDenied("Only the program director changes the sign-in rules.")
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        before = program.require_mfa_for_staff
        program.require_mfa_for_staff = require_mfa_for_staff
        program.full_clean()
        program.save(update_fields=["require_mfa_for_staff", "updated_at"])
        if before != require_mfa_for_staff:
            audit_record(
                actor=actor,
                action="program.require_mfa",
                obj=program,
                changes={"require_mfa_for_staff": [before, require_mfa_for_staff]},
            )
    return program
