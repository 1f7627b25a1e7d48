"""Making a sealed signature: the one place any ``Signature`` row is built and audited.

``signature_create`` stores the SHA-256 of the record's content and a seal (HMAC under a key
outside the database) over that hash, the signer, the time, the meaning, the method, the record
and its place in the program's chain. ``signature_add`` is what the three signing services call:
it also writes the audit event that verification later reads, so the two always agree.
"""

import datetime

from django.db import transaction

from audit.services import audit_record
from curriculum.models import Program

from ...models import Signature
from ...seals import content_hash, signature_seal
from .kinds import kind_of


def lock_program(program_id: int) -> Program:
    """Hold the program's row until commit: signers in one program queue here.

    NO KEY UPDATE, so rows that merely point at the program (a procedure being logged) are not
    held up. Returns the program with only its key loaded.
    """
    return Program.objects.select_for_update(no_key=True).only("pk").get(pk=program_id)


def append_to_chain(signature: Signature) -> None:
    """Give ``signature`` the next place in its program's chain and seal it. The caller holds
    the program's row lock, so no other signature can take the same place meanwhile."""
    last = (
        Signature.objects.filter(program_id=signature.program_id, sequence__isnull=False)
        .order_by("-sequence")
        .values_list("sequence", "seal")
        .first()
    )
    signature.sequence, signature.previous_seal = (last[0] + 1, last[1]) if last else (1, "")
    signature.scheme_version = Signature.Scheme.SEALED
    signature.seal = signature_seal(signature)


@transaction.atomic
def signature_create(*, record, signer, signed_at: datetime.datetime, method: str) -> Signature:
    """Store the sealed signature of ``record`` (an assessment, CCC review or summative
    evaluation, already saved as signed), appended to its program's chain.

    Called inside the signing transaction, after identity was re-confirmed (demo data calls it
    directly). The meaning and content come from the record's kind, so each is defined once.
    """
    kind = kind_of(record)
    program = lock_program(kind.program_id(record))
    signature = Signature(
        **{kind.name: record},
        program=program,
        signer=signer,
        signed_at=signed_at,
        meaning=kind.meaning,
        method=method,
        content_hash=content_hash(kind.content(record)),
    )
    append_to_chain(signature)
    signature.full_clean()
    signature.save()
    return signature


def signature_add(*, actor, record, method: str, status_before: str) -> Signature:
    """``actor`` signs ``record``, just saved as signed: seal it and audit the signing.

    The signing time is the one the record shows, and the audit action is the kind's
    ``sign_action``: verification compares both, so they are taken from one place. Returns the
    new ``Signature``.
    """
    kind = kind_of(record)
    signature = signature_create(
        record=record, signer=actor, signed_at=kind.signed_at(record), method=method
    )
    audit_record(
        actor=actor,
        action=kind.sign_action,
        obj=record,
        program=signature.program,
        changes={
            "status": [status_before, record.status],
            "signature": [None, signature.pk],
            "content_hash": [None, signature.content_hash],
            "seal": [None, signature.seal],
        },
    )
    return signature
