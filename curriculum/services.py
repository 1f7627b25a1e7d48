"""Writes for programs and memberships. ``actor=None`` means the system (seeding, commands)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from .models import Membership, Program
from .permissions import can_manage_roster


def program_create(*, actor, name: str, institution: str, timezone: str) -> Program:
    """A new program; only the system or a superuser (the GME office) creates programs."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied("Only the GME office can create a program.")
    program = Program(name=name.strip(), institution=institution.strip(), timezone=timezone)
    with transaction.atomic():
        program.full_clean()
        program.save()
    return program


def membership_grant(*, actor, program: Program, user, role: str) -> Membership:
    """Give ``user`` a role in ``program``; re-activates a deactivated membership.

    Idempotent: granting a role the person already holds returns the existing row unchanged.
    """
    if actor is not None and not can_manage_roster(actor, program):
        raise PermissionDenied("Only the program director or coordinator can change the roster.")
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(program=program, user=user, role=role)
            .first()
        )
        if membership is None:
            membership = Membership(program=program, user=user, role=role)
            membership.full_clean()
            membership.save()
        elif not membership.is_active:
            membership.is_active = True
            membership.save(update_fields=["is_active", "updated_at"])
    return membership
