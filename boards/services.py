"""Writing and signing the ABA semiannual reports.

Pre-filling (``aba_reports_draft``) follows the fellow's finalised CCC review of the period, by
this heuristic (the director changes any grade before signing):

- overall: satisfactory unless a consensus level is more than one level below the level expected
  at this review (``ReviewPeriod.expected``: 2.5 at mid-year, 4.0 at year end unless the program
  set its own); "not yet assessable" levels count for nothing;
- "honest and ethical" and "reliable, conscientious and responsible": unsatisfactory when a
  Professionalism (PROF) level is more than one below expected; "learns from experience" the
  same from Practice-Based Learning and Improvement (PBLI); the other attributes are not
  measured by milestones and start satisfactory;
- the ABA's rule then applies: overall can be satisfactory only if every attribute is.

Without a finalised review the report starts all satisfactory, linked to no review.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.models import CCCReview, ReviewPeriod
from assessments.seals import confirm_identity, content_hash
from audit.services import audit_record

from .models import ATTRIBUTE_NAMES, AbaFellowReport, BoardSignature, Grade
from .permissions import can_write_aba_reports
from .seals import ABA_REPORT_MEANING, board_seal, report_content, seal_matches

S, U = Grade.SATISFACTORY, Grade.UNSATISFACTORY
# Which competency's levels pre-fill which essential attribute.
ATTRIBUTE_COMPETENCY = {
    "honest_ethical": "PROF",
    "reliable_responsible": "PROF",
    "learns_from_experience": "PBLI",
}


def _below_expected(level, expected: Decimal) -> bool:
    return level is not None and Decimal(str(level)) < expected - 1


def aba_prefill(*, review: CCCReview | None, period: ReviewPeriod) -> dict[str, str]:
    """The grades the heuristic above gives for ``review`` (finalised, or None)."""
    grades = {name: S for name in ("overall", *ATTRIBUTE_NAMES)}
    if review is None:
        return grades
    expected = period.expected
    low = [
        level
        for level in review.levels.select_related("subcompetency__competency")
        if not level.not_assessable and _below_expected(level.level, expected)
    ]
    if low:
        grades["overall"] = U
    low_competencies = {level.subcompetency.competency.code for level in low}
    for name, code in ATTRIBUTE_COMPETENCY.items():
        if code in low_competencies:
            grades[name] = U
    return grades


def _check_grades(grades: dict[str, str]) -> None:
    if grades["overall"] == S and any(grades[name] != S for name in ATTRIBUTE_NAMES):
        raise ValidationError(
            {
                "overall": "Overall clinical competence can be satisfactory only if every "
                "essential attribute is satisfactory (ABA rule)."
            }
        )


def _require_writer(actor, program) -> None:
    if not can_write_aba_reports(actor, program):
        raise PermissionDenied("Only the program director writes the ABA reports.")


@transaction.atomic
def aba_reports_draft(*, actor, period: ReviewPeriod) -> list[AbaFellowReport]:
    """A draft report for every fellow with a CCC review in ``period`` who has none yet,
    pre-filled from their finalised review. Returns the new reports (none when all exist)."""
    program = period.program
    _require_writer(actor, program)
    have = set(AbaFellowReport.objects.filter(period=period).values_list("fellow_id", flat=True))
    created = []
    reviews = CCCReview.objects.filter(period=period).select_related("fellow").order_by("pk")
    for review in reviews:
        if review.fellow_id in have:
            continue
        source = review if review.is_finalised else None
        report = AbaFellowReport(
            program=program,
            fellow=review.fellow,
            period=period,
            ccc_review=source,
            **aba_prefill(review=source, period=period),
        )
        report.full_clean()
        report.save()
        audit_record(
            actor=actor,
            action="aba_report.draft",
            obj=report,
            program=program,
            changes={"ccc_review": [None, report.ccc_review_id], "overall": [None, report.overall]},
        )
        created.append(report)
    return created


def _locked(report: AbaFellowReport) -> AbaFellowReport:
    return (
        AbaFellowReport.objects.select_for_update(of=("self",))
        .select_related("period", "fellow", "program")
        .get(pk=report.pk)
    )


@transaction.atomic
def aba_report_update(
    *, actor, report: AbaFellowReport, overall: str, attributes: dict[str, str], comments: str
) -> AbaFellowReport:
    """The director changes a draft's grades or comments; a signed report never changes."""
    _require_writer(actor, report.program)
    report = _locked(report)
    if report.is_signed:
        raise ValidationError("This report is signed and can no longer be changed.")
    grades = {"overall": overall, **{name: attributes[name] for name in ATTRIBUTE_NAMES}}
    _check_grades(grades)
    before = {name: getattr(report, name) for name in (*grades, "comments")}
    for name, value in grades.items():
        setattr(report, name, value)
    report.comments = comments
    report.full_clean()
    report.save()
    changes = {
        name: [before[name], getattr(report, name)]
        for name in before
        if before[name] != getattr(report, name)
    }
    if changes:
        audit_record(actor=actor, action="aba_report.update", obj=report, changes=changes)
    return report


@transaction.atomic
def aba_report_sign(
    *,
    actor,
    report: AbaFellowReport,
    password: str | None = None,
    totp_code: str | None = None,
    now: datetime.datetime | None = None,
) -> BoardSignature:
    """The director signs a draft, re-confirming who they are as for every signature; the
    report's content is hashed and sealed into a ``BoardSignature`` and it becomes read-only."""
    _require_writer(actor, report.program)
    report = _locked(report)
    if report.is_signed:
        raise ValidationError("This report is already signed.")
    _check_grades({name: getattr(report, name) for name in ("overall", *ATTRIBUTE_NAMES)})
    method = confirm_identity(actor, password=password, totp_code=totp_code)
    report.status = AbaFellowReport.Status.SIGNED
    report.signed_at = now or timezone.now()
    report.signed_by = actor
    report.full_clean()
    report.save()
    signature = BoardSignature(
        report=report,
        program=report.program,
        signer=actor,
        signed_at=report.signed_at,
        meaning=ABA_REPORT_MEANING,
        method=str(method),
        content_hash=content_hash(report_content(report)),
    )
    signature.seal = board_seal(signature)
    signature.full_clean()
    signature.save()
    audit_record(
        actor=actor,
        action="aba_report.sign",
        obj=report,
        changes={
            "status": [AbaFellowReport.Status.DRAFT, report.status],
            "signature": [None, signature.pk],
            "content_hash": [None, signature.content_hash],
            "seal": [None, signature.seal],
        },
    )
    return signature


def aba_signature_problems() -> list[str]:
    """Every signed report whose signature is missing or no longer matches, as sentences
    (empty: all match). Used by ``manage.py verify_aba_signatures``."""
    problems = []
    reports = AbaFellowReport.objects.select_related("fellow", "period").prefetch_related(
        "signatures"
    )
    for report in reports.order_by("pk"):
        signatures = list(report.signatures.all())
        name = f"ABA report {report.pk} ({report})"
        if report.is_signed and not signatures:
            problems.append(f"{name}: signed but has no signature")
            continue
        if not report.is_signed and signatures:
            problems.append(f"{name}: has a signature but is no longer marked signed")
        for signature in signatures:
            if signature.content_hash != content_hash(report_content(report)):
                problems.append(f"{name}: its content changed after it was signed")
            if signature.meaning != ABA_REPORT_MEANING:
                problems.append(f"{name}: the signature's meaning was edited")
            if not seal_matches(signature):
                problems.append(f"{name}: the signature's seal does not match")
            if report.is_signed and (
                signature.signer_id != report.signed_by_id
                or signature.signed_at != report.signed_at
            ):
                problems.append(f"{name}: the report's signer or time differs from its signature")
    return problems


def aba_signature_check() -> tuple[str, int, list[str]]:
    """For ``manage.py verify_signatures``: the ABA reports' signatures, checked."""
    return "ABA report signatures", BoardSignature.objects.count(), aba_signature_problems()
