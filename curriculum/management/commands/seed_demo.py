from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from curriculum.demo import DEMO_PASSWORD, DEMO_PEOPLE, demo_program_seed


class Command(BaseCommand):
    help = "Load the demo program and its logins (idempotent). Refused under production settings."

    def handle(self, *args, **options) -> None:
        if not settings.SEED_DEMO_ALLOWED:
            raise CommandError(
                "seed_demo is refused under production settings: the demo logins have a "
                "published password."
            )
        result = demo_program_seed()
        created = result.users_created + result.memberships_created
        outcome = "loaded" if created else "already loaded, nothing changed"
        self.stdout.write(
            f"{result.program.name}: {result.users_created} users and "
            f"{result.memberships_created} roles created ({outcome})."
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, full_name, role in DEMO_PEOPLE:
            self.stdout.write(f"  {email:<24} {role.label:<20} {full_name}")
