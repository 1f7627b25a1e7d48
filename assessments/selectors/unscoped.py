"""Reads that are not scoped to a user: callers check access first (or pass rows they have
already scoped), and each function says so.

Here lives the one definition of a *recorded* assessment (signed or acknowledged, and not
replaced by a signed amendment) and of a *counted* one (recorded, on a faculty-kind form filled
by someone other than the fellow), used by every page that shows ratings to staff (trajectory,
dashboard heatmap and its export, CCC packet, fellow home). Self-assessments and multi-source
answers are never faculty ratings: they appear only where they are shown and labelled as such.
"""

import datetime
from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet

from curriculum.models import Membership, MilestoneSet, Subcompetency

from ..models import Assessment, AssessmentTemplate, CCCReview, ConsensusLevel, Rating

# Kinds whose ratings are faculty ratings. An allow-list, so a kind added later counts only once
# someone decides it should.
FACULTY_RATING_KINDS = (
    AssessmentTemplate.Kind.END_OF_ROTATION,
    AssessmentTemplate.Kind.DIRECT_OBSERVATION,
)


def recorded_q(prefix: str = "") -> Q:
    """Signed or acknowledged, and not replaced by a signed (or acknowledged) amendment: the
    amendment stands in its place. ``prefix`` is the path to the assessment ("assessment__" from
    a rating). The replaced originals are a small set: PostgreSQL hashes the ``NOT IN`` list once,
    where a correlated ``NOT EXISTS`` would probe once per row."""
    locked = Assessment.LOCKED_STATUSES
    replaced = Assessment.objects.filter(amends__isnull=False, status__in=locked).values(
        "amends_id"
    )
    return Q(**{f"{prefix}status__in": locked}) & ~Q(**{f"{prefix}pk__in": replaced})


def faculty_q(prefix: str = "") -> Q:
    """A faculty-kind form whose assessor is someone other than the fellow (compared by user: one
    person may hold a fellow and a faculty membership in the same program)."""
    return Q(**{f"{prefix}template__kind__in": FACULTY_RATING_KINDS}) & ~Q(
        **{f"{prefix}assessor__user_id": F(f"{prefix}fellow__user_id")}
    )


def recorded_assessments(*, fellow: Membership) -> QuerySet[Assessment]:
    """Every signed assessment of the fellow that stands (any kind, self-assessments included),
    for pages that list them apart by kind. Not scoped: callers check access first."""
    return Assessment.objects.filter(recorded_q(), fellow=fellow)


def counted_assessments(*, fellow: Membership) -> QuerySet[Assessment]:
    """The fellow's assessments whose ratings count as faculty ratings: recorded (signed, not
    replaced by an amendment) and by a faculty-kind form someone else filled. Not scoped:
    callers check ``can_view_fellow_progress`` first."""
    return Assessment.objects.filter(recorded_q() & faculty_q(), fellow=fellow)


def counted_ratings(*, fellow_ids) -> QuerySet[Rating]:
    """Ratings of these fellows from counted assessments (``counted_assessments``), in one
    query however many fellows. Not scoped: callers pass fellows they may already see."""
    prefix = "assessment__"
    return Rating.objects.filter(
        recorded_q(prefix) & faculty_q(prefix), assessment__fellow_id__in=list(fellow_ids)
    )


def assessment_detail_get(queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Add what the detail and fill pages show (ratings with their subcompetency, signatures) to
    a queryset the caller has already scoped (``inbox.visible_assessments`` and friends)."""
    return queryset.select_related("template__milestone_set", "amends").prefetch_related(
        Prefetch(
            "ratings",
            queryset=Rating.objects.select_related("subcompetency").order_by("subcompetency__code"),
        ),
        "signatures__signer",
        Prefetch(
            "template__subcompetencies",
            queryset=Subcompetency.objects.select_related("competency").order_by(
                "competency__order", "order"
            ),
        ),
    )


# --- CCC levels and milestone sets ----------------------------------------------------------------


@dataclass(frozen=True)
class CCCLevel:
    """The committee's latest finalised level of one subcompetency for one fellow."""

    level: float | None  # None: "not yet assessable"
    period_ends_on: datetime.date
    review_id: int


def latest_ccc_levels(*, fellow_ids) -> dict[int, dict[int, CCCLevel]]:
    """``{fellow membership id: {subcompetency id: CCCLevel}}`` from finalised reviews only
    (a draft is the committee's working copy, never shown as a level). One query, however
    many fellows. Not scoped: callers pass fellows they may already see."""
    rows = (
        ConsensusLevel.objects.filter(
            review__fellow_id__in=list(fellow_ids), review__status=CCCReview.Status.FINALISED
        )
        .order_by("review__fellow_id", "subcompetency_id", "-review__period__ends_on")
        .values_list(
            "review__fellow_id", "subcompetency_id", "level", "review__period__ends_on", "review_id"
        )
    )
    levels: dict[int, dict[int, CCCLevel]] = {}
    for fellow_id, subcompetency_id, level, ends_on, review_id in rows:
        per_fellow = levels.setdefault(fellow_id, {})
        if subcompetency_id not in per_fellow:  # newest period first
            per_fellow[subcompetency_id] = CCCLevel(
                level=None if level is None else float(level),
                period_ends_on=ends_on,
                review_id=review_id,
            )
    return levels


def period_milestone_set(period):
    """The program's milestone set in force at the end of the period (the newest one whose
    effective date is not after it; the oldest set if every one starts later). Not scoped: the
    caller has loaded the period through a scoped read."""
    sets = MilestoneSet.objects.filter(program_id=period.program_id)
    return (
        sets.filter(effective_date__lte=period.ends_on).order_by("-effective_date", "-pk").first()
        or sets.order_by("effective_date", "pk").first()
    )


def milestone_set_subcompetencies(milestone_set) -> list[Subcompetency]:
    """The set's subcompetencies in the milestone set's (ACGME's) order."""
    if milestone_set is None:
        return []
    return list(
        Subcompetency.objects.filter(milestone_set=milestone_set)
        .select_related("competency")
        .order_by("competency__order", "order", "code")
    )
