"""A fellow's milestone trajectory (the progress page) and the narratives they received."""

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet

from curriculum.models import Membership, Program, Subcompetency
from curriculum.permissions import has_program_role

from ..models import GRADUATION_TARGET, Assessment
from ..permissions import can_view_fellow_progress
from .unscoped import counted_ratings, latest_ccc_levels, recorded_assessments

Role = Membership.Role


@dataclass(frozen=True)
class TrajectoryRating:
    """One rating of one subcompetency: a level, "not yet completed level 1" (``level`` 0.0,
    drawn below 1 and counted as a point: it is evidence), or "not yet assessable" (``level`` is
    None)."""

    observed_on: datetime.date
    level: float | None
    assessment_id: int
    template_kind: str


@dataclass
class SubcompetencyTrajectory:
    """Every counted rating of one subcompetency, oldest first, and where the fellow stands."""

    subcompetency_id: int
    code: str
    title: str
    ratings: list[TrajectoryRating] = field(default_factory=list)
    # The latest level set by the Clinical Competency Committee in a finalised review (None when
    # there is none, or when the committee found it not yet assessable: see ``ccc_not_assessable``).
    ccc_level: float | None = None
    ccc_review_id: int | None = None
    ccc_not_assessable: bool = False

    @property
    def points(self) -> list[TrajectoryRating]:
        """What the chart draws: the ratings with a level, "not yet completed level 1" (0.0)
        among them ("not yet assessable" has none)."""
        return [rating for rating in self.ratings if rating.level is not None]

    @property
    def latest(self) -> TrajectoryRating | None:
        """The most recent rating with a level."""
        points = self.points
        return points[-1] if points else None

    @property
    def target_met(self) -> bool:
        latest = self.latest
        return latest is not None and latest.level >= float(GRADUATION_TARGET)


def milestone_fellow_list(*, user, program: Program) -> QuerySet[Membership]:
    """The fellows whose milestone progress ``user`` may open: every fellow of the program for
    its director, coordinator and faculty; only their own membership for a fellow."""
    fellows = Membership.objects.filter(program=program, role=Role.FELLOW).select_related(
        "user", "program"
    )
    if not user.is_authenticated:
        return Membership.objects.none()
    if has_program_role(user, program, Membership.OVERSIGHT_ROLES):
        return fellows
    return fellows.filter(user=user, is_active=True)


def milestone_trajectory(*, user, fellow: Membership) -> list[SubcompetencyTrajectory]:
    """Per rated subcompetency (by code), its ratings over time from counted assessments.

    One query for the access check (none for the fellow themself) and one for the ratings,
    however many assessments there are.
    """
    if not can_view_fellow_progress(user, fellow):
        return []
    ratings = (
        counted_ratings(fellow_ids=[fellow.pk])
        .select_related("subcompetency", "assessment__template")
        .order_by(
            "subcompetency__code",
            "subcompetency_id",
            "assessment__observed_on",
            "assessment__signed_at",
            "assessment_id",
        )
    )
    rows: dict[int, SubcompetencyTrajectory] = {}
    for rating in ratings:
        sub = rating.subcompetency
        row = rows.get(sub.pk)
        if row is None:
            row = rows[sub.pk] = SubcompetencyTrajectory(
                subcompetency_id=sub.pk, code=sub.code, title=sub.title
            )
        row.ratings.append(
            TrajectoryRating(
                observed_on=rating.assessment.observed_on,
                level=None if rating.not_assessable else float(rating.level),
                assessment_id=rating.assessment_id,
                template_kind=rating.assessment.template.kind,
            )
        )
    ccc = latest_ccc_levels(fellow_ids=[fellow.pk]).get(fellow.pk, {})
    missing = [sub_id for sub_id in ccc if sub_id not in rows]
    if missing:  # levels the committee set for a subcompetency nobody has rated
        for sub in Subcompetency.objects.filter(pk__in=missing):
            rows[sub.pk] = SubcompetencyTrajectory(
                subcompetency_id=sub.pk, code=sub.code, title=sub.title
            )
    for sub_id, level in ccc.items():
        row = rows[sub_id]
        row.ccc_level = level.level
        row.ccc_review_id = level.review_id
        row.ccc_not_assessable = level.level is None
    return sorted(rows.values(), key=lambda row: (row.code, row.subcompetency_id))


def narratives_received(*, user, fellow: Membership) -> QuerySet[Assessment]:
    """Recorded assessments of the fellow with a narrative (each shown with its form and author, so
    a self-assessment reads as one), newest first, with assessor and form."""
    if not can_view_fellow_progress(user, fellow):
        return Assessment.objects.none()
    return (
        recorded_assessments(fellow=fellow)
        .exclude(narrative="")
        .select_related("assessor__user", "template")
        .order_by("-observed_on", "-signed_at", "-pk")
    )
