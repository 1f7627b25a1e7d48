"""Sealing the older, hash-only (scheme 1) signatures into scheme 2, once."""

from dataclasses import dataclass, field

from django.db import transaction

from audit.services import audit_record_many

from ...models import Signature
from .kinds import KINDS
from .store import append_to_chain, lock_program
from .verify import SignatureProblem, audited_signings, signature_check


@dataclass
class SealResult:
    sealed: int = 0
    refused: list[SignatureProblem] = field(default_factory=list)


def _legacy_programs() -> set[int]:
    legacy = Signature.objects.filter(scheme_version=Signature.Scheme.PLAIN)
    programs = set()
    for kind in KINDS:
        programs |= set(
            legacy.filter(**{f"{kind.name}__isnull": False}).values_list(
                kind.program_path, flat=True
            )
        )
    return programs


def signature_seal_legacy() -> SealResult:
    """Seal every scheme 1 (hash-only) signature into scheme 2, once.

    Only a signature that still verifies under its own scheme (hash recomputed, meaning, signer,
    time and status as signed) is sealed; the others are returned, untouched, with their reasons.
    Each program's are appended to its chain in the order they were signed, under the program's
    lock, so signing can go on meanwhile. Running it again seals nothing new.
    """
    result = SealResult()
    audited = audited_signings()
    for program_id in sorted(_legacy_programs()):
        with transaction.atomic():
            lock_program(program_id)
            pending = []
            for kind in KINDS:
                signatures = kind.signatures().filter(
                    scheme_version=Signature.Scheme.PLAIN, **{kind.program_path: program_id}
                )
                pending += [(signature, kind) for signature in signatures]
            pending.sort(key=lambda pair: (pair[0].signed_at, pair[0].pk))
            sealed = []
            for signature, kind in pending:
                problem = signature_check(kind, signature, audited=audited, chained=None)
                if problem is not None:
                    result.refused.append(problem)
                    continue
                signature.program_id = program_id
                append_to_chain(signature)
                signature.full_clean()
                signature.save(
                    update_fields=[
                        "program",
                        "scheme_version",
                        "sequence",
                        "previous_seal",
                        "seal",
                        "updated_at",
                    ]
                )
                sealed.append(signature)
            audit_record_many(
                actor=None,
                action="signature.seal",
                objects=sealed,
                changes={"scheme_version": [Signature.Scheme.PLAIN, Signature.Scheme.SEALED]},
            )
            result.sealed += len(sealed)
    return result
