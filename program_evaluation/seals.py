"""What the director's signature of an annual program evaluation covers.

The signed content is the review's ``snapshot`` (evidence and the committee's record) plus who
and which year; its SHA-256 (``assessments.seals.content_hash``) is stored in ``content_hash``
and ``evaluation_seal`` is an HMAC under ``settings.SIGNING_KEY`` (outside the database) over
that hash, the signer, the time and the meaning. ``manage.py verify_signatures`` checks both
(``ProgramEvaluationConfig.signature_check``). Never change their meaning for existing rows:
add a new ``version`` instead.
"""

import datetime
import hashlib
import hmac

from django.conf import settings

from assessments.seals import content_hash

from .models import AnnualProgramEvaluation

EVALUATION_MEANING = (
    "I attest, as program director, that this annual program evaluation records the Program "
    "Evaluation Committee's review of the year's evidence, its findings and its action plan."
)


def evaluation_content(evaluation: AnnualProgramEvaluation) -> dict:
    return {
        "version": 1,
        "kind": "annual_program_evaluation",
        "program": evaluation.program_id,
        "academic_year": evaluation.academic_year_id,
        "snapshot": evaluation.snapshot,
    }


def evaluation_hash(evaluation: AnnualProgramEvaluation) -> str:
    return content_hash(evaluation_content(evaluation))


def evaluation_seal(evaluation: AnnualProgramEvaluation) -> str:
    signed_at = evaluation.signed_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    payload = {
        "record": {"kind": "annual_program_evaluation", "id": evaluation.pk},
        "program": evaluation.program_id,
        "content_hash": evaluation.content_hash,
        "signer": evaluation.signed_by_id,
        "signed_at": signed_at,
        "meaning": EVALUATION_MEANING,
        "method": evaluation.signature_method,
    }
    key = settings.SIGNING_KEY.encode("utf-8")
    digest = content_hash(payload).encode("ascii")
    return hmac.new(key, digest, hashlib.sha256).hexdigest()
