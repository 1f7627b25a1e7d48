"""The demo program that `make run` loads: realistic people, published logins.

Idempotent: a second run finds every row and changes nothing. Later features extend it while
keeping these logins.
"""

from dataclasses import dataclass

from django.db import transaction

from accounts.services import user_ensure

from .models import Membership, Program
from .services import membership_grant, program_create

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (published on purpose; refused in production)
DEMO_PROGRAM_NAME = "Demo Pain Medicine Fellowship"
DEMO_INSTITUTION = "Demo University Hospital"
DEMO_TIMEZONE = "America/Chicago"

Role = Membership.Role
DEMO_PEOPLE: list[tuple[str, str, str]] = [
    ("director@demo.test", "Dr. Maria Alvarez", Role.DIRECTOR),
    ("coordinator@demo.test", "Sam Patel", Role.COORDINATOR),
    ("faculty1@demo.test", "Dr. James Okafor", Role.FACULTY),
    ("faculty2@demo.test", "Dr. Priya Raman", Role.FACULTY),
    ("faculty3@demo.test", "Dr. Elena Novak", Role.FACULTY),
    ("fellow1@demo.test", "Dr. Alex Chen", Role.FELLOW),
    ("fellow2@demo.test", "Dr. Jordan Brooks", Role.FELLOW),
    ("fellow3@demo.test", "Dr. Fatima Hassan", Role.FELLOW),
    ("fellow4@demo.test", "Dr. Luis Moreno", Role.FELLOW),
    ("fellow5@demo.test", "Dr. Hannah Weber", Role.FELLOW),
    ("fellow6@demo.test", "Dr. Kenji Sato", Role.FELLOW),
]


@dataclass(frozen=True)
class SeedResult:
    program: Program
    users_created: int
    memberships_created: int


def demo_program_seed() -> SeedResult:
    """Create the demo program and its people where they are missing."""
    with transaction.atomic():
        program = Program.objects.filter(
            name=DEMO_PROGRAM_NAME, institution=DEMO_INSTITUTION
        ).first() or program_create(
            actor=None,
            name=DEMO_PROGRAM_NAME,
            institution=DEMO_INSTITUTION,
            timezone=DEMO_TIMEZONE,
        )
        users_created = memberships_created = 0
        for email, full_name, role in DEMO_PEOPLE:
            user, created = user_ensure(email=email, full_name=full_name, password=DEMO_PASSWORD)
            users_created += created
            existed = Membership.objects.filter(program=program, user=user, role=role).exists()
            membership_grant(actor=None, program=program, user=user, role=role)
            memberships_created += not existed
    return SeedResult(program, users_created, memberships_created)
