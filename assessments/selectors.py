"""Scoped reads: every function returns only what ``user`` may see."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from curriculum.models import Membership, Program, Subcompetency
from curriculum.permissions import has_program_role

from .models import (
    GRADUATION_TARGET,
    Assessment,
    AssessmentTemplate,
    CCCReview,
    ConsensusLevel,
    Rating,
)
from .permissions import (
    TRAJECTORY_VIEWER_ROLES,
    can_manage_templates,
    can_view_fellow_progress,
)

Role = Membership.Role
Status = Assessment.Status
OPEN_STATUSES = (Status.DRAFT, Status.RETURNED)
RELATED = ("program", "template", "fellow__user", "assessor__user", "procedure_entry")


def _with_people(queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
    return queryset.select_related(*RELATED)


def template_list(*, user, program: Program) -> QuerySet[AssessmentTemplate]:
    """Every form of the program (active or not), for its director only."""
    if not can_manage_templates(user, program):
        return AssessmentTemplate.objects.none()
    return (
        AssessmentTemplate.objects.filter(program=program)
        .select_related("milestone_set")
        .prefetch_related(
            Prefetch("subcompetencies", queryset=Subcompetency.objects.order_by("code"))
        )
        .order_by("-is_active", "name")
    )


def requestable_template_list(*, user, program: Program) -> QuerySet[AssessmentTemplate]:
    """Active forms a fellow of the program can ask for (end-of-rotation ones are automatic)."""
    if not has_program_role(user, program, [Role.FELLOW]):
        return AssessmentTemplate.objects.none()
    return (
        AssessmentTemplate.objects.filter(program=program, is_active=True)
        .exclude(kind=AssessmentTemplate.Kind.END_OF_ROTATION)
        .order_by("name")
    )


def assessor_choice_list(*, user, program: Program) -> QuerySet[Membership]:
    """Active faculty and director of the program a fellow may ask, never the fellow themself."""
    if not has_program_role(user, program, [Role.FELLOW]):
        return Membership.objects.none()
    return (
        Membership.objects.filter(
            program=program, role__in=[Role.FACULTY, Role.DIRECTOR], is_active=True
        )
        .exclude(user=user)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def visible_assessments(*, user, program: Program) -> QuerySet[Assessment]:
    """``can_view_assessment`` in SQL: the assessor; the fellow once it is signed; the director
    and coordinator of the program. Never another fellow."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    queryset = Assessment.objects.filter(program=program)
    if not has_program_role(user, program, Membership.STAFF_ROLES):
        queryset = queryset.filter(
            Q(assessor__user=user)
            | Q(fellow__user=user, status__in=[Status.SIGNED, Status.ACKNOWLEDGED])
        )
    return _with_people(queryset)


def fillable_assessments(*, user, program: Program) -> QuerySet[Assessment]:
    """Assessments of the program whose named (and still active) assessor is ``user``."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    return _with_people(
        Assessment.objects.filter(program=program, assessor__user=user, assessor__is_active=True)
    )


def assessments_to_fill(*, user, program: Program) -> QuerySet[Assessment]:
    """The user's open (draft or returned) assessments as assessor, oldest due first."""
    return (
        fillable_assessments(user=user, program=program)
        .filter(status__in=OPEN_STATUSES)
        .order_by("due_date", "observed_on", "pk")
    )


def my_assessments(*, user, program: Program) -> dict[str, QuerySet[Assessment]]:
    """A fellow's own page: ``received`` (signed or acknowledged assessments about them, newest
    first) and ``requests`` (their open requests to others, with status)."""
    mine = Assessment.objects.filter(
        program=program, fellow__user=user, fellow__is_active=True, fellow__role=Role.FELLOW
    )
    if not user.is_authenticated or not has_program_role(user, program, [Role.FELLOW]):
        mine = Assessment.objects.none()
    return {
        "received": _with_people(
            mine.filter(status__in=[Status.SIGNED, Status.ACKNOWLEDGED])
        ).order_by("-signed_at", "-pk"),
        "requests": _with_people(mine.filter(status__in=OPEN_STATUSES)).order_by(
            "-observed_on", "-pk"
        ),
    }


def awaiting_acknowledgement_count(*, user, program: Program) -> int:
    return (
        my_assessments(user=user, program=program)["received"].filter(status=Status.SIGNED).count()
    )


def assessment_list_for_staff(
    *, user, program: Program, status: str = "", fellow_id: int | None = None
) -> QuerySet[Assessment]:
    """All assessments of the program for its director and coordinator, optionally filtered."""
    if not has_program_role(user, program, Membership.STAFF_ROLES):
        return Assessment.objects.none()
    queryset = Assessment.objects.filter(program=program)
    if status:
        queryset = queryset.filter(status=status)
    if fellow_id:
        queryset = queryset.filter(fellow_id=fellow_id)
    return _with_people(queryset).order_by("-observed_on", "-pk")


def fellow_choice_list(*, user, program: Program) -> QuerySet[Membership]:
    """The program's fellows, for the staff filter."""
    if not has_program_role(user, program, Membership.STAFF_ROLES):
        return Membership.objects.none()
    return (
        Membership.objects.filter(program=program, role=Role.FELLOW)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def assessment_detail_get(queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Add what the detail and fill pages show: ratings with their subcompetency, signatures."""
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


def recent_entry_list(*, user, program: Program):
    """The fellow's own last 20 procedure entries, to link an observation to."""
    from procedures.models import ProcedureLogEntry

    latest = ProcedureLogEntry.objects.filter(
        program=program, fellow__user=user, fellow__role=Role.FELLOW, fellow__is_active=True
    ).order_by("-performed_on", "-pk")[:20]
    # Filtered by id (not sliced) so a form field can still look a choice up.
    return (
        ProcedureLogEntry.objects.filter(pk__in=latest.values("pk"))
        .select_related("procedure_type")
        .order_by("-performed_on", "-pk")
    )


# --- Milestone trajectory (the fellow's progress page) -------------------------------------------

LOCKED = (Status.SIGNED, Status.ACKNOWLEDGED)


@dataclass(frozen=True)
class TrajectoryRating:
    """One rating of one subcompetency: a level, or "not yet assessable" (``level`` is None)."""

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
    # The latest level set by the Clinical Competency Committee: there are no CCC reviews in the
    # models yet, so it stays None and the page says so rather than inventing one.
    ccc_level: float | None = None

    @property
    def points(self) -> list[TrajectoryRating]:
        """What the chart draws: the ratings with a level ("not yet assessable" has none)."""
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
    if has_program_role(user, program, TRAJECTORY_VIEWER_ROLES):
        return fellows
    return fellows.filter(user=user, is_active=True)


def counted_assessments(*, fellow: Membership) -> QuerySet[Assessment]:
    """Signed or acknowledged assessments of the fellow, without those a signed (or
    acknowledged) amendment replaces: the amendment counts in their place. Not scoped: callers
    check ``can_view_fellow_progress`` first."""
    replaced = Assessment.objects.filter(amends=OuterRef("pk"), status__in=LOCKED)
    return Assessment.objects.filter(fellow=fellow, status__in=LOCKED).exclude(Exists(replaced))


def milestone_trajectory(*, user, fellow: Membership) -> list[SubcompetencyTrajectory]:
    """Per rated subcompetency (by code), its ratings over time from counted assessments.

    One query for the access check (none for the fellow themself) and one for the ratings,
    however many assessments there are.
    """
    if not can_view_fellow_progress(user, fellow):
        return []
    ratings = (
        Rating.objects.filter(assessment__in=counted_assessments(fellow=fellow))
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
    return list(rows.values())


def narratives_received(*, user, fellow: Membership) -> QuerySet[Assessment]:
    """Counted assessments of the fellow with a narrative, newest first, with assessor and form."""
    if not can_view_fellow_progress(user, fellow):
        return Assessment.objects.none()
    return (
        counted_assessments(fellow=fellow)
        .exclude(narrative="")
        .select_related("assessor__user", "template")
        .order_by("-observed_on", "-signed_at", "-pk")
    )


# --- CCC levels -----------------------------------------------------------------------------------


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
