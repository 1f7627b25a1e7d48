"""Scoped reads for didactics, and the attendance and objective summaries of a fellow."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Min, Prefetch, Q, QuerySet

from curriculum.models import Membership, Program, Rotation
from curriculum.selectors import program_list
from trainees.models import Enrolment

from .models import (
    DEFAULT_REQUIRED_PERCENT,
    Attendance,
    AttendanceRequirement,
    LearningObjective,
    ObjectiveProgress,
    ObjectiveResource,
    RotationTeacher,
    Series,
    Session,
)

Role = Membership.Role
Status = Attendance.Status


def series_list(*, user, program: Program) -> QuerySet[Series]:
    """The program's conference series, for any active member."""
    return Series.objects.filter(program=program, program__in=program_list(user=user)).order_by(
        "name"
    )


def session_list(*, user, program: Program) -> QuerySet[Session]:
    """The program's sessions, in date order, for any active member of the program."""
    return (
        Session.objects.filter(program=program, program__in=program_list(user=user))
        .select_related("series", "program", "presenter__user")
        .order_by("date", "start_time", "pk")
    )


def fellow_list(*, program: Program) -> QuerySet[Membership]:
    """The program's active fellows, by name (callers have checked the reader's role)."""
    return (
        Membership.objects.filter(program=program, role=Role.FELLOW, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def requirement_map(*, program: Program) -> dict[str, int]:
    """Required percentage per series kind; kinds the program has not set use the default."""
    saved = dict(
        AttendanceRequirement.objects.filter(program=program).values_list(
            "kind", "required_percent"
        )
    )
    return {kind: saved.get(kind, DEFAULT_REQUIRED_PERCENT) for kind in Series.Kind.values}


# --- Attendance summaries ------------------------------------------------------------------------


@dataclass
class SeriesAttendance:
    """One fellow's attendance at one series, over its past sessions since they started."""

    series: Series
    past_sessions: int  # sessions that have ended, since the fellow's enrolment began
    present: int
    excused: int  # not held against the fellow: left out of the denominator
    required_percent: int | None  # None when the series' attendance is not required

    @property
    def absent(self) -> int:
        return self.past_sessions - self.present - self.excused

    @property
    def counted(self) -> int:
        return self.past_sessions - self.excused

    @property
    def percent(self) -> int | None:
        """Whole percent attended of the sessions that count; None before any has counted."""
        if self.counted <= 0:
            return None
        return round(100 * self.present / self.counted)

    @property
    def shortfall(self) -> bool:
        """Below the requirement (a required series with at least one session counted)."""
        return (
            self.required_percent is not None
            and self.percent is not None
            and self.percent < self.required_percent
        )


def _past_session_q(program: Program) -> Q:
    now = program.localtime()
    return Q(date__lt=now.date()) | Q(date=now.date(), end_time__lte=now.time())


def _attendance_table(
    program: Program, fellows: list[Membership]
) -> tuple[list[Series], dict[int, list[SeriesAttendance]]]:
    """Per fellow, a ``SeriesAttendance`` for every series: five queries, however many
    fellows, series and sessions."""
    series = list(Series.objects.filter(program=program).order_by("name"))
    required = requirement_map(program=program)
    sessions = list(
        Session.objects.filter(_past_session_q(program), program=program).values_list(
            "pk", "series_id", "date"
        )
    )
    fellow_ids = [fellow.pk for fellow in fellows]
    starts = dict(
        Enrolment.objects.filter(membership_id__in=fellow_ids)
        .values("membership_id")
        .annotate(first=Min("start_date"))
        .values_list("membership_id", "first")
    )
    marks = defaultdict(dict)  # fellow id -> session id -> status
    for fellow_id, session_id, status in Attendance.objects.filter(
        fellow_id__in=fellow_ids, session__in=[pk for pk, _, _ in sessions]
    ).values_list("fellow_id", "session_id", "status"):
        marks[fellow_id][session_id] = status
    table = {}
    for fellow in fellows:
        start = starts.get(fellow.pk, datetime.date.min)
        counts = defaultdict(lambda: [0, 0, 0])  # series id -> past, present, excused
        for session_id, series_id, day in sessions:
            status = marks[fellow.pk].get(session_id)
            if day < start and status is None:
                continue  # before the fellow started, and not attended: not theirs to count
            entry = counts[series_id]
            entry[0] += 1
            entry[1] += status == Status.PRESENT
            entry[2] += status == Status.EXCUSED
        table[fellow.pk] = [
            SeriesAttendance(
                series=item,
                past_sessions=counts[item.pk][0],
                present=counts[item.pk][1],
                excused=counts[item.pk][2],
                required_percent=required[item.kind] if item.attendance_required else None,
            )
            for item in series
        ]
    return series, table


def attendance_summary(*, fellow: Membership) -> list[SeriesAttendance]:
    """A fellow's attendance, one ``SeriesAttendance`` per series of their program, by name.

    For the CCC packet and the fellow's own page. Each row gives the past sessions that count
    (sessions that have ended, from the fellow's first enrolment start), how many the fellow
    attended, how many were excused (left out of the denominator), ``percent`` (None until a
    session counts), the program's ``required_percent`` for the series' kind (None when the
    series' attendance is not required) and ``shortfall``. The caller has checked that the
    reader may see this fellow. Five queries (once ``fellow.program`` is loaded), whatever
    the number of series and sessions.
    """
    _, table = _attendance_table(fellow.program, [fellow])
    return table[fellow.pk]


@dataclass
class CohortAttendanceRow:
    fellow: Membership
    series: list[SeriesAttendance]

    @property
    def shortfalls(self) -> list[SeriesAttendance]:
        return [item for item in self.series if item.shortfall]


def cohort_attendance(*, user, program: Program) -> tuple[list[Series], list[CohortAttendanceRow]]:
    """Every active fellow's attendance per series, for the program's director and coordinator
    (empty for anyone else). Six queries, whatever the number of fellows."""
    if not program_list(user=user, roles=Membership.STAFF_ROLES).filter(pk=program.pk).exists():
        return [], []
    fellows = list(fellow_list(program=program))
    series, table = _attendance_table(program, fellows)
    return series, [CohortAttendanceRow(fellow, table[fellow.pk]) for fellow in fellows]


def roll_rows(*, session: Session) -> list[tuple[Membership, Attendance | None]]:
    """Each active fellow of the session's program with their attendance row, if any (2 queries)."""
    marks = {
        row.fellow_id: row
        for row in Attendance.objects.filter(session=session).select_related("recorded_by")
    }
    return [(fellow, marks.get(fellow.pk)) for fellow in fellow_list(program=session.program)]


# --- Learning objectives ------------------------------------------------------------------------


@dataclass
class RotationProgress:
    """A fellow's progress on one rotation's objectives."""

    rotation: Rotation
    total: int
    met: int  # marked met by the fellow, confirmed or not
    confirmed: int


def objective_progress(*, fellow: Membership) -> list[RotationProgress]:
    """A fellow's learning-objective progress per rotation of their program (rotations with at
    least one objective, by name): objectives in total, marked met by the fellow (including
    confirmed ones) and confirmed by the rotation's faculty or the director.

    For the CCC packet and the pathway page; the caller has checked that the reader may see
    this fellow. One query, whatever the number of rotations and objectives.
    """
    mine = Q(learning_objectives__progress__fellow=fellow)
    rotations = (
        Rotation.objects.filter(program_id=fellow.program_id)
        .annotate(
            total=Count("learning_objectives", distinct=True),
            met=Count("learning_objectives__progress", filter=mine, distinct=True),
            confirmed=Count(
                "learning_objectives__progress",
                filter=mine & Q(learning_objectives__progress__confirmed_at__isnull=False),
                distinct=True,
            ),
        )
        .filter(total__gt=0)
        .order_by("name")
    )
    return [
        RotationProgress(rotation=r, total=r.total, met=r.met, confirmed=r.confirmed)
        for r in rotations
    ]


def rotation_list(*, user, program: Program) -> QuerySet[Rotation]:
    """The program's rotations with their objective counts, for any active member."""
    return (
        Rotation.objects.filter(program=program, program__in=program_list(user=user))
        .annotate(objective_count=Count("learning_objectives"))
        .order_by("-is_active", "name")
    )


def objective_list(*, rotation: Rotation, fellow: Membership | None) -> QuerySet[LearningObjective]:
    """A rotation's objectives with their resources, and ``fellow``'s own progress (if any) as
    ``my_progress`` (a one-item list): three queries."""
    mine = (
        ObjectiveProgress.objects.filter(fellow=fellow)
        if fellow
        else ObjectiveProgress.objects.none()
    )
    return LearningObjective.objects.filter(rotation=rotation).prefetch_related(
        Prefetch("resources", queryset=ObjectiveResource.objects.order_by("title")),
        Prefetch("progress", queryset=mine.select_related("confirmed_by"), to_attr="my_progress"),
    )


def pending_confirmation_list(*, rotation: Rotation) -> QuerySet[ObjectiveProgress]:
    """Fellows' claims on this rotation's objectives that nobody has confirmed yet."""
    return (
        ObjectiveProgress.objects.filter(objective__rotation=rotation, confirmed_at__isnull=True)
        .select_related("objective", "fellow__user")
        .order_by("met_at", "pk")
    )


def teacher_list(*, rotation: Rotation) -> QuerySet[RotationTeacher]:
    return RotationTeacher.objects.filter(rotation=rotation).select_related("faculty__user")


def resource_list(*, user, program: Program) -> QuerySet[ObjectiveResource]:
    """Resources of the program's objectives, for its active members only."""
    return ObjectiveResource.objects.filter(
        objective__rotation__program=program,
        objective__rotation__program__in=program_list(user=user),
    )


def progress_list(*, program: Program) -> QuerySet[ObjectiveProgress]:
    return ObjectiveProgress.objects.filter(objective__rotation__program=program).select_related(
        "objective__rotation__program", "fellow"
    )
