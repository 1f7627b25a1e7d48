"""Checking every stored signature, of every kind, and every program's chain.

``signature_verify_all`` recomputes every hash and seal and walks every chain, so a change made
behind the app's back is caught. Every finding, whatever its kind, is a ``SignatureProblem``;
``signature_check`` is the one comparison of a signature with its record, which sealing the older
signatures (``legacy``) uses too.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from audit.models import AuditEvent
from curriculum.models import Program

from ...models import Assessment, Signature
from ...seals import MEANINGS, content_hash, seal_matches
from .kinds import KIND_BY_NAME, KINDS, SignedKind


@dataclass
class SignatureProblem:
    """One signature, signed record or program chain that no longer matches what was signed.

    ``kind`` is the record's kind, or "chain" for a gap or break in a program's chain.
    ``expected`` is the stored content hash and ``found`` the one recomputed now.
    """

    kind: str
    description: str
    reasons: list[str]
    signature: Signature | None = None
    record: Any = None
    program_id: int | None = None
    expected: str = ""
    found: str = ""

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def assessment(self) -> Assessment | None:
        return self.record if self.kind == "assessment" else None


SEAL_BROKEN = (
    "seal does not match: the signer, signing time, meaning, method, content hash, record or "
    "chain position was changed after signing"
)


@dataclass
class Audited:
    """What the (append-only) audit trail says was signed."""

    signatures: dict[tuple[str, int], set[int]]  # (kind, record id): signature ids
    sealed_programs: set[int]  # programs that had sealed signatures, even if since deleted


def audited_signings() -> Audited:
    """Read the audit trail's signing events (each kind's ``sign_action``)."""
    kinds = {kind.model._meta.label_lower: kind for kind in KINDS}
    events = AuditEvent.objects.filter(
        action__in=[kind.sign_action for kind in KINDS],
        object_type__in=list(kinds),
    ).values_list("object_type", "object_id", "program_id", "changes")
    audited = Audited(defaultdict(set), set())
    for object_type, object_id, program_id, changes in events.iterator(chunk_size=2000):
        if not isinstance(changes, dict):
            continue
        recorded = changes.get("signature")
        if isinstance(recorded, list) and len(recorded) == 2 and isinstance(recorded[1], int):
            audited.signatures[(kinds[object_type].name, int(object_id))].add(recorded[1])
        if "seal" in changes and program_id is not None:
            audited.sealed_programs.add(program_id)
    return audited


def _signature_reasons(
    kind: SignedKind,
    signature: Signature,
    *,
    found: str,
    audited: Audited,
    chained: set[int] | None,
) -> list[str]:
    """Why ``signature`` no longer matches its record (empty when it does). ``chained``: the
    programs with sealed signatures, or None to skip the downgrade check (when sealing)."""
    record = getattr(signature, kind.name)
    reasons = []
    if found != signature.content_hash:
        reasons.append("content changed since it was signed")
    if signature.meaning not in MEANINGS[kind.name]:
        reasons.append("meaning changed: it is not the attestation the signer agreed to")
    expected_signer = kind.signer_id(record)
    if expected_signer is not None and expected_signer != signature.signer_id:
        reasons.append(
            f"signer changed: the record names user {expected_signer}, "
            f"the signature user {signature.signer_id}"
        )
    record_time = kind.signed_at(record)
    if record_time is not None and record_time != signature.signed_at:
        reasons.append(
            f"signing time changed: the record shows {record_time.isoformat()}, "
            f"the signature {signature.signed_at.isoformat()}"
        )
    program_id = kind.program_id(record)
    if signature.program_id is not None and signature.program_id != program_id:
        reasons.append(f"program changed: the record belongs to program {program_id}")
    if signature.scheme_version == Signature.Scheme.SEALED:
        if not seal_matches(signature):
            reasons.append(SEAL_BROKEN)
    elif signature.scheme_version != Signature.Scheme.PLAIN:
        reasons.append(f"unknown signature scheme {signature.scheme_version}")
    elif chained is not None and program_id in chained:
        # Anyone who can write to the database can make a hash-only signature; once a program's
        # signatures are sealed, an unsealed one is suspect.
        reasons.append(
            "not sealed, in a program whose signatures are sealed: seal it "
            "(verify_signatures --seal) only if it was made before sealing began"
        )
    recorded = audited.signatures.get((kind.name, record.pk))
    if recorded and signature.pk not in recorded:
        ids = ", ".join(str(pk) for pk in sorted(recorded))
        reasons.append(f"not the signature the audit trail recorded (signature {ids})")
    if not kind.is_locked(record):
        reasons.append(kind.unlocked_reason(record))
    return reasons


def signature_check(
    kind: SignedKind, signature: Signature, *, audited: Audited, chained: set[int] | None
) -> SignatureProblem | None:
    """Recompute ``signature``'s content hash from its record and compare everything it seals;
    the problem found, or None when it still matches."""
    record = getattr(signature, kind.name)
    found = content_hash(kind.content(record))
    reasons = _signature_reasons(kind, signature, found=found, audited=audited, chained=chained)
    if not reasons:
        return None
    return SignatureProblem(
        kind=kind.name,
        description=kind.label(record),
        reasons=reasons,
        signature=signature,
        record=record,
        program_id=kind.program_id(record),
        expected=signature.content_hash,
        found=found,
    )


def _unsigned_records(kind: SignedKind, *, audited: Audited, existing: set[int]) -> list:
    """Records that should carry a signature and do not: marked signed without one, or signed
    according to the audit trail, then stripped of it and set back to a draft."""
    missing = {
        pk: [kind.missing_reason]
        for pk in kind.model.objects.filter(kind.locked, signatures__isnull=True).values_list(
            "pk", flat=True
        )
    }
    deleted = {
        record_id: ids
        for (name, record_id), ids in audited.signatures.items()
        if name == kind.name and not ids & existing and record_id not in missing
    }
    # (A record still marked signed is in ``missing`` already, so these are all set back.)
    for record in kind.records().filter(pk__in=deleted, signatures__isnull=True):
        ids = ", ".join(str(pk) for pk in sorted(deleted[record.pk]))
        now = kind.unlocked_reason(record).removeprefix("signed but now ")
        missing[record.pk] = [
            f"signature deleted: the audit trail records signature {ids}, "
            f"and the record is now {now}"
        ]
    return [
        SignatureProblem(
            kind=kind.name,
            description=kind.label(record),
            reasons=missing[record.pk],
            record=record,
            program_id=kind.program_id(record),
            found=content_hash(kind.content(record)),
        )
        for record in kind.records().filter(pk__in=missing)
    ]


def _verify_chains() -> list[SignatureProblem]:
    """Walk each program's sealed signatures by sequence: 1, 2, 3... each naming the seal
    before it. A missing number is a deleted signature; a wrong link, a replaced one."""
    rows = (
        Signature.objects.filter(sequence__isnull=False)
        .order_by("program_id", "sequence")
        .values_list("program_id", "sequence", "seal", "previous_seal", "pk")
    )
    breaks: list[tuple[int, str]] = []
    program, last, last_seal = None, 0, ""
    for program_id, sequence, seal, previous_seal, pk in rows.iterator(chunk_size=2000):
        if program_id != program:
            program, last, last_seal = program_id, 0, ""
        if sequence != last + 1:
            gap = f"{last + 1}" if sequence == last + 2 else f"{last + 1} to {sequence - 1}"
            breaks.append(
                (
                    program_id,
                    f"sequence {gap} missing before signature {pk} (sequence {sequence}): "
                    "a signature was deleted",
                )
            )
        elif previous_seal != last_seal:
            breaks.append(
                (
                    program_id,
                    f"signature {pk} (sequence {sequence}) does not follow sequence {last}: "
                    "the chain was broken (a signature replaced or moved)",
                )
            )
        last, last_seal = sequence, seal
    names = Program.objects.in_bulk({program_id for program_id, _ in breaks})
    return [
        SignatureProblem(
            kind="chain",
            description=f"Signature chain of program {program_id} ({names[program_id]})",
            reasons=[reason],
            program_id=program_id,
        )
        for program_id, reason in breaks
    ]


def signature_verify_all(*, kind: str | None = None) -> list[SignatureProblem]:
    """Check every signature of every kind (or of one ``kind``) against its record, and every
    program's chain (all kinds only). The one verification loop, over ``kinds.KINDS``: the
    command calls it for everything; ``kind`` narrows it to one kind of record.

    Reported, per signature: content changed (hash recomputed from the record, so a form whose
    kind changed under it shows too), meaning, signer, time or program changed, a broken seal
    (scheme 2), an unsealed signature in a sealed program, a signature other than the one the
    audit trail recorded, a record no longer marked signed. Per record: marked signed without a
    signature, or its recorded signature deleted and the record set back to draft. Per program:
    a gap or break in the chain. Scheme 1 signatures are checked under their own (hash-only)
    scheme.
    """
    kinds = KINDS if kind is None else (KIND_BY_NAME[kind],)
    audited = audited_signings()
    existing = set(Signature.objects.values_list("pk", flat=True))
    chained = audited.sealed_programs | set(
        Signature.objects.filter(sequence__isnull=False)
        .values_list("program_id", flat=True)
        .distinct()
    )
    problems = []
    for signed_kind in kinds:
        for signature in signed_kind.signatures().order_by("pk").iterator(chunk_size=500):
            problem = signature_check(signed_kind, signature, audited=audited, chained=chained)
            if problem is not None:
                problems.append(problem)
        problems += _unsigned_records(signed_kind, audited=audited, existing=existing)
    if kind is None:
        problems += _verify_chains()
    return problems


@dataclass(frozen=True)
class ChainHead:
    program_id: int
    program_name: str
    length: int
    seal: str


def signature_chain_heads() -> list[ChainHead]:
    """The last sealed signature of each program. Keep them outside the database (the command
    prints them): a later run showing a shorter chain means signatures were removed from the end,
    which no check inside the database alone can prove."""
    heads: dict[int, tuple[int, str]] = {}
    rows = Signature.objects.filter(sequence__isnull=False).values_list(
        "program_id", "sequence", "seal"
    )
    for program_id, sequence, seal in rows.iterator(chunk_size=2000):
        if sequence > heads.get(program_id, (0, ""))[0]:
            heads[program_id] = (sequence, seal)
    names = Program.objects.in_bulk(list(heads))
    return [
        ChainHead(program_id, names[program_id].name, length, seal)
        for program_id, (length, seal) in sorted(heads.items())
    ]
