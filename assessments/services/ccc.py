"""Clinical Competency Committee reviews: periods, packets, consensus levels and finalising.

A review period (mid-year or year-end of an academic year) gets one draft review per enrolled
fellow in one click. Committee members record a consensus level for every subcompetency of the
milestone set; the director finalises the review by signing it (identity re-confirmed as for an
assessment), which stores the packet's figures as a snapshot and a sealed ``Signature`` of
``ccc_review_content`` (``signatures.store.signature_add``). A finalised review never changes.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from audit.services import audit_record, changes_between
from core.dates import add_months
from curriculum.models import Membership
from trainees.models import AcademicYear, Enrolment

from .. import notices
from ..models import (
    LEVELS,
    CCCReview,
    CommitteeMeeting,
    CompetencyCommittee,
    ConsensusLevel,
    ReviewPeriod,
    Signature,
)
from ..permissions import can_finalise_ccc, can_manage_ccc, can_record_levels
from ..seals import confirm_identity
from ..selectors.ccc import LevelSuggestion, ccc_packet_build, packet_suggestions
from ..selectors.unscoped import milestone_set_subcompetencies, period_milestone_set
from .committee import committee_for, members_present, quorum_problem
from .signatures.store import signature_add
from .workflow import NA_FORM_VALUE, parse_rating

Kind = ReviewPeriod.Kind
NOTES_MAX_LENGTH = 5000


def review_period_default_dates(
    academic_year: AcademicYear, kind: str
) -> tuple[datetime.date, datetime.date]:
    """The first six months of the year for the mid-year review, the rest for the year-end."""
    half = min(add_months(academic_year.start_date, 6), academic_year.end_date)
    if kind == Kind.MIDYEAR:
        return academic_year.start_date, half - datetime.timedelta(days=1)
    return half, academic_year.end_date


def _enforce_manager(actor, program) -> None:
    if not can_manage_ccc(actor, program):
        raise PermissionDenied("Only the program director or coordinator can do this.")


def _check_dates(academic_year, starts_on, ends_on, meeting_date) -> None:
    errors = {}
    if ends_on < starts_on:
        errors["ends_on"] = "The period must end on or after the day it starts."
    if starts_on < academic_year.start_date or ends_on > academic_year.end_date:
        errors["starts_on"] = (
            f"The period must fall within the academic year {academic_year.label} "
            f"({academic_year.start_date:%b %d, %Y} to {academic_year.end_date:%b %d, %Y})."
        )
    if meeting_date is not None and meeting_date < starts_on:
        errors["meeting_date"] = "The committee cannot meet before the period starts."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def review_periods_create(*, actor, academic_year: AcademicYear) -> list[ReviewPeriod]:
    """The mid-year and year-end periods of an academic year, with default dates (editable
    afterwards). A period that already exists is left as it is, so running it twice is harmless.
    """
    program = academic_year.program
    _enforce_manager(actor, program)
    # Serialise concurrent clicks on the year, then create what is missing.
    AcademicYear.objects.select_for_update().get(pk=academic_year.pk)
    existing = set(
        ReviewPeriod.objects.filter(academic_year=academic_year).values_list("kind", flat=True)
    )
    created = []
    for kind in (Kind.MIDYEAR, Kind.YEAR_END):
        if kind in existing:
            continue
        starts_on, ends_on = review_period_default_dates(academic_year, kind)
        period = ReviewPeriod(
            program=program,
            academic_year=academic_year,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        period.full_clean()
        period.save()
        created.append(period)
    return created


PERIOD_FIELDS = ("starts_on", "ends_on", "meeting_date", "expected_level")
KEEP = object()  # ``review_period_update(expected_level=KEEP)``: leave it as it is


@transaction.atomic
def review_period_update(
    *,
    actor,
    period: ReviewPeriod,
    starts_on: datetime.date,
    ends_on: datetime.date,
    meeting_date: datetime.date | None,
    expected_level: Decimal | object | None = KEEP,
) -> ReviewPeriod:
    """Edit a period's dates and the level expected of a fellow on track at it (one of the half
    levels 1.0-5.0, None for the kind's default: ``ReviewPeriod.expected``; left out, it stays
    as it is). Dates are refused once a review of it is finalised: the signed content includes
    the period's dates (the expected level is not part of it, so it stays editable). Audited."""
    _enforce_manager(actor, period.program)
    period = (
        ReviewPeriod.objects.select_for_update().select_related("academic_year").get(pk=period.pk)
    )
    dates_change = (starts_on, ends_on) != (period.starts_on, period.ends_on)
    if dates_change and period.reviews.filter(status=CCCReview.Status.FINALISED).exists():
        raise ValidationError(
            "A review of this period is already finalised, so its dates can no longer change "
            "(only the meeting date and the expected level can)."
        )
    _check_dates(period.academic_year, starts_on, ends_on, meeting_date)
    if expected_level is KEEP:
        expected_level = period.expected_level
    if expected_level is not None and Decimal(expected_level) not in LEVELS:
        raise ValidationError(
            {
                "expected_level": "Choose one of the levels 1.0 to 5.0 in half levels, or leave it "
                "empty for the default."
            }
        )
    before = {name: getattr(period, name) for name in PERIOD_FIELDS}
    period.starts_on, period.ends_on, period.meeting_date = starts_on, ends_on, meeting_date
    period.expected_level = None if expected_level is None else Decimal(expected_level)
    period.full_clean()
    period.save(update_fields=[*PERIOD_FIELDS, "updated_at"])
    if changes := changes_between(before, {name: getattr(period, name) for name in PERIOD_FIELDS}):
        audit_record(actor=actor, action="review_period.update", obj=period, changes=changes)
    return period


def enrolled_fellows(period: ReviewPeriod) -> list[Membership]:
    """Fellows of the program with an active enrolment that overlaps the period's academic year
    (leave of absence extends the end), whose role in the program is still active."""
    year = period.academic_year
    enrolments = (
        Enrolment.objects.filter(
            cohort__program_id=period.program_id,
            status=Enrolment.Status.ACTIVE,
            start_date__lte=year.end_date,
            membership__role=Membership.Role.FELLOW,
            membership__is_active=True,
        )
        .select_related("membership")
        .order_by("membership_id", "start_date")
    )
    fellows = {}
    for enrolment in enrolments:
        if enrolment.expected_end_date >= year.start_date:
            fellows.setdefault(enrolment.membership_id, enrolment.membership)
    return list(fellows.values())


@transaction.atomic
def ccc_packets_assemble(*, actor, period: ReviewPeriod) -> list[CCCReview]:
    """One draft review for every fellow enrolled in the period's academic year. Idempotent:
    fellows who already have a review of the period are skipped, and two clicks at once wait
    for each other on the period's row. Returns the reviews created."""
    _enforce_manager(actor, period.program)
    period = (
        ReviewPeriod.objects.select_for_update().select_related("academic_year").get(pk=period.pk)
    )
    have = set(period.reviews.values_list("fellow_id", flat=True))
    reviews = [
        CCCReview(period=period, fellow=fellow)
        for fellow in enrolled_fellows(period)
        if fellow.pk not in have
    ]
    for review in reviews:
        review.full_clean(validate_unique=False, validate_constraints=False)
    created = CCCReview.objects.bulk_create(reviews)
    if created:
        notices.packets_waiting(period, len(created))
    return created


def _lock(review: CCCReview) -> CCCReview:
    """Re-read the review under a row lock: a double click or a second signer waits here."""
    return (
        CCCReview.objects.select_for_update(of=("self",))
        .select_related("period__program", "period__academic_year", "fellow__user", "fellow")
        .get(pk=review.pk)
    )


@transaction.atomic
def ccc_levels_record(
    *, actor, review: CCCReview, levels: dict[int, str], committee_notes: str = ""
) -> CCCReview:
    """A committee member records consensus levels (``{subcompetency id: "3.5" | "0.0" | "na" |
    ""}``, "0.0" being "not yet completed level 1")
    and the committee's notes, all or nothing. An empty value clears that level. Drafts only."""
    review = _lock(review)
    program = review.period.program
    if not can_record_levels(actor, program):
        raise PermissionDenied("Only committee members (director and faculty) record levels.")
    if review.is_finalised:
        raise ValidationError("This review is already finalised; its levels can no longer change.")
    if len(committee_notes) > NOTES_MAX_LENGTH:
        raise ValidationError(
            {"committee_notes": f"Keep the notes to {NOTES_MAX_LENGTH} characters or fewer."}
        )
    subcompetencies = milestone_set_subcompetencies(period_milestone_set(review.period))
    codes = {sub.pk: sub.code for sub in subcompetencies}  # the trail names levels by code
    allowed = set(codes)
    unknown = [sub_id for sub_id in levels if sub_id not in allowed]
    if unknown:
        raise ValidationError("A level was given for a subcompetency outside this milestone set.")
    parsed = {sub_id: parse_rating(value) for sub_id, value in levels.items()}
    existing = {level.subcompetency_id: level for level in review.levels.all()}
    changes = {}
    for sub_id, value in parsed.items():
        current = existing.get(sub_id)
        before = (
            None
            if current is None
            else (NA_FORM_VALUE if current.not_assessable else current.level)
        )
        if value is None:
            if current is not None:
                current.delete()
                changes[codes[sub_id]] = [before, None]
            continue
        na = value == NA_FORM_VALUE
        level = None if na else value
        if current is not None and current.not_assessable == na and current.level == level:
            continue
        row = current or ConsensusLevel(review=review, subcompetency_id=sub_id)
        row.level, row.not_assessable, row.recorded_by = level, na, actor
        row.full_clean(validate_unique=False)
        row.save()
        changes[codes[sub_id]] = [before, value]
    notes = committee_notes.strip()
    if notes != review.committee_notes:
        changes["committee_notes"] = [review.committee_notes, notes]
    review.committee_notes = notes
    review.full_clean()
    review.save(update_fields=["committee_notes", "updated_at"])
    if changes:
        audit_record(
            actor=actor,
            action="ccc_review.record_levels",
            obj=review,
            program=program,
            changes=changes,
        )
    return review


@transaction.atomic
def ccc_suggestions_accept(*, actor, review: CCCReview) -> dict[int, LevelSuggestion]:
    """ "Accept all suggestions": record the suggested level (``packet_suggestions``: the median
    of the period's counted ratings, to the nearest half level) of every subcompetency that has
    no consensus level yet. Recorded levels and the notes stay as they are; recomputed here from
    the current evidence, never taken from the request. Audited by ``ccc_levels_record``.
    Returns the suggestions recorded (empty: nothing to accept)."""
    review = _lock(review)
    if not can_record_levels(actor, review.period.program):
        raise PermissionDenied("Only committee members (director and faculty) record levels.")
    if review.is_finalised:
        raise ValidationError("This review is already finalised; its levels can no longer change.")
    subcompetencies = milestone_set_subcompetencies(period_milestone_set(review.period))
    packet = ccc_packet_build(user=actor, review=review, subcompetencies=subcompetencies)
    recorded = review.levels.values_list("subcompetency_id", flat=True)
    suggestions = packet_suggestions(packet, recorded=recorded)
    if suggestions:
        ccc_levels_record(
            actor=actor,
            review=review,
            levels={sub_id: suggestion.value for sub_id, suggestion in suggestions.items()},
            committee_notes=review.committee_notes,
        )
    return suggestions


def _agreeing_meeting(review: CCCReview):
    """The committee meeting of the review's period at which its levels were agreed (the latest
    one), checked for quorum; ``ValidationError`` naming what is missing otherwise."""
    committee = committee_for(review.period.program)
    if committee.pk is None:
        raise ValidationError(
            {"meeting": "Name the program's Clinical Competency Committee before finalising."}
        )
    meeting = (
        review.period.meetings.prefetch_related("present__user").order_by("-held_on", "-pk").first()
    )
    if meeting is None:
        raise ValidationError(
            {"meeting": "Record the committee meeting at which these levels were agreed first."}
        )
    if problem := quorum_problem(meeting, committee):
        raise ValidationError({"meeting": f"{problem} Finalise after a meeting with a quorum."})
    return meeting, committee


def committee_record(meeting: CommitteeMeeting, committee: CompetencyCommittee) -> dict:
    """Who took part, for the packet snapshot: the meeting, its members present, the quorum."""
    return {
        "meeting": meeting.held_on.isoformat(),
        "quorum": committee.quorum,
        "present": members_present(meeting, committee),
    }


def _missing_levels(review: CCCReview, subcompetencies) -> list[str]:
    recorded = {level.subcompetency_id for level in review.levels.all()}
    return [sub.code for sub in subcompetencies if sub.pk not in recorded]


@transaction.atomic
def ccc_review_finalise(
    *, actor, review: CCCReview, password: str | None = None, totp_code: str | None = None
) -> Signature:
    """The director signs the review: every subcompetency must have a level; identity is
    re-confirmed; the packet's figures are snapshotted; the review becomes read-only.

    A second signer (another director, a double click, a second tab) waits on the row lock and
    is then told it is already finalised; the database's one-signature-per-review constraint
    backs this up.
    """
    review = _lock(review)
    program = review.period.program
    if not can_finalise_ccc(actor, program):
        raise PermissionDenied("Only the program director can finalise a CCC review.")
    if review.is_finalised:
        raise ValidationError("This review is already finalised.")
    subcompetencies = milestone_set_subcompetencies(period_milestone_set(review.period))
    if not subcompetencies:
        raise ValidationError("The program has no milestone set to review against.")
    review = (
        CCCReview.objects.filter(pk=review.pk)
        .select_related("period__program", "period__academic_year", "fellow__user")
        .prefetch_related(
            Prefetch("levels", queryset=ConsensusLevel.objects.select_related("subcompetency"))
        )
        .get()
    )
    if missing := _missing_levels(review, subcompetencies):
        raise ValidationError(
            {
                "levels": "Record a consensus level (or not yet assessable) for every "
                f"subcompetency before finalising; missing: {', '.join(missing)}."
            }
        )
    meeting, committee = _agreeing_meeting(review)
    method = confirm_identity(actor, password=password, totp_code=totp_code)

    now = timezone.now()
    review.packet_snapshot = ccc_packet_build(
        user=actor, review=review, subcompetencies=subcompetencies
    )
    review.packet_snapshot["committee"] = committee_record(meeting, committee)
    review.status = CCCReview.Status.FINALISED
    review.finalised_at = now
    review.meeting = meeting
    review.full_clean()
    review.save(
        update_fields=["packet_snapshot", "status", "finalised_at", "meeting", "updated_at"]
    )
    return signature_add(
        actor=actor, record=review, method=method, status_before=CCCReview.Status.DRAFT
    )
