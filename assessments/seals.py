"""The seal: what a signature covers, and how the signer proves who they are.

``assessment_content`` is the canonical, JSON-serialisable form of everything an assessor attests
to; ``content_hash`` is the SHA-256 stored in the ``Signature``. Both are pure: they are used when
signing and again by ``manage.py verify_signatures``, so they must never change meaning for
existing rows (add a new version rather than edit them).

``signature_seal`` is the HMAC that binds the content hash to who signed, when, meaning what, which
record and where in the program's chain (scheme 2). Its key, ``settings.SIGNING_KEY``, comes from
the environment and never enters the database, so a database writer cannot recompute it.

Making, checking and re-sealing the stored signatures is ``assessments.services.signatures``.
"""

import datetime
import hashlib
import hmac
import json
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from .models import NOT_YET_LEVEL_ONE, Assessment, Signature

SIGNATURE_MEANING = (
    "I attest that this assessment reflects my own observation of the fellow's work "
    "and is complete."
)
# What a rating marked not assessable reads as in the signed content. Hashed into existing
# signatures: never change the text (the form posts ``workflow.NA_FORM_VALUE`` instead).
NOT_ASSESSABLE_SEALED = "not yet assessable"
# What a rating (or consensus level) of "Not yet completed Level 1" (``NOT_YET_LEVEL_ONE``, stored
# as level 0.0) reads as. New content: no signature before it could hold one, so every existing
# hash is unchanged; once used it is hashed into signatures, so never change the text either.
NOT_YET_LEVEL_ONE_SEALED = "not yet completed level 1"


def _rating_value(rating) -> str:
    if rating.not_assessable:
        return NOT_ASSESSABLE_SEALED
    if Decimal(str(rating.level)) == NOT_YET_LEVEL_ONE:
        return NOT_YET_LEVEL_ONE_SEALED
    # "3.0", whether the level came from the database (Decimal) or was just assigned ("3" / 3).
    return f"{Decimal(str(rating.level)):.1f}"


def sealed_level(level) -> str:
    """How a rating or consensus level reads in signed content ("3.0", "not yet assessable")."""
    return _rating_value(level)


def assessment_content(assessment: Assessment) -> dict:
    """The signed content: who, about whom, on which form, when, what was written and rated.

    Ratings are read through ``assessment.ratings.all()`` so a prefetch is used when present;
    they are sorted by subcompetency code so the order they were saved in does not matter.
    """
    ratings = sorted(
        ([r.subcompetency.code, _rating_value(r)] for r in assessment.ratings.all()),
        key=lambda pair: pair[0],
    )
    return {
        "version": 1,
        "program": {"id": assessment.program_id},
        "template": {
            "id": assessment.template_id,
            "kind": assessment.template.kind,
            "milestone_set": assessment.template.milestone_set_id,
        },
        "fellow": {"membership": assessment.fellow_id, "user": assessment.fellow.user_id},
        "assessor": {"membership": assessment.assessor_id, "user": assessment.assessor.user_id},
        "observed_on": assessment.observed_on.isoformat(),
        "narrative": assessment.narrative,
        "amends": assessment.amends_id,
        "ratings": ratings,
    }


CCC_SIGNATURE_MEANING = (
    "I attest, as program director, that these are the Clinical Competency Committee's "
    "consensus milestone levels for this fellow in this review period, reached on the evidence "
    "in the packet."
)
# What final summative evaluations signed before annual evaluations existed attest to: kept so
# those signatures still verify. Never change the text.
SUMMATIVE_SIGNATURE_MEANING_V1 = (
    "I attest, as program director, that this final summative evaluation is my judgement of the "
    "fellow's performance and readiness for autonomous practice."
)
# Annual (ACGME Common Program Requirements V.A.1.d) and final (V.A.2) evaluations alike.
SUMMATIVE_SIGNATURE_MEANING = (
    "I attest, as program director, that this summative evaluation is my judgement of the "
    "fellow's performance and, in a final evaluation, of their readiness to enter autonomous "
    "practice."
)


def ccc_review_content(review) -> dict:
    """The signed content of a CCC review: the fellow, the period, every consensus level, the
    committee's notes and the packet's figures as snapshotted at finalisation.

    Levels are read through ``review.levels.all()`` (a prefetch is used when present) and sorted
    by subcompetency code.
    """
    period = review.period
    levels = sorted(
        ([level.subcompetency.code, _rating_value(level)] for level in review.levels.all()),
        key=lambda pair: pair[0],
    )
    return {
        "version": 1,
        "kind": "ccc_review",
        "program": {"id": period.program_id},
        "period": {
            "id": period.pk,
            "kind": period.kind,
            "academic_year": period.academic_year_id,
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat(),
        },
        "fellow": {"membership": review.fellow_id, "user": review.fellow.user_id},
        "levels": levels,
        "committee_notes": review.committee_notes,
        "packet": review.packet_snapshot,
    }


def summative_content(evaluation) -> dict:
    """The signed content of a summative evaluation.

    Version 1 (every evaluation signed before annual evaluations, snapshots and amendments) is
    kept exactly as it was, so those signatures still verify; version 2 adds the kind, the year,
    the amended evaluation, the snapshot (CCC levels, procedure totals, leave, training dates)
    and the director's reason for signing before the year-end review, if any.
    """
    content = {
        "version": 1,
        "kind": "summative_evaluation",
        "program": {"id": evaluation.program_id},
        "fellow": {"membership": evaluation.fellow_id, "user": evaluation.fellow.user_id},
        "author": evaluation.author_id,
        "narrative": evaluation.narrative,
        "practices_independently": evaluation.practices_independently,
    }
    if evaluation.content_version == 1:
        return content
    return {
        **content,
        "version": 2,
        "summative_kind": evaluation.kind,
        "academic_year": evaluation.academic_year_id,
        "amends": evaluation.amends_id,
        "snapshot": evaluation.snapshot,
        "override_reason": evaluation.override_reason,
    }


def _canonical(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def content_hash(content: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of ``content``: key order and spacing never matter."""
    return hashlib.sha256(_canonical(content)).hexdigest()


# What each kind of signed record attests; a signature whose stored meaning is not one of these
# was edited. Never change a text in place: add the new one, so older signatures still match.
MEANINGS = {
    "assessment": (SIGNATURE_MEANING,),
    "ccc_review": (CCC_SIGNATURE_MEANING,),
    "summative_evaluation": (SUMMATIVE_SIGNATURE_MEANING_V1, SUMMATIVE_SIGNATURE_MEANING),
}


def seal_payload(signature: Signature) -> dict:
    """Everything scheme 2 seals, from the stored row. ``signed_at`` is ISO 8601 in UTC."""
    signed_at = signature.signed_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return {
        "scheme": Signature.Scheme.SEALED.value,
        "record": {"kind": signature.record_kind, "id": signature.record_id},
        "program": signature.program_id,
        "sequence": signature.sequence,
        "previous_seal": signature.previous_seal,
        "content_hash": signature.content_hash,
        "signer": signature.signer_id,
        "signed_at": signed_at,
        "meaning": signature.meaning,
        "method": signature.method,
    }


def signature_seal(signature: Signature) -> str:
    """HMAC-SHA256 (hex) of ``seal_payload`` under ``settings.SIGNING_KEY``."""
    key = settings.SIGNING_KEY.encode("utf-8")
    return hmac.new(key, _canonical(seal_payload(signature)), hashlib.sha256).hexdigest()


def seal_matches(signature: Signature) -> bool:
    return hmac.compare_digest(signature.seal, signature_seal(signature))


def _totp_authenticator(user):
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()


def uses_totp(user) -> bool:
    """Whether ``user`` signs with an authenticator code (else with their password): what a
    signing form asks for."""
    return _totp_authenticator(user) is not None


SIGNING_ATTEMPTS_LIMIT = 5
SIGNING_ATTEMPTS_WINDOW = 15 * 60  # seconds


def confirm_identity(user, *, password: str | None = None, totp_code: str | None = None):
    """Re-confirm the signer: their authenticator code if they use one, else their password.

    Returns the ``Signature.Method`` used. Raises ``ValidationError`` keyed ``totp_code`` or
    ``password`` so a form can show the message beside the right field. A TOTP code is accepted
    once only (allauth marks it used), so a replayed code is refused. After five wrong answers
    in fifteen minutes signing is refused for a while, so the form cannot be used to guess.
    """
    key = f"signing-failures:{user.pk}"
    if cache.get(key, 0) >= SIGNING_ATTEMPTS_LIMIT:
        field = "totp_code" if _totp_authenticator(user) is not None else "password"
        raise ValidationError(
            {field: "Too many wrong attempts to sign. Wait 15 minutes, then try again."}
        )
    try:
        method = _check_identity(user, password=password, totp_code=totp_code)
    except ValidationError:
        cache.add(key, 0, SIGNING_ATTEMPTS_WINDOW)
        cache.incr(key)
        raise
    cache.delete(key)
    return method


def _check_identity(user, *, password: str | None, totp_code: str | None):
    authenticator = _totp_authenticator(user)
    if authenticator is not None:
        from allauth.mfa.totp.internal.auth import TOTP

        code = (totp_code or "").strip()
        if not code:
            raise ValidationError(
                {
                    "totp_code": "You sign in with an authenticator app: enter its current "
                    "6-digit code to sign (your password alone is not enough)."
                }
            )
        if not TOTP(authenticator).validate_code(code):
            raise ValidationError(
                {
                    "totp_code": "That authenticator code is not valid (or was already used). "
                    "Enter the current code from your app."
                }
            )
        authenticator.record_usage()
        return Signature.Method.TOTP
    if not password:
        raise ValidationError({"password": "Enter your password to sign."})
    if not user.check_password(password):
        raise ValidationError({"password": "That password is not correct."})
    return Signature.Method.PASSWORD
