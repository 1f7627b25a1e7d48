"""Batched reads behind the role homes: a fixed number of queries however many fellows, rows or
years of history there are. Nothing here loops over fellows with a query inside.

Every function either takes a ``user`` and narrows to what that user may see, or (the batched
building blocks) takes rows the caller has already scoped, and says so.
"""

import dataclasses
import datetime
import statistics
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from assessments.models import (
    GRADUATION_TARGET,
    NOT_YET_LEVEL_ONE,
    NOT_YET_LEVEL_ONE_LABEL,
    Assessment,
    ReviewPeriod,
)
from assessments.selectors.inbox import assessments_to_fill
from assessments.selectors.unscoped import counted_ratings, latest_ccc_levels, recorded_assessments
from curriculum.models import Membership, MilestoneSet, Program, Subcompetency
from curriculum.selectors import program_list
from procedures.models import ProcedureLogEntry
from procedures.selectors.log import entry_site
from procedures.selectors.progress import (
    CohortProgressRow,
    _target_list,
    target_cells,
    target_counts,
)
from trainees.models import Cohort, Deadline, Enrolment

Role = Membership.Role
Status = Assessment.Status
TARGET = float(GRADUATION_TARGET)
UPCOMING_DAYS = 30
PANEL_ROWS = 10
# rows a dashboard panel shows; its CSV export has them all
BAND_CLASSES = {
    "met": "table-success",
    "near": "table-warning",
    "below": "table-danger",
    "none": "",
}
# A heat cell's band as words and as a visible mark, so colour is never the only signal. "met"
# means at or above the expected level ("on track"); "near" within one level below it.
BAND_WORDS = {"met": "on track", "near": "near", "below": "below expected"}
BAND_MARKS = {"met": "\u2713", "near": "~", "below": "\u2193"}
NEAR_BELOW = 1.0  # "near": at most this many levels below the expected level
# "Not yet completed Level 1" (stored as level 0.0): a level, so it is banded, always "below"
# (a warning sign whatever level is expected); shown as "<1" with the words for screen readers.
BELOW_ONE = float(NOT_YET_LEVEL_ONE)
BELOW_ONE_TEXT = "<1"


# --- The cohort -----------------------------------------------------------------------------------


def dashboard_enrolments(*, user, program_id: int) -> list[Enrolment]:
    """Every enrolment of the program (withdrawn ones left out) with its cohort, academic year,
    program and fellow, for the program's director and coordinator; empty for anyone else.

    One query serves the page's program, its cohort selector and the chosen cohort's fellows:
    a program holds tens of fellows a year, so even decades of cohorts are a few hundred rows.
    """
    if not user.is_authenticated:
        return []
    return list(
        Enrolment.objects.filter(
            cohort__program_id=program_id,
            cohort__program__in=program_list(user=user, roles=Membership.STAFF_ROLES),
        )
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .select_related("cohort__academic_year", "cohort__program", "membership__user")
        .order_by(
            "-cohort__academic_year__start_date",
            "cohort__name",
            "cohort_id",
            "membership__user__full_name",
            "membership__user__email",
            "pk",
        )
    )


def cohorts_of(enrolments: list[Enrolment]) -> list[Cohort]:
    """The distinct cohorts of these enrolments, in their order (newest year first)."""
    seen: dict[int, Cohort] = {}
    for enrolment in enrolments:
        seen.setdefault(enrolment.cohort_id, enrolment.cohort)
    return list(seen.values())


def default_cohort(cohorts: list[Cohort], today: datetime.date) -> Cohort | None:
    """The first cohort whose academic year contains today, else the newest."""
    for cohort in cohorts:
        if cohort.academic_year.start_date <= today <= cohort.academic_year.end_date:
            return cohort
    return cohorts[0] if cohorts else None


# --- Milestone heatmap ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedLevel:
    """What the heatmap compares each level with: the expected level of a review period of the
    cohort's year (``ReviewPeriod.expected``), or the graduation target when it has none."""

    level: float
    period: ReviewPeriod | None = None

    @property
    def text(self) -> str:
        return f"{self.level:.1f}"

    @property
    def near_from(self) -> float:
        """The lowest level still "near" (one level below the expected one)."""
        return self.level - NEAR_BELOW

    @property
    def near_to(self) -> float:
        """The highest half level below the expected one."""
        return self.level - 0.5


GRADUATION = ExpectedLevel(level=TARGET)


def expected_period(*, academic_year_id: int, today: datetime.date) -> ReviewPeriod | None:
    """The review period of the academic year a mid-year dashboard compares with: the one under
    way today, else the one that ended most recently, else the next one. One query."""
    periods = list(
        ReviewPeriod.objects.filter(academic_year_id=academic_year_id).select_related(
            "academic_year"
        )
    )
    current = [p for p in periods if p.starts_on <= today <= p.ends_on]
    ended = sorted((p for p in periods if p.ends_on < today), key=lambda p: p.ends_on)
    upcoming = sorted((p for p in periods if p.starts_on > today), key=lambda p: p.starts_on)
    if current:
        return current[0]
    if ended:
        return ended[-1]
    return upcoming[0] if upcoming else None


def expected_level(*, academic_year_id: int | None, today: datetime.date) -> ExpectedLevel:
    """The level the heatmap expects today: that of ``expected_period`` (the program's level on
    the period, else 2.5 at mid-year and 4.0 at year end), or the graduation target when the
    year has no review period. One query (none without a year)."""
    period = (
        None
        if academic_year_id is None
        else expected_period(academic_year_id=academic_year_id, today=today)
    )
    if period is None:
        return GRADUATION
    return ExpectedLevel(level=float(period.expected), period=period)


@dataclass(frozen=True)
class HeatCell:
    level: float | None  # None with ``source`` set: "not yet assessable"; 0.0: below level 1
    source: str  # "ccc", "rating" or "" (nothing yet)
    on: datetime.date | None = None
    expected: float = TARGET  # the level it is compared with (``ExpectedLevel``)

    @property
    def has_level(self) -> bool:
        return self.level is not None

    @property
    def below_one(self) -> bool:
        """ "Not yet completed Level 1": assessed, and below level 1."""
        return self.level == BELOW_ONE

    @cached_property
    def text(self) -> str:
        """The level as the page shows it ("3.5", "<1"), or "" when there is none."""
        if self.level is None:
            return ""
        return BELOW_ONE_TEXT if self.below_one else f"{self.level:.1f}"

    @cached_property
    def words(self) -> str:
        """The level as a fellow's page or an export writes it: "3.5", "Not yet completed
        Level 1", "Not yet assessable" (a source without a level), or "" (nothing yet)."""
        if self.level is None:
            return "Not yet assessable" if self.source else ""
        return NOT_YET_LEVEL_ONE_LABEL if self.below_one else f"{self.level:.1f}"

    @cached_property
    def css_class(self) -> str:
        return BAND_CLASSES[self.band]

    @cached_property
    def html(self) -> str:
        """The cell's content: the number (bold for a CCC level), a mark for its band and
        screen-reader words for its source and band, so neither colour nor weight is the only
        signal. Built here rather than in the template: a cohort heatmap has hundreds of cells."""
        if self.level is not None:
            hidden = (
                format_html('<span class="visually-hidden"> {}</span>', NOT_YET_LEVEL_ONE_LABEL)
                if self.below_one
                else ""
            )
            mark = format_html(
                '\u00a0<span aria-hidden="true">{}</span><span class="visually-hidden">, {}</span>',
                BAND_MARKS[self.band],
                BAND_WORDS[self.band],
            )
            if self.source == "ccc":
                return format_html(
                    '<strong>{}</strong>{}<span class="visually-hidden"> CCC</span>{}',
                    self.text,
                    hidden,
                    mark,
                )
            return format_html(
                '{}{}<span class="visually-hidden"> rating</span>{}', self.text, hidden, mark
            )
        if self.source:
            return mark_safe('NA<span class="visually-hidden"> not yet assessable</span>')
        return mark_safe('\u2013<span class="visually-hidden"> no level yet</span>')

    @cached_property
    def band(self) -> str:
        """Against the expected level: met ("on track", at or above it), near (less than it
        but within one level below), below; "none" without a level. "Not yet completed Level 1"
        is always below, even when level 1 is expected."""
        if self.level is None:
            return "none"
        if self.below_one:
            return "below"
        if self.level >= self.expected:
            return "met"
        if self.level >= self.expected - NEAR_BELOW:
            return "near"
        return "below"


@dataclass
class HeatRow:
    fellow: Membership
    cells: list[HeatCell] = field(default_factory=list)

    @property
    def met_count(self) -> int:
        return sum(cell.band == "met" for cell in self.cells)


def current_subcompetencies(*, program: Program) -> list[Subcompetency]:
    """The subcompetencies of the program's newest milestone set, in milestone order: one query."""
    newest = (
        MilestoneSet.objects.filter(program=program, subcompetencies__isnull=False)
        .order_by("-effective_date", "-pk")
        .values("pk")[:1]
    )
    return list(
        Subcompetency.objects.filter(milestone_set=Subquery(newest))
        .select_related("competency")
        .order_by("competency__order", "order", "code")
    )


def latest_ratings(*, fellow_ids) -> dict[int, dict[int, HeatCell]]:
    """``{fellow id: {subcompetency id: HeatCell}}``: each fellow's most recent rated level of
    each subcompetency from counted faculty ratings (``counted_ratings``, assessments' one rule:
    never a self-assessment or a multi-source answer), in one query however many fellows (a
    window function picks the latest row). Not scoped: callers pass fellows they may already see."""
    rows = (
        counted_ratings(fellow_ids=fellow_ids)
        .filter(not_assessable=False)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("assessment__fellow_id"), F("subcompetency_id")],
                order_by=[
                    F("assessment__observed_on").desc(),
                    F("assessment__signed_at").desc(),
                    F("assessment_id").desc(),
                ],
            )
        )
        .filter(rank=1)
        .order_by()  # Rating's default ordering would add a join and a sort
        .values_list(
            "assessment__fellow_id", "subcompetency_id", "level", "assessment__observed_on"
        )
    )
    result: dict[int, dict[int, HeatCell]] = {}
    for fellow_id, subcompetency_id, level, observed_on in rows:
        result.setdefault(fellow_id, {})[subcompetency_id] = HeatCell(
            level=float(level), source="rating", on=observed_on
        )
    return result


def milestone_heatmap(
    *,
    fellows: list[Membership],
    subcompetencies: list[Subcompetency],
    expected: ExpectedLevel = GRADUATION,
) -> list[HeatRow]:
    """Fellows by subcompetencies: the latest finalised CCC level, else the latest rating, each
    banded against ``expected`` (default: the graduation target). Two queries however many
    fellows. Not scoped: callers pass fellows they may see."""
    if not fellows or not subcompetencies:
        return []
    target = expected.level
    ids = [fellow.pk for fellow in fellows]
    ccc = latest_ccc_levels(fellow_ids=ids)
    rated = latest_ratings(fellow_ids=ids)
    rows = []
    for fellow in fellows:
        committee, ratings = ccc.get(fellow.pk, {}), rated.get(fellow.pk, {})
        cells = []
        for sub in subcompetencies:
            if sub.pk in committee:
                level = committee[sub.pk]
                cell = HeatCell(level=level.level, source="ccc", on=level.period_ends_on)
            else:
                cell = ratings.get(sub.pk, HeatCell(level=None, source=""))
            if cell.expected != target:
                cell = dataclasses.replace(cell, expected=target)
            cells.append(cell)
        rows.append(HeatRow(fellow=fellow, cells=cells))
    return rows


# --- Procedure progress ---------------------------------------------------------------------------


def procedure_progress(*, program: Program, fellows: list[Membership]):
    """``(targets, rows)`` as ``procedures.selectors.progress.cohort_target_progress`` builds
    them (same targets, same counting rules), for fellows the caller has already loaded: two
    queries (targets, one grouped count). Not scoped: callers pass fellows they may see."""
    targets = _target_list(program)
    if not fellows or not targets:
        return targets, []
    entries = ProcedureLogEntry.objects.filter(
        program=program, fellow_id__in=[fellow.pk for fellow in fellows]
    )
    by_fellow: dict[int, list[dict]] = {}
    for row in target_counts(entries, by_fellow=True):
        by_fellow.setdefault(row["fellow_id"], []).append(row)
    return targets, [
        CohortProgressRow(fellow=fellow, cells=target_cells(targets, by_fellow.get(fellow.pk, [])))
        for fellow in fellows
    ]


@dataclass(frozen=True)
class ProgressBar:
    """One fellow's procedure progress as one bar: the share of the required counts done
    (verified entries up to each target's minimum, so one target done twice over does not hide
    another not started), and how many targets are met."""

    met: int
    targets: int
    done: int
    required: int

    @property
    def percent(self) -> int:
        return 100 if not self.required else round(100 * self.done / self.required)

    @property
    def label(self) -> str:
        return f"{self.met} of {self.targets} targets met \u00b7 {self.percent}% of required counts"


def progress_bar(row: CohortProgressRow) -> ProgressBar:
    """The bar of one ``procedure_progress`` row (no query)."""
    return ProgressBar(
        met=row.met_count,
        targets=len(row.cells),
        done=sum(min(cell.verified, cell.minimum) for cell in row.cells),
        required=sum(cell.minimum for cell in row.cells),
    )


ENTRY_EXPORT_FIELDS = (
    "fellow__user__full_name",
    "fellow__user__email",
    "performed_on",
    "procedure_type__category__name",
    "procedure_type__name",
    "role",
    "guidance",
    "level",
    "laterality",
    "supervisor__user__full_name",
    "supervisor__user__email",
    "supervision_level",
    "complication",
    "age_band",
    "status",
    "pk",
    "site",  # annotated: procedures.selectors.log.entry_site
)


def cohort_entry_rows(*, program: Program, fellow_ids):
    """Every procedure entry of these fellows, oldest first, as tuples of
    ``ENTRY_EXPORT_FIELDS`` (no model instances: the export streams tens of thousands).
    Not scoped: callers pass fellows of a cohort they may see."""
    return (
        ProcedureLogEntry.objects.filter(program=program, fellow_id__in=list(fellow_ids))
        .order_by("performed_on", "pk")
        .annotate(site=entry_site())
        .values_list(*ENTRY_EXPORT_FIELDS)
    )


# --- Overdue evaluations, deadlines, leave --------------------------------------------------------


def overdue_assessments(
    *, program: Program, today: datetime.date, fellow_ids=None
) -> QuerySet[Assessment]:
    """Open (draft or returned) assessments of the program whose due date has passed, most
    overdue first; each row carries ``days_overdue`` and ``total`` (how many there are in all),
    so a panel shows the first rows and the count in one query. Not scoped: staff callers."""
    queryset = Assessment.objects.filter(
        program=program, status__in=Assessment.OPEN_STATUSES, due_date__lt=today
    )
    if fellow_ids is not None:
        queryset = queryset.filter(fellow_id__in=list(fellow_ids))
    return (
        queryset.select_related("fellow__user", "assessor__user", "template")
        .annotate(total=Window(Count("pk")))
        .order_by("due_date", "pk")
    )


def days_overdue(assessment: Assessment, today: datetime.date) -> int:
    return (today - assessment.due_date).days


def upcoming_deadlines(
    *, program: Program, today: datetime.date, days: int = UPCOMING_DAYS
) -> QuerySet[Deadline]:
    """The program's deadlines from today to ``days`` ahead, soonest first, each row with
    ``total``. Not scoped: staff callers (who see the whole calendar)."""
    return (
        Deadline.objects.filter(
            program=program,
            due_date__gte=today,
            due_date__lte=today + datetime.timedelta(days=days),
        )
        .select_related("enrolment__membership__user")
        .annotate(total=Window(Count("pk")))
        .order_by("due_date", "kind", "title", "pk")
    )


def panel_rows(queryset, limit: int = PANEL_ROWS) -> tuple[list, int]:
    """The first ``limit`` rows and the total, from a queryset annotated with ``total``."""
    rows = list(queryset[:limit])
    return rows, (rows[0].total if rows else 0)


# --- Faculty completion statistics ----------------------------------------------------------------


@dataclass(frozen=True)
class FacultyStats:
    since: datetime.date
    signed: int
    median_days_to_sign: float | None
    overdue: int
    procedures_verified: int


def faculty_completion_stats(*, user, program: Program, today: datetime.date) -> FacultyStats:
    """The user's own record as assessor in the program over the last 365 days: assessments
    signed, median days from request to signature, open ones past due, procedure entries
    verified. Three queries; counts are aggregated in the database."""
    since = today - datetime.timedelta(days=365)
    mine = Assessment.objects.filter(program=program, assessor__user=user)
    counts = mine.aggregate(
        signed=Count(
            "pk", filter=Q(status__in=Assessment.LOCKED_STATUSES, signed_at__date__gte=since)
        ),
        overdue=Count("pk", filter=Q(status__in=Assessment.OPEN_STATUSES, due_date__lt=today)),
    )
    waits = list(
        mine.filter(status__in=Assessment.LOCKED_STATUSES, signed_at__date__gte=since)
        .annotate(
            wait=ExpressionWrapper(F("signed_at") - F("created_at"), output_field=DurationField())
        )
        .values_list("wait", flat=True)
    )
    verified = ProcedureLogEntry.objects.filter(
        program=program,
        verified_by=user,
        status=ProcedureLogEntry.Status.VERIFIED,
        verified_at__date__gte=since,
    ).count()
    median = None
    if waits:
        median = round(statistics.median(w.total_seconds() for w in waits) / 86400, 1)
        median = max(median, 0.0)
    return FacultyStats(
        since=since,
        signed=counts["signed"],
        median_days_to_sign=median,
        overdue=counts["overdue"],
        procedures_verified=verified,
    )


@dataclass(frozen=True)
class WaitingAssessment:
    """An assessment in the faculty queue and how many days past its due date it is (0 when it
    is not due yet or has no due date)."""

    assessment: Assessment
    days_overdue: int


def faculty_waiting_assessments(
    *, user, program: Program, today: datetime.date
) -> list[WaitingAssessment]:
    """The user's open assessments as assessor (``assessments_to_fill``: scoped to the user),
    oldest due first, so the overdue ones lead; one query."""
    return [
        WaitingAssessment(
            assessment=assessment,
            days_overdue=max((today - assessment.due_date).days, 0) if assessment.due_date else 0,
        )
        for assessment in assessments_to_fill(user=user, program=program)
    ]


# --- Fellow home ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FellowLevel:
    code: str
    title: str
    ccc: HeatCell | None
    rating: HeatCell | None


def fellow_levels(*, fellow: Membership, subcompetencies: list[Subcompetency]) -> list[FellowLevel]:
    """Per subcompetency of the set, the fellow's latest finalised CCC level and latest rating
    (either may be None): two queries. Not scoped: callers pass the signed-in fellow's own
    membership."""
    ccc = latest_ccc_levels(fellow_ids=[fellow.pk]).get(fellow.pk, {})
    rated = latest_ratings(fellow_ids=[fellow.pk]).get(fellow.pk, {})
    rows = []
    for sub in subcompetencies:
        committee = ccc.get(sub.pk)
        rows.append(
            FellowLevel(
                code=sub.code,
                title=sub.title,
                ccc=HeatCell(committee.level, "ccc", committee.period_ends_on)
                if committee
                else None,
                rating=rated.get(sub.pk),
            )
        )
    return rows


def fellow_due(*, fellow: Membership, today: datetime.date) -> dict:
    """What the fellow has to do: signed assessments to acknowledge and their open requests
    (one aggregate query), and their deadlines in the next 30 days (one query). Not scoped:
    callers pass the signed-in fellow's own membership."""
    counts = Assessment.objects.filter(fellow=fellow).aggregate(
        to_acknowledge=Count("pk", filter=Q(status=Status.SIGNED)),
        requested=Count(
            "pk", filter=Q(status__in=Assessment.OPEN_STATUSES, requested_by=fellow.user_id)
        ),
    )
    deadlines = list(
        Deadline.objects.filter(
            program_id=fellow.program_id,
            due_date__gte=today,
            due_date__lte=today + datetime.timedelta(days=UPCOMING_DAYS),
        )
        .filter(
            Q(enrolment__isnull=True, kind=Deadline.Kind.CCC_REVIEW)
            | Q(enrolment__membership=fellow)
        )
        .order_by("due_date", "kind", "title", "pk")[:PANEL_ROWS]
    )
    return {**counts, "deadlines": deadlines}


def latest_feedback(*, fellow: Membership, limit: int = 3) -> list[Assessment]:
    """The newest narratives from recorded assessments of the fellow: one query. Not scoped:
    callers pass the signed-in fellow's own membership."""
    return list(
        recorded_assessments(fellow=fellow)
        .exclude(narrative="")
        .select_related("assessor__user", "template")
        .order_by("-observed_on", "-signed_at", "-pk")[:limit]
    )
