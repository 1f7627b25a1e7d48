"""``manage.py verify_aba_signatures``: check every signed ABA report against its sealed signature.

``manage.py verify_signatures`` runs the same check with every other (``signature_check`` on
this app's config); this command checks the ABA reports alone. Exits with an error naming the
problems.
"""

from django.core.management.base import BaseCommand, CommandError

from boards.models import BoardSignature
from boards.services import aba_signature_problems


class Command(BaseCommand):
    help = "Check every signed ABA fellow report against its signature and seal."

    def handle(self, *args, **options) -> None:
        problems = aba_signature_problems()
        checked = BoardSignature.objects.count()
        if not problems:
            self.stdout.write(self.style.SUCCESS(f"Checked {checked} ABA signatures: all match."))
            return
        for problem in problems:
            self.stdout.write(problem)
        raise CommandError(f"{len(problems)} ABA report signature problems found.")
