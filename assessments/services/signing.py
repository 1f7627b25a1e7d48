"""Signing, acknowledging and amending assessments, and storing and checking every signature.

Signing locks the assessment row, re-confirms the assessor's identity and stores a ``Signature``
through ``signature_create``, the one place any signature is made (CCC reviews and summative
evaluations use it too): it holds the SHA-256 of the signed content and a seal (HMAC under a key
outside the database) over that hash, the signer, the time, the meaning, the method, the record
and its place in the program's chain. A signed (or acknowledged) assessment never changes: a
correction is a new draft whose ``amends`` points at the original, and both are kept.
``signature_verify_all`` recomputes every hash and seal and walks every chain, so a change made
behind the app's back is caught; ``signature_seal_legacy`` seals the older, hash-only signatures.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record, audit_record_many
from curriculum.models import Program

from ..models import (
    Assessment,
    CCCReview,
    ConsensusLevel,
    Rating,
    Signature,
    SummativeEvaluation,
)
from ..permissions import can_acknowledge, can_fill
from ..signing import (
    MEANINGS,
    assessment_content,
    ccc_review_content,
    confirm_identity,
    content_hash,
    seal_matches,
    signature_seal,
    summative_content,
)

Status = Assessment.Status
OPEN_STATUSES = (Status.DRAFT, Status.RETURNED)


def _lock(assessment: Assessment, *, template: bool = False) -> Assessment:
    """Re-read the assessment under a row lock: a double click or a second tab waits here.

    With ``template``, the form's row is locked too, so a concurrent edit of the form's kind
    either finishes first (and is signed as it now reads) or waits and then sees the signature.
    """
    of = ("self", "template") if template else ("self",)
    return (
        Assessment.objects.select_for_update(of=of)
        .select_related("program", "template", "fellow__user", "assessor__user")
        .get(pk=assessment.pk)
    )


def _missing_for_signing(assessment: Assessment) -> dict[str, str]:
    rated = {
        r.subcompetency_id
        for r in assessment.ratings.all()
        if r.not_assessable or r.level is not None
    }
    missing = [
        sub.code
        for sub in assessment.template.subcompetencies.order_by("code")
        if sub.pk not in rated
    ]
    errors = {}
    if missing:
        errors["ratings"] = (
            f"Rate every subcompetency (a level, or not yet assessable) before signing; "
            f"missing: {', '.join(missing)}."
        )
    if not assessment.narrative.strip():
        errors["narrative"] = "Write the narrative first: what went well and what to work on."
    return errors


@transaction.atomic
def assessment_sign(
    *, actor, assessment: Assessment, password: str | None = None, totp_code: str | None = None
) -> Signature:
    """The assessor signs a complete draft (or returned) assessment; it becomes read-only.

    Identity is re-confirmed with the authenticator code when the assessor uses one, otherwise
    with their password. Returns the new ``Signature`` (its ``assessment`` is the fresh row; the
    instance passed in is not updated). A second request for an already signed assessment (a
    double click) raises ``ValidationError`` and creates nothing.
    """
    assessment = _lock(assessment, template=True)
    if not can_fill(actor, assessment):
        raise PermissionDenied("Only the named assessor can sign this assessment.")
    if assessment.status not in OPEN_STATUSES:
        raise ValidationError("This assessment is already signed.")
    if errors := _missing_for_signing(assessment):
        raise ValidationError(errors)
    method = confirm_identity(actor, password=password, totp_code=totp_code)

    now = timezone.now()
    previous_status = assessment.status
    assessment.status = Status.SIGNED
    assessment.signed_at = now
    assessment.return_reason = ""
    assessment.full_clean()
    assessment.save(update_fields=["status", "signed_at", "return_reason", "updated_at"])
    signature = signature_create(record=assessment, signer=actor, signed_at=now, method=method)
    audit_record(
        actor=actor,
        action="assessment.sign",
        obj=assessment,
        changes={
            "status": [previous_status, Status.SIGNED],
            "signature": [None, signature.pk],
            "content_hash": [None, signature.content_hash],
            "seal": [None, signature.seal],
        },
    )
    return signature


@transaction.atomic
def assessment_acknowledge(*, actor, assessment: Assessment) -> Assessment:
    """The fellow acknowledges a signed assessment about them. Doing it twice is harmless."""
    assessment = _lock(assessment)
    is_fellow = actor.is_authenticated and assessment.fellow.user_id == actor.pk
    if not (is_fellow and assessment.fellow.is_active):
        raise PermissionDenied("Only the fellow the assessment is about can acknowledge it.")
    if assessment.status == Status.ACKNOWLEDGED:
        return assessment
    if not can_acknowledge(actor, assessment):
        raise ValidationError("Only a signed assessment can be acknowledged.")
    assessment.status = Status.ACKNOWLEDGED
    assessment.acknowledged_at = timezone.now()
    assessment.full_clean()
    assessment.save(update_fields=["status", "acknowledged_at", "updated_at"])
    audit_record(
        actor=actor,
        action="assessment.acknowledge",
        obj=assessment,
        changes={"status": [Status.SIGNED, Status.ACKNOWLEDGED]},
    )
    return assessment


@transaction.atomic
def assessment_amend(*, actor, assessment: Assessment) -> Assessment:
    """The original assessor starts a correction of a signed or acknowledged assessment.

    The correction is a new draft copying the original's form, people, date, narrative and
    ratings, with ``amends`` pointing at the original, which is left untouched (content, status
    and signature). If an open (draft or returned) amendment already exists it is returned
    instead of a second one, so a double click or a second tab leads to the same draft. An
    assessment that already has a signed amendment is refused: amend the latest version.
    """
    original = _lock(assessment)
    if not can_fill(actor, original):
        raise PermissionDenied("Only the assessor who signed it can amend this assessment.")
    if not original.is_locked:
        raise ValidationError("Only a signed assessment can be amended; edit the draft instead.")
    amendments = list(original.amendments.order_by("pk"))
    for amendment in amendments:
        if amendment.status in OPEN_STATUSES:
            return amendment
    if amendments:
        raise ValidationError(
            f"This assessment was already amended (assessment {amendments[-1].pk}); "
            "amend the latest version instead."
        )
    draft = Assessment(
        program=original.program,
        template=original.template,
        fellow=original.fellow,
        assessor=original.assessor,
        requested_by=original.requested_by,
        schedule_block=original.schedule_block,
        procedure_entry=original.procedure_entry,
        amends=original,
        observed_on=original.observed_on,
        due_date=original.due_date,
        status=Status.DRAFT,
        narrative=original.narrative,
    )
    draft.full_clean()
    draft.save()
    Rating.objects.bulk_create(
        Rating(
            assessment=draft,
            subcompetency_id=rating.subcompetency_id,
            level=rating.level,
            not_assessable=rating.not_assessable,
        )
        for rating in original.ratings.all()
    )
    audit_record(
        actor=actor, action="assessment.amend", obj=draft, changes={"amends": [None, original.pk]}
    )
    return draft


# --- Every kind of signed record, defined once for signing, verifying and sealing ---------------


def _ratings_prefetch(prefix: str = "") -> list[Prefetch]:
    return [Prefetch(f"{prefix}ratings", queryset=Rating.objects.select_related("subcompetency"))]


def _levels_prefetch(prefix: str = "") -> list[Prefetch]:
    return [
        Prefetch(f"{prefix}levels", queryset=ConsensusLevel.objects.select_related("subcompetency"))
    ]


@dataclass(frozen=True)
class SignedKind:
    """How one kind of record is signed: its content, what it must say, and how to read it."""

    name: str  # the Signature foreign key: "assessment", "ccc_review", "summative_evaluation"
    model: type[models.Model]
    sign_action: str  # the audit action that records the signing
    content: Callable[[Any], dict]
    program_id: Callable[[Any], int]
    is_locked: Callable[[Any], bool]
    signed_at: Callable[[Any], datetime.datetime | None]  # the time the record itself shows
    signer_id: Callable[[Any], int | None]  # who must have signed it, when the record says
    label: Callable[[Any], str]
    locked: Q  # the records that must carry a signature
    related: tuple[str, ...]
    prefetch: Callable[[str], list[Prefetch]]
    missing_reason: str
    unlocked_reason: Callable[[Any], str]

    @property
    def meaning(self) -> str:
        return MEANINGS[self.name][-1]

    def records(self):
        return (
            self.model.objects.select_related(*self.related)
            .prefetch_related(*self.prefetch(""))
            .order_by("pk")
        )

    def signatures(self):
        return (
            Signature.objects.filter(**{f"{self.name}__isnull": False})
            .select_related("signer", self.name, *(f"{self.name}__{r}" for r in self.related))
            .prefetch_related(*self.prefetch(f"{self.name}__"))
        )


KINDS = (
    SignedKind(
        name="assessment",
        model=Assessment,
        sign_action="assessment.sign",
        content=assessment_content,
        program_id=lambda a: a.program_id,
        is_locked=lambda a: a.is_locked,
        signed_at=lambda a: a.signed_at,
        signer_id=lambda a: a.assessor.user_id,
        label=lambda a: f"Assessment {a.pk} ({a.template} of {a.fellow.user} by {a.assessor.user})",
        locked=Q(status__in=Assessment.LOCKED_STATUSES),
        related=("program", "template", "fellow__user", "assessor__user"),
        prefetch=_ratings_prefetch,
        missing_reason="marked signed but has no signature",
        unlocked_reason=lambda a: f"signed but now marked {a.get_status_display().lower()}",
    ),
    SignedKind(
        name="ccc_review",
        model=CCCReview,
        sign_action="ccc_review.finalise",
        content=ccc_review_content,
        program_id=lambda r: r.period.program_id,
        is_locked=lambda r: r.is_finalised,
        signed_at=lambda r: r.finalised_at,
        signer_id=lambda r: None,  # any director may finalise: the seal holds who did
        label=lambda r: f"CCC review {r.pk} ({r.period} for {r.fellow.user})",
        locked=Q(status=CCCReview.Status.FINALISED),
        related=("period__academic_year", "fellow__user"),
        prefetch=_levels_prefetch,
        missing_reason="finalised but has no signature",
        unlocked_reason=lambda r: "signed but now marked draft",
    ),
    SignedKind(
        name="summative_evaluation",
        model=SummativeEvaluation,
        sign_action="summative_evaluation.sign",
        content=summative_content,
        program_id=lambda e: e.program_id,
        is_locked=lambda e: e.is_signed,
        signed_at=lambda e: e.signed_at,
        signer_id=lambda e: e.author_id,
        label=lambda e: f"Summative evaluation {e.pk} (of {e.fellow.user})",
        locked=Q(status=SummativeEvaluation.Status.SIGNED),
        related=("fellow__user",),
        prefetch=lambda prefix: [],
        missing_reason="signed but has no signature",
        unlocked_reason=lambda e: "signed but now marked draft",
    ),
)
KIND_BY_NAME = {kind.name: kind for kind in KINDS}


def _kind_of(record) -> SignedKind:
    for kind in KINDS:
        if isinstance(record, kind.model):
            return kind
    raise TypeError(f"{type(record).__name__} is not a kind of record that can be signed.")


def _append_to_chain(signature: Signature) -> None:
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


def _lock_program(program_id: int) -> None:
    # NO KEY UPDATE: signers in one program queue here, while rows that merely point at the
    # program (a procedure being logged) are not held up.
    Program.objects.select_for_update(no_key=True).only("pk").get(pk=program_id)


@transaction.atomic
def signature_create(*, record, signer, signed_at: datetime.datetime, method: str) -> Signature:
    """Store the sealed signature of ``record`` (an assessment, CCC review or summative
    evaluation, already saved as signed), appended to its program's chain.

    Called by the signing services inside their transaction, after identity was re-confirmed.
    The meaning and content come from the record's kind, so each is defined once.
    """
    kind = _kind_of(record)
    program_id = kind.program_id(record)
    _lock_program(program_id)
    signature = Signature(
        **{kind.name: record},
        program_id=program_id,
        signer=signer,
        signed_at=signed_at,
        meaning=kind.meaning,
        method=method,
        content_hash=content_hash(kind.content(record)),
    )
    _append_to_chain(signature)
    signature.full_clean()
    signature.save()
    return signature


# --- Verification --------------------------------------------------------------------------------


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
class _Audited:
    """What the (append-only) audit trail says was signed."""

    signatures: dict[tuple[str, int], set[int]]  # (kind, record id): signature ids
    sealed_programs: set[int]  # programs that had sealed signatures, even if since deleted


def _audited() -> _Audited:
    kinds = {kind.model._meta.label_lower: kind for kind in KINDS}
    events = AuditEvent.objects.filter(
        action__in=[kind.sign_action for kind in KINDS],
        object_type__in=list(kinds),
    ).values_list("object_type", "object_id", "program_id", "changes")
    audited = _Audited(defaultdict(set), set())
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
    audited: _Audited,
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


def _verify_kind(kind: SignedKind, *, audited, chained, existing: set[int]) -> list:
    problems = []
    for signature in kind.signatures().order_by("pk").iterator(chunk_size=500):
        record = getattr(signature, kind.name)
        found = content_hash(kind.content(record))
        reasons = _signature_reasons(kind, signature, found=found, audited=audited, chained=chained)
        if reasons:
            problems.append(
                SignatureProblem(
                    kind=kind.name,
                    description=kind.label(record),
                    reasons=reasons,
                    signature=signature,
                    record=record,
                    program_id=kind.program_id(record),
                    expected=signature.content_hash,
                    found=found,
                )
            )
    # Records that should carry a signature and do not: marked signed without one, or signed
    # according to the audit trail, then stripped of it and set back to a draft.
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
    for record in kind.records().filter(pk__in=missing):
        problems.append(
            SignatureProblem(
                kind=kind.name,
                description=kind.label(record),
                reasons=missing[record.pk],
                record=record,
                program_id=kind.program_id(record),
                found=content_hash(kind.content(record)),
            )
        )
    return problems


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
    program's chain (all kinds only). The one verification that the command and pages use.

    Reported, per signature: content changed (hash recomputed from the record, so a form whose
    kind changed under it shows too), meaning, signer, time or program changed, a broken seal
    (scheme 2), an unsealed signature in a sealed program, a signature other than the one the
    audit trail recorded, a record no longer marked signed. Per record: marked signed without a
    signature, or its recorded signature deleted and the record set back to draft. Per program:
    a gap or break in the chain. Scheme 1 signatures are checked under their own (hash-only)
    scheme.
    """
    kinds = KINDS if kind is None else (KIND_BY_NAME[kind],)
    audited = _audited()
    existing = set(Signature.objects.values_list("pk", flat=True))
    chained = audited.sealed_programs | set(
        Signature.objects.filter(sequence__isnull=False)
        .values_list("program_id", flat=True)
        .distinct()
    )
    problems = []
    for signed_kind in kinds:
        problems += _verify_kind(signed_kind, audited=audited, chained=chained, existing=existing)
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


# --- Sealing the older, hash-only signatures -----------------------------------------------------


@dataclass
class SealResult:
    sealed: int = 0
    refused: list[SignatureProblem] = field(default_factory=list)


_PROGRAM_PATH = {
    "assessment": "assessment__program_id",
    "ccc_review": "ccc_review__period__program_id",
    "summative_evaluation": "summative_evaluation__program_id",
}


def _legacy_programs() -> set[int]:
    legacy = Signature.objects.filter(scheme_version=Signature.Scheme.PLAIN)
    programs = set()
    for name, path in _PROGRAM_PATH.items():
        programs |= set(legacy.filter(**{f"{name}__isnull": False}).values_list(path, flat=True))
    return programs


def signature_seal_legacy() -> SealResult:
    """Seal every scheme 1 (hash-only) signature into scheme 2, once.

    Only a signature that still verifies under its own scheme (hash recomputed, meaning, signer,
    time and status as signed) is sealed; the others are returned, untouched, with their reasons.
    Each program's are appended to its chain in the order they were signed, under the program's
    lock, so signing can go on meanwhile. Running it again seals nothing new.
    """
    result = SealResult()
    audited = _audited()
    for program_id in sorted(_legacy_programs()):
        with transaction.atomic():
            _lock_program(program_id)
            pending = []
            for kind in KINDS:
                signatures = kind.signatures().filter(
                    scheme_version=Signature.Scheme.PLAIN,
                    **{_PROGRAM_PATH[kind.name]: program_id},
                )
                pending += [(signature, kind) for signature in signatures]
            pending.sort(key=lambda pair: (pair[0].signed_at, pair[0].pk))
            sealed = []
            for signature, kind in pending:
                record = getattr(signature, kind.name)
                found = content_hash(kind.content(record))
                reasons = _signature_reasons(
                    kind, signature, found=found, audited=audited, chained=None
                )
                if reasons:
                    result.refused.append(
                        SignatureProblem(
                            kind=kind.name,
                            description=kind.label(record),
                            reasons=reasons,
                            signature=signature,
                            record=record,
                            program_id=program_id,
                            expected=signature.content_hash,
                            found=found,
                        )
                    )
                    continue
                signature.program_id = program_id
                _append_to_chain(signature)
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
