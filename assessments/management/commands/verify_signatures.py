"""``manage.py verify_signatures``: check every stored signature and every program's chain.

Covers all three kinds of signed record: assessments, finalised CCC reviews and final summative
evaluations (``assessments.services.signatures.verify.signature_verify_all``), and the records
other apps sign their own way and declare (``signature_check`` on their AppConfig: the ABA
reports of ``boards``). ``--seal`` first
seals the older, hash-only (scheme 1) signatures that still verify into scheme 2; running it
again is harmless.

Exits 0 when everything matches, and with an error (``CommandError``) naming the number of
problems otherwise, so a scheduled job or CI step fails loudly. It prints each program's chain
head: keep that output, since a later run showing a shorter chain means signatures were removed
from its end.
"""

import datetime

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from assessments.models import Signature
from assessments.services.signatures.legacy import signature_seal_legacy
from assessments.services.signatures.verify import (
    SignatureProblem,
    signature_chain_heads,
    signature_verify_all,
)


def _short(value: str) -> str:
    return f"{value[:12]}..." if value else "none"


def describe(problem: SignatureProblem) -> str:
    line = problem.description
    if problem.signature is not None:
        signature = problem.signature
        signed_at = signature.signed_at.astimezone(datetime.UTC)
        line += f", signed {signed_at:%Y-%m-%d %H:%M} UTC by {signature.signer.email}"
    line += f": {problem.reason}"
    if problem.signature is not None and problem.expected != problem.found:
        line += f" (hash {_short(problem.expected)} expected, {_short(problem.found)} now)"
    return line


class Command(BaseCommand):
    help = (
        "Check every signed assessment, finalised CCC review and final summative evaluation "
        "against its signature and seal, and each program's signature chain; report any that "
        "no longer match."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--seal",
            action="store_true",
            help="First seal the older, hash-only signatures that still verify (once; safe to "
            "repeat).",
        )

    def handle(self, *args, **options) -> None:
        if options["seal"]:
            result = signature_seal_legacy()
            self.stdout.write(f"Sealed {result.sealed} older signatures.")
            for problem in result.refused:
                self.stdout.write(f"Not sealed: {describe(problem)}")
        problems = signature_verify_all()
        checked = Signature.objects.count()
        unsealed = Signature.objects.filter(scheme_version=Signature.Scheme.PLAIN).count()
        for head in signature_chain_heads():
            self.stdout.write(
                f"Chain of program {head.program_id} ({head.program_name}): {head.length} sealed "
                f"signatures, last seal {head.seal}"
            )
        if unsealed:
            self.stdout.write(
                f"{unsealed} older signatures are checked by hash only: seal them with "
                "`manage.py verify_signatures --seal`."
            )
        lines = [describe(problem) for problem in problems]
        for label, other_checked, other_problems in other_signature_checks():
            self.stdout.write(f"{label}: checked {other_checked}.")
            checked += other_checked
            lines += other_problems
        if not lines:
            self.stdout.write(self.style.SUCCESS(f"Checked {checked} signatures: all match."))
            return
        for line in lines:
            self.stdout.write(line)
        raise CommandError(
            f"Checked {checked} signatures: {len(lines)} problem(s) found (listed above)."
        )


def other_signature_checks():
    """Apps above this one that sign records their own way declare ``signature_check`` on their
    AppConfig: a dotted path to a function returning (what, how many checked, problems)."""
    for config in apps.get_app_configs():
        if path := getattr(config, "signature_check", None):
            yield import_string(path)()
