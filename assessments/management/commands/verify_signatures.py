"""``manage.py verify_signatures``: recompute every stored signature hash and report mismatches.

Covers all three kinds of signed record: assessments, finalised CCC reviews and final summative
evaluations.

Exits 0 when everything matches, and with an error (``CommandError``) naming the number of
problems otherwise, so a scheduled job or CI step fails loudly.
"""

from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Signature
from assessments.services.ccc import SignedRecordProblem, ccc_signature_verify_all
from assessments.services.signing import SignatureProblem, signature_verify_all
from assessments.services.summative import summative_signature_verify_all


def _short(value: str) -> str:
    return f"{value[:12]}..." if value else "none"


def describe_record(problem: SignedRecordProblem) -> str:
    line = problem.description
    if problem.signature is not None:
        signature = problem.signature
        line += f", signed {signature.signed_at:%Y-%m-%d %H:%M} UTC by {signature.signer.email}"
    line += f": {problem.reason}"
    if problem.signature is not None and problem.expected != problem.found:
        line += f" (hash {_short(problem.expected)} expected, {_short(problem.found)} now)"
    return line


def describe(problem: SignatureProblem) -> str:
    assessment = problem.assessment
    title = f"{assessment.template} of {assessment.fellow.user} by {assessment.assessor.user}"
    if problem.signature is not None:
        signature = problem.signature
        signed_on = signature.signed_at.astimezone(ZoneInfo(assessment.program.timezone)).date()
        title += f", signed {signed_on:%Y-%m-%d} by {signature.signer.email}"
    line = f"Assessment {assessment.pk} ({title}): {problem.reason}"
    if problem.signature is not None and problem.expected != problem.found:
        line += f" (hash {_short(problem.expected)} expected, {_short(problem.found)} now)"
    return line


class Command(BaseCommand):
    help = (
        "Recompute the hash of every signed assessment, finalised CCC review and final summative "
        "evaluation, and report any that no longer match."
    )

    def handle(self, *args, **options) -> None:
        checked = Signature.objects.count()
        lines = [describe(problem) for problem in signature_verify_all()]
        lines += [describe_record(problem) for problem in ccc_signature_verify_all()]
        lines += [describe_record(problem) for problem in summative_signature_verify_all()]
        if not lines:
            self.stdout.write(self.style.SUCCESS(f"Checked {checked} signatures: all match."))
            return
        for line in lines:
            self.stdout.write(line)
        raise CommandError(
            f"Checked {checked} signatures: {len(lines)} problem(s) found (listed above)."
        )
