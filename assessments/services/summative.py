"""The director's summative evaluations of a fellow: written as a draft, then signed (identity
re-confirmed) and from then on read-only and shared with the fellow; a correction is a new,
linked and signed amendment.

ACGME Common Program Requirements, section V.A.1.d: a summative evaluation of each fellow every
year (``annual``, for tracks longer than one year); section V.A.2: a final evaluation at
completion, verifying the fellow is ready to enter autonomous practice (``final``). The section
numbers were not re-checked against a current copy of the document. Both carry a snapshot of the
evidence (CCC levels, procedure totals against targets, leave, training dates) and wait for the
year-end CCC review, unless the director gives a reason to sign earlier.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from curriculum.models import Membership
from procedures.selectors.progress import fellow_target_progress
from trainees.models import AcademicYear, Enrolment

from ..models import CCCReview, ReviewPeriod, Signature, SummativeEvaluation
from ..permissions import can_write_summative
from ..seals import confirm_identity, sealed_level
from .signatures.store import signature_add

NARRATIVE_MAX_LENGTH = 20000
REASON_MAX_LENGTH = 2000
Kind = SummativeEvaluation.Kind


def _check_fellow(actor, fellow: Membership) -> None:
    if fellow.role != Membership.Role.FELLOW:
        raise ValidationError("A summative evaluation is about a fellow.")
    if not can_write_summative(actor, fellow.program):
        raise PermissionDenied("Only the program director writes the summative evaluations.")


def _locked():
    return SummativeEvaluation.objects.select_for_update(of=("self",)).select_related(
        "fellow__user", "fellow__program", "program", "academic_year"
    )


def _lock_final(fellow: Membership) -> SummativeEvaluation | None:
    """The fellow's (original) final evaluation, locked."""
    return _locked().filter(fellow=fellow, kind=Kind.FINAL, amends__isnull=True).first()


def _latest_enrolment(fellow: Membership) -> Enrolment | None:
    return (
        Enrolment.objects.filter(membership=fellow)
        .select_related("cohort__academic_year")
        .order_by("-start_date", "-pk")
        .first()
    )


# --- What the evaluation waits for and carries ---------------------------------------------------


def summative_year(evaluation: SummativeEvaluation) -> AcademicYear | None:
    """The academic year whose year-end CCC review the evaluation waits for: an annual's own
    year; for a final, the fellow's last year (the one their expected end date falls in)."""
    if evaluation.kind == Kind.ANNUAL:
        return evaluation.academic_year
    years = AcademicYear.objects.filter(program_id=evaluation.program_id)
    enrolment = _latest_enrolment(evaluation.fellow)
    if enrolment is not None:
        years = years.filter(start_date__lt=enrolment.expected_end_date)
    else:
        years = years.filter(start_date__lte=timezone.localdate())
    return years.order_by("-start_date").first()


def year_end_review_finalised(evaluation: SummativeEvaluation) -> bool:
    year = summative_year(evaluation)
    if year is None:
        return False
    return CCCReview.objects.filter(
        fellow_id=evaluation.fellow_id,
        period__academic_year=year,
        period__kind=ReviewPeriod.Kind.YEAR_END,
        status=CCCReview.Status.FINALISED,
    ).exists()


def year_end_refusal(evaluation: SummativeEvaluation) -> str:
    """Why the evaluation cannot be signed yet, or "" when the year-end review is finalised."""
    if year_end_review_finalised(evaluation):
        return ""
    year = summative_year(evaluation)
    which = f"the {year.label} year-end CCC review" if year else "a year-end CCC review"
    return (
        f"This evaluation cannot be signed before {which} of this fellow is finalised. "
        "Finalise the review first, or give a reason for signing now."
    )


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def summative_snapshot(*, actor, evaluation: SummativeEvaluation) -> dict:
    """The evidence the evaluation carries, as it stands now (stored when signing, shown live
    while a draft): the latest finalised CCC levels (of the annual's year), the procedure totals
    against the program's targets, the leave taken and the training dates."""
    fellow = evaluation.fellow
    reviews = CCCReview.objects.filter(fellow=fellow, status=CCCReview.Status.FINALISED)
    if evaluation.kind == Kind.ANNUAL:
        reviews = reviews.filter(period__academic_year_id=evaluation.academic_year_id)
    review = (
        reviews.select_related("period__academic_year")
        .prefetch_related("levels__subcompetency")
        .order_by("-period__ends_on", "-finalised_at")
        .first()
    )
    ccc = None
    if review is not None:
        levels = sorted(review.levels.all(), key=lambda level: level.subcompetency.order)
        ccc = {
            "review": review.pk,
            "period": str(review.period),
            "ends_on": _iso(review.period.ends_on),
            "finalised_at": _iso(review.finalised_at),
            "levels": [
                {
                    "code": level.subcompetency.code,
                    "title": level.subcompetency.title,
                    "level": sealed_level(level),
                }
                for level in levels
            ],
        }
    procedures = [
        {
            "label": cell.label,
            "minimum": cell.minimum,
            "verified": cell.verified,
            "pending": cell.pending,
            "met": cell.met,
        }
        for cell in fellow_target_progress(user=actor, fellow=fellow)
    ]
    enrolment = _latest_enrolment(fellow)
    leave = training = None
    if enrolment is not None:
        leave = {
            "days": enrolment.leave_days,
            "undated_days": enrolment.undated_leave_days,
            "extension_days": enrolment.leave_extension_days,
            "periods": [
                {
                    "kind": period.get_kind_display(),
                    "start": _iso(period.start),
                    "end": _iso(period.end),
                    "days": period.days,
                }
                for period in enrolment.leave_periods.order_by("start")
            ],
        }
        training = {
            "start": _iso(enrolment.start_date),
            "planned_end": _iso(enrolment.end_date),
            "expected_end": _iso(enrolment.expected_end_date),
            "track_months": enrolment.track_months,
        }
    return {"ccc": ccc, "procedures": procedures, "leave": leave, "training": training}


# --- Writing -------------------------------------------------------------------------------------


def annual_years(fellow: Membership) -> list[AcademicYear]:
    """The academic years a fellow in a track longer than one year gets an annual evaluation
    for: every year of the program overlapping their training. Empty for a one-year track."""
    enrolment = _latest_enrolment(fellow)
    if enrolment is None or enrolment.track_months <= Enrolment.Track.STANDARD:
        return []
    return list(
        AcademicYear.objects.filter(
            program_id=fellow.program_id,
            start_date__lt=enrolment.expected_end_date,
            end_date__gt=enrolment.start_date,
        ).order_by("start_date")
    )


@transaction.atomic
def summative_annual_start(
    *, actor, fellow: Membership, academic_year: AcademicYear
) -> SummativeEvaluation:
    """The director starts the annual evaluation of ``academic_year`` (returned if it exists)."""
    _check_fellow(actor, fellow)
    Membership.objects.select_for_update().get(pk=fellow.pk)
    if academic_year.pk not in {year.pk for year in annual_years(fellow)}:
        raise ValidationError(
            "Annual summative evaluations are for fellows in a track longer than one year, "
            "for an academic year of their training."
        )
    existing = (
        _locked()
        .filter(fellow=fellow, kind=Kind.ANNUAL, academic_year=academic_year, amends__isnull=True)
        .first()
    )
    if existing is not None:
        return existing
    evaluation = SummativeEvaluation(
        program_id=fellow.program_id,
        fellow=fellow,
        kind=Kind.ANNUAL,
        academic_year=academic_year,
        author=actor,
    )
    evaluation.full_clean(exclude=["practices_independently"])
    evaluation.save()
    audit_record(
        actor=actor,
        action="summative_evaluation.start",
        obj=evaluation,
        changes={"kind": [None, evaluation.kind], "academic_year": [None, academic_year.pk]},
    )
    return evaluation


@transaction.atomic
def summative_save_draft(
    *,
    actor,
    fellow: Membership,
    narrative: str,
    practices_independently: bool | None,
    evaluation: SummativeEvaluation | None = None,
) -> SummativeEvaluation:
    """Update the draft ``evaluation``, or create or update the fellow's final evaluation when
    none is given. Refused once signed."""
    _check_fellow(actor, fellow)
    if len(narrative) > NARRATIVE_MAX_LENGTH:
        raise ValidationError(
            {"narrative": f"Keep the narrative to {NARRATIVE_MAX_LENGTH} characters or fewer."}
        )
    # Lock the fellow's row first so two first saves cannot both create an evaluation.
    Membership.objects.select_for_update().get(pk=fellow.pk)
    if evaluation is not None:
        evaluation = _locked().filter(pk=evaluation.pk, fellow=fellow).first()
        if evaluation is None:
            raise ValidationError("This evaluation is about another fellow.")
    else:
        evaluation = _lock_final(fellow) or SummativeEvaluation(
            program_id=fellow.program_id, fellow=fellow, author=actor, kind=Kind.FINAL
        )
    if evaluation.is_signed:
        raise ValidationError("This evaluation is signed and can no longer be edited.")
    created = evaluation.pk is None
    before = {
        "narrative": evaluation.narrative,
        "practices_independently": evaluation.practices_independently,
    }
    evaluation.author = actor
    evaluation.narrative = narrative.strip()
    # Readiness for autonomous practice is the final evaluation's question only.
    evaluation.practices_independently = practices_independently if evaluation.is_final else None
    # Undecided is allowed in a draft (the field is nullable but not ``blank``); signing needs it.
    evaluation.full_clean(exclude=["practices_independently"])
    evaluation.save()
    changes = {
        field: [None if created else old, getattr(evaluation, field)]
        for field, old in before.items()
        if created or old != getattr(evaluation, field)
    }
    if changes:
        audit_record(
            actor=actor, action="summative_evaluation.save", obj=evaluation, changes=changes
        )
    return evaluation


@transaction.atomic
def summative_sign(
    *,
    actor,
    evaluation: SummativeEvaluation,
    password: str | None = None,
    totp_code: str | None = None,
    override_reason: str = "",
) -> Signature:
    """The director signs a complete draft; it becomes read-only and the fellow can read it.

    Refused until the year-end CCC review it waits for (``summative_year``) is finalised, unless
    ``override_reason`` says why it is signed earlier: the reason is stored, signed and audited.
    The snapshot of the evidence is taken now and sealed with the rest.
    """
    evaluation = _locked().get(pk=evaluation.pk)
    _check_fellow(actor, evaluation.fellow)
    if evaluation.is_signed:
        raise ValidationError("This evaluation is already signed.")
    override_reason = (override_reason or "").strip()
    errors = {}
    if not evaluation.narrative.strip():
        errors["narrative"] = "Write the narrative before signing."
    if evaluation.is_final and evaluation.practices_independently is None:
        errors["practices_independently"] = (
            "Say whether the fellow is ready to enter autonomous practice before signing."
        )
    if len(override_reason) > REASON_MAX_LENGTH:
        errors["override_reason"] = f"Keep the reason to {REASON_MAX_LENGTH} characters or fewer."
    refusal = year_end_refusal(evaluation)
    if refusal and not override_reason:
        errors["override_reason"] = refusal
    if errors:
        raise ValidationError(errors)
    method = confirm_identity(actor, password=password, totp_code=totp_code)
    evaluation.author = actor
    evaluation.override_reason = override_reason if refusal else ""
    evaluation.snapshot = summative_snapshot(actor=actor, evaluation=evaluation)
    evaluation.content_version = SummativeEvaluation.CONTENT_VERSION
    evaluation.status = SummativeEvaluation.Status.SIGNED
    evaluation.signed_at = timezone.now()
    evaluation.full_clean(exclude=[] if evaluation.is_final else ["practices_independently"])
    evaluation.save(
        update_fields=[
            "author",
            "override_reason",
            "snapshot",
            "content_version",
            "status",
            "signed_at",
            "updated_at",
        ]
    )
    if evaluation.override_reason:
        audit_record(
            actor=actor,
            action="summative_evaluation.override",
            obj=evaluation,
            changes={"override_reason": [None, evaluation.override_reason], "refusal": refusal},
        )
    return signature_add(
        actor=actor,
        record=evaluation,
        method=method,
        status_before=SummativeEvaluation.Status.DRAFT,
    )


@transaction.atomic
def summative_amend(*, actor, evaluation: SummativeEvaluation) -> SummativeEvaluation:
    """The director starts a correction of a signed evaluation: a new draft copying its content,
    linked by ``amends``; the original stays as signed. An open amendment is returned instead
    of a second one; an evaluation already corrected by a signed one is refused."""
    original = _locked().get(pk=evaluation.pk)
    _check_fellow(actor, original.fellow)
    if not original.is_signed:
        raise ValidationError("Only a signed evaluation can be amended; edit the draft instead.")
    amendment = SummativeEvaluation.objects.filter(amends=original).first()
    if amendment is not None:
        if not amendment.is_signed:
            return amendment
        raise ValidationError(
            "This evaluation was already corrected; amend the latest version instead."
        )
    draft = SummativeEvaluation(
        program_id=original.program_id,
        fellow=original.fellow,
        kind=original.kind,
        academic_year=original.academic_year,
        amends=original,
        author=actor,
        narrative=original.narrative,
        practices_independently=original.practices_independently,
    )
    draft.full_clean(exclude=["practices_independently"])
    draft.save()
    audit_record(
        actor=actor,
        action="summative_evaluation.amend",
        obj=draft,
        changes={"amends": [None, original.pk]},
    )
    return draft
