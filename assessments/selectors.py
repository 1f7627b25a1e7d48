"""Scoped reads: every function returns only what ``user`` may see."""

import datetime
from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet

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
    # The latest level set by the Clinical Competency Committee in a finalised review (None when
    # there is none, or when the committee found it not yet assessable: see ``ccc_not_assessable``).
    ccc_level: float | None = None
    ccc_review_id: int | None = None
    ccc_not_assessable: bool = False

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


# --- What counts as a faculty rating -------------------------------------------------------------
# The one definition, used by every page that shows ratings to staff (trajectory, dashboard
# heatmap and its export, CCC packet, fellow home). Self-assessments and multi-source answers are
# never faculty ratings: they appear only where they are shown and labelled as such.

# Kinds whose ratings are faculty ratings. An allow-list, so a kind added later counts only once
# someone decides it should.
FACULTY_RATING_KINDS = (
    AssessmentTemplate.Kind.END_OF_ROTATION,
    AssessmentTemplate.Kind.DIRECT_OBSERVATION,
)


def _recorded_q(prefix: str = "") -> Q:
    """Signed or acknowledged, and not replaced by a signed (or acknowledged) amendment: the
    amendment stands in its place. ``prefix`` is the path to the assessment ("assessment__" from
    a rating). The replaced originals are a small set: PostgreSQL hashes the ``NOT IN`` list once,
    where a correlated ``NOT EXISTS`` would probe once per row."""
    replaced = Assessment.objects.filter(amends__isnull=False, status__in=LOCKED).values(
        "amends_id"
    )
    return Q(**{f"{prefix}status__in": LOCKED}) & ~Q(**{f"{prefix}pk__in": replaced})


def _faculty_q(prefix: str = "") -> Q:
    """A faculty-kind form whose assessor is someone other than the fellow (compared by user: one
    person may hold a fellow and a faculty membership in the same program)."""
    return Q(**{f"{prefix}template__kind__in": FACULTY_RATING_KINDS}) & ~Q(
        **{f"{prefix}assessor__user_id": F(f"{prefix}fellow__user_id")}
    )


def recorded_assessments(*, fellow: Membership) -> QuerySet[Assessment]:
    """Every signed assessment of the fellow that stands (any kind, self-assessments included),
    for pages that list them apart by kind. Not scoped: callers check access first."""
    return Assessment.objects.filter(_recorded_q(), fellow=fellow)


def counted_assessments(*, fellow: Membership) -> QuerySet[Assessment]:
    """The fellow's assessments whose ratings count as faculty ratings: recorded (signed, not
    replaced by an amendment) and by a faculty-kind form someone else filled. Not scoped:
    callers check ``can_view_fellow_progress`` first."""
    return Assessment.objects.filter(_recorded_q() & _faculty_q(), fellow=fellow)


def counted_ratings(*, fellow_ids) -> QuerySet[Rating]:
    """Ratings of these fellows from counted assessments (``counted_assessments``), in one
    query however many fellows. Not scoped: callers pass fellows they may already see."""
    prefix = "assessment__"
    return Rating.objects.filter(
        _recorded_q(prefix) & _faculty_q(prefix), assessment__fellow_id__in=list(fellow_ids)
    )


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


# --- CCC reviews and the final summative evaluation -----------------------------------------------
# Role rules for the committee's pages. (They sit here, beside the reads they scope, because
# ``permissions.py`` is shared with the assessment pages; views and services both call them.)

CCC_VIEWER_ROLES = (Role.DIRECTOR, Role.COORDINATOR, Role.FACULTY)
CCC_MANAGER_ROLES = Membership.STAFF_ROLES  # create periods, assemble packets, export
CCC_COMMITTEE_ROLES = (Role.DIRECTOR, Role.FACULTY)  # record consensus levels
NOT_YET_ASSESSABLE_LABEL = "Not Yet Assessable"


def can_view_ccc(user, program: Program) -> bool:
    """The director, coordinator and faculty (the committee) see every packet of the program."""
    return has_program_role(user, program, CCC_VIEWER_ROLES)


def can_manage_ccc(user, program: Program) -> bool:
    """The director and coordinator set up review periods, assemble packets and export."""
    return has_program_role(user, program, CCC_MANAGER_ROLES)


def can_record_levels(user, program: Program) -> bool:
    """Committee members (the director and the program's faculty) record consensus levels."""
    return has_program_role(user, program, CCC_COMMITTEE_ROLES)


def can_finalise_ccc(user, program: Program) -> bool:
    """Only the program director finalises (signs) a review."""
    return has_program_role(user, program, [Role.DIRECTOR])


def can_write_summative(user, program: Program) -> bool:
    """Only the program director writes and signs the final summative evaluation."""
    return has_program_role(user, program, [Role.DIRECTOR])


def review_period_list(*, user, program: Program) -> QuerySet:
    """The program's review periods, newest first, for the director, coordinator and faculty."""
    from .models import ReviewPeriod

    if not can_view_ccc(user, program):
        return ReviewPeriod.objects.none()
    return (
        ReviewPeriod.objects.filter(program=program)
        .select_related("academic_year")
        .annotate(
            review_count=Count("reviews", distinct=True),
            finalised_count=Count(
                "reviews", filter=Q(reviews__status=CCCReview.Status.FINALISED), distinct=True
            ),
        )
        .order_by("-ends_on", "kind")
    )


def ccc_review_list(*, user, program: Program) -> QuerySet[CCCReview]:
    """Reviews ``user`` may open: all of the program's for the committee and coordinator; a
    fellow only their own, and only once finalised (a draft is the committee's working copy)."""
    if not user.is_authenticated:
        return CCCReview.objects.none()
    reviews = CCCReview.objects.filter(period__program=program).select_related(
        "period__academic_year", "period__program", "fellow__user"
    )
    if can_view_ccc(user, program):
        return reviews
    if has_program_role(user, program, [Role.FELLOW]):
        return reviews.filter(
            fellow__user=user, fellow__role=Role.FELLOW, status=CCCReview.Status.FINALISED
        )
    return CCCReview.objects.none()


def period_review_rows(*, user, period) -> QuerySet[CCCReview]:
    """The period's reviews with how many levels each has, in fellow order (one query)."""
    return (
        ccc_review_list(user=user, program=period.program)
        .filter(period=period)
        .annotate(level_count=Count("levels"))
        .order_by("fellow__user__full_name", "fellow__user__email", "pk")
    )


def period_milestone_set(period):
    """The program's milestone set in force at the end of the period (the newest one whose
    effective date is not after it; the oldest set if every one starts later)."""
    from curriculum.models import MilestoneSet

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


def _level_text(level, not_assessable: bool) -> str:
    return NOT_YET_ASSESSABLE_LABEL if not_assessable else f"{level:.1f}"


def ccc_packet_build(*, user, review: CCCReview, subcompetencies: list[Subcompetency]) -> dict:
    """The packet's figures, as plain JSON (stored as the snapshot when the review is finalised).

    Ratings per subcompetency (every level, their mean and count) from every counted assessment
    (faculty ratings: ``counted_assessments``) observed in the period, procedure counts against
    the program's targets (all logged so far, as ``procedures.selectors.progress`` counts them),
    the narratives, and apart from the ratings the fellow's self-assessments and the multi-source
    answers (from evaluators without an account, and multi-source forms filled in the app). A
    fixed number of queries however many assessments and entries there are. Not scoped: callers
    check that ``user`` may see the review.
    """
    from procedures.selectors.progress import fellow_target_progress

    period = review.period
    assessments = list(
        recorded_assessments(fellow=review.fellow)
        .filter(observed_on__gte=period.starts_on, observed_on__lte=period.ends_on)
        # Which ones are faculty ratings, decided by the same rule as everywhere else.
        .annotate(is_faculty=ExpressionWrapper(_faculty_q(), output_field=BooleanField()))
        .select_related("template", "assessor__user")
        .prefetch_related(
            Prefetch("ratings", queryset=Rating.objects.select_related("subcompetency"))
        )
        .order_by("observed_on", "pk")
    )
    by_sub: dict[int, list] = {sub.pk: [] for sub in subcompetencies}
    narratives, self_assessments, other_forms = [], [], []
    for assessment in assessments:
        entry = {
            "assessment": assessment.pk,
            "observed_on": assessment.observed_on.isoformat(),
            "form": assessment.template.name,
            "kind": assessment.template.get_kind_display(),
            "assessor": assessment.assessor.user.display_name,
            "narrative": assessment.narrative,
        }
        if assessment.is_faculty:
            for rating in assessment.ratings.all():
                if rating.subcompetency_id in by_sub:
                    by_sub[rating.subcompetency_id].append(rating)
            if assessment.narrative.strip():
                narratives.append(entry)
            continue
        ratings = sorted(
            [r.subcompetency.code, _level_text(r.level, r.not_assessable)]
            for r in assessment.ratings.all()
        )
        is_self = (
            assessment.template.kind == AssessmentTemplate.Kind.SELF
            or assessment.assessor.user_id == review.fellow.user_id
        )
        if is_self:
            self_assessments.append({**entry, "ratings": ratings})
        else:  # a multi-source form answered by someone with an account: listed with the others
            other_forms.append(
                {
                    "submitted_on": entry["observed_on"],
                    "role": f"{entry['assessor']} ({entry['form']})",
                    "narrative": assessment.narrative,
                    "ratings": ratings,
                    "assessment": assessment.pk,
                }
            )
    rows = []
    for sub in subcompetencies:
        ratings = by_sub[sub.pk]
        levels = [r.level for r in ratings if not r.not_assessable]
        mean = sum(levels) / len(levels) if levels else None
        rows.append(
            {
                "id": sub.pk,
                "code": sub.code,
                "title": sub.title,
                "count": len(levels),
                "not_assessable": len(ratings) - len(levels),
                "mean": None if mean is None else f"{mean:.2f}",
                "levels": [f"{level:.1f}" for level in levels],
            }
        )
    procedures = [
        {
            "label": cell.label,
            "minimum": cell.minimum,
            "verified": cell.verified,
            "pending": cell.pending,
            "met": cell.met,
        }
        for cell in fellow_target_progress(user=user, fellow=review.fellow)
    ]
    narratives.reverse()  # newest first, like the milestones page
    other = _packet_other_evidence(user=user, review=review)
    if other_forms:  # newest first, like the external ones (a stable sort keeps their order)
        other["multi_source"] = sorted(
            other["multi_source"] + other_forms[::-1],
            key=lambda item: item["submitted_on"],
            reverse=True,
        )
    return {
        "version": 2,
        "assessment_count": sum(1 for a in assessments if a.is_faculty),
        "subcompetencies": rows,
        "procedures": procedures,
        "narratives": narratives,
        "self_assessments": self_assessments,
        **other,
    }


def _packet_other_evidence(*, user, review: CCCReview) -> dict:
    """What the rest of the curriculum says about the fellow: multi-source evaluations from
    evaluators without an account (in the period), learning objectives per rotation, and
    conference attendance against the program's requirement. A fixed number of queries."""
    from didactics.selectors import attendance_summary, objective_progress
    from evaluators.selectors import external_evaluations

    period, fellow = review.period, review.fellow
    multi_source = [
        {
            "submitted_on": evaluation.submitted_on.isoformat(),
            "role": evaluation.get_evaluator_role_display(),
            "narrative": evaluation.narrative,
            "ratings": [
                [rating.subcompetency.code, _level_text(rating.level, rating.not_assessable)]
                for rating in evaluation.ratings.all()
            ],
        }
        for evaluation in external_evaluations(
            user=user, fellow=fellow, start=period.starts_on, end=period.ends_on
        )
    ]
    objectives = [
        {
            "rotation": row.rotation.name,
            "total": row.total,
            "met": row.met,
            "confirmed": row.confirmed,
        }
        for row in objective_progress(fellow=fellow)
    ]
    attendance = [
        {
            "series": row.series.name,
            "present": row.present,
            "counted": row.counted,
            "percent": row.percent,
            "required_percent": row.required_percent,
            "shortfall": row.shortfall,
        }
        for row in attendance_summary(fellow=fellow)
    ]
    return {"multi_source": multi_source, "objectives": objectives, "attendance": attendance}


def ccc_export_rows(*, user, period, subcompetencies: list[Subcompetency]):
    """``(header, rows, draft_count)`` of the period's finalised levels for the ACGME's milestone
    entry: one row per fellow, one column per subcompetency code in the set's order. Three
    queries however many fellows."""
    from trainees.models import Enrolment

    header = ["Last name", "First name", "Email", "Program year"] + [
        sub.code for sub in subcompetencies
    ]
    reviews = ccc_review_list(user=user, program=period.program).filter(period=period)
    draft_count = reviews.filter(status=CCCReview.Status.DRAFT).count()
    finalised = list(
        reviews.filter(status=CCCReview.Status.FINALISED)
        .prefetch_related(
            "levels",
            Prefetch(
                "fellow__enrolments",
                queryset=Enrolment.objects.filter(start_date__lte=period.ends_on).order_by(
                    "-start_date"
                ),
                to_attr="enrolments_to_period",
            ),
        )
        .order_by("fellow__user__full_name", "fellow__user__email", "pk")
    )
    rows = []
    for review in finalised:
        user_row = review.fellow.user
        last, first = split_name(user_row.full_name)
        levels = {level.subcompetency_id: level for level in review.levels.all()}
        enrolments = review.fellow.enrolments_to_period
        year = ""
        if enrolments:
            days = (period.starts_on - enrolments[0].start_date).days
            year = max(days // 365, 0) + 1
        cells = []
        for sub in subcompetencies:
            level = levels.get(sub.pk)
            cells.append("" if level is None else _level_text(level.level, level.not_assessable))
        rows.append([last, first, user_row.email, year, *cells])
    return header, rows, draft_count


HONORIFICS = {"dr", "dr.", "prof", "prof.", "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "mx", "mx."}


def split_name(full_name: str) -> tuple[str, str]:
    """``(last name, first name)`` from a full name: titles such as "Dr." dropped, the last word
    is the last name. A best effort: the roster keeps one full-name field."""
    words = [w for w in full_name.split() if w.lower() not in HONORIFICS]
    if not words:
        return "", ""
    return words[-1], " ".join(words[:-1])


def summative_fellow_get(*, user, program: Program, membership_id: int):
    """``(fellow membership, evaluation or None)`` for the summative page, or ``None`` when
    ``user`` may not open it: the director and coordinator for any fellow of the program; the
    fellow for themself, and only once the evaluation is signed."""
    from .models import SummativeEvaluation

    if not user.is_authenticated:
        return None
    fellow = (
        Membership.objects.filter(program=program, role=Role.FELLOW, pk=membership_id)
        .select_related("user")
        .first()
    )
    if fellow is None:
        return None
    evaluation = (
        SummativeEvaluation.objects.filter(fellow=fellow)
        .select_related("author")
        .prefetch_related("signatures__signer")
        .first()
    )
    if has_program_role(user, program, Membership.STAFF_ROLES):
        return fellow, evaluation
    is_self = fellow.user_id == user.pk and fellow.is_active
    if is_self and evaluation is not None and evaluation.is_signed:
        return fellow, evaluation
    return None


def signed_summative_for(*, user, program: Program):
    """The user's own signed summative evaluation in the program, if there is one."""
    from .models import SummativeEvaluation

    if not user.is_authenticated:
        return None
    return (
        SummativeEvaluation.objects.filter(
            program=program,
            fellow__user=user,
            fellow__role=Role.FELLOW,
            fellow__is_active=True,
            status=SummativeEvaluation.Status.SIGNED,
        )
        .only("pk", "fellow_id", "program_id", "status")
        .first()
    )
