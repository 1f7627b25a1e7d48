"""What a director's signature of an ABA report covers, sealed with ``assessments.seals``.

``report_content`` is the canonical form of everything the director attests to; its SHA-256
(``assessments.seals.content_hash``) is stored in the ``BoardSignature``, and ``board_seal`` is an
HMAC under ``settings.SIGNING_KEY`` (outside the database) over that hash and who signed, when,
meaning what, how. Both are used when signing and again by ``manage.py verify_aba_signatures``,
so never change their meaning for existing rows: add a new ``version`` instead.
"""

import datetime
import hashlib
import hmac

from django.conf import settings

from assessments.seals import content_hash

from .models import ATTRIBUTE_NAMES, AbaFellowReport, BoardSignature

ABA_REPORT_MEANING = (
    "I attest, as program director, that this report of the fellow's clinical competence to the "
    "American Board of Anesthesiology reflects the program's evaluation for this period."
)


def report_content(report: AbaFellowReport) -> dict:
    return {
        "version": 1,
        "kind": "aba_fellow_report",
        "program": {"id": report.program_id},
        "fellow": {"membership": report.fellow_id, "user": report.fellow.user_id},
        "period": {
            "id": report.period_id,
            "kind": report.period.kind,
            "starts_on": report.period.starts_on.isoformat(),
            "ends_on": report.period.ends_on.isoformat(),
        },
        "ccc_review": report.ccc_review_id,
        "overall": report.overall,
        "attributes": {name: getattr(report, name) for name in ATTRIBUTE_NAMES},
        "comments": report.comments,
    }


def seal_payload(signature: BoardSignature) -> dict:
    signed_at = signature.signed_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return {
        "record": {"kind": "aba_fellow_report", "id": signature.report_id},
        "program": signature.program_id,
        "content_hash": signature.content_hash,
        "signer": signature.signer_id,
        "signed_at": signed_at,
        "meaning": signature.meaning,
        "method": signature.method,
    }


def board_seal(signature: BoardSignature) -> str:
    """HMAC-SHA256 (hex), under ``settings.SIGNING_KEY``, of the hash of ``seal_payload``."""
    key = settings.SIGNING_KEY.encode("utf-8")
    digest = content_hash(seal_payload(signature)).encode("ascii")
    return hmac.new(key, digest, hashlib.sha256).hexdigest()


def seal_matches(signature: BoardSignature) -> bool:
    return hmac.compare_digest(signature.seal, board_seal(signature))
