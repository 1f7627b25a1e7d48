"""Scoped reads for fellows' case logs: every list is narrowed to what ``user`` may see."""

import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from curriculum.models import Membership, Program
from trainees.models import ScheduleBlock

from ..models import ProcedureCategory, ProcedureLogEntry, ProcedureType
from ..permissions import can_view_fellow_log, can_view_program_logs

Entry = ProcedureLogEntry
Role = Membership.Role


def own_fellow_membership_list(*, user) -> QuerySet[Membership]:
    """The user's active fellow memberships: the logs they keep themselves."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user, role=Role.FELLOW, is_active=True).select_related(
        "program", "user"
    )


def program_fellow_list(*, user, program: Program) -> QuerySet[Membership]:
    """The program's fellows whose log ``user`` may read: all of them for its director,
    coordinator and faculty; only themself for a fellow."""
    fellows = Membership.objects.filter(program=program, role=Role.FELLOW).select_related(
        "user", "program"
    )
    if not user.is_authenticated:
        return fellows.none()
    if can_view_program_logs(user, program):
        return fellows
    return fellows.filter(user=user, is_active=True)


def entry_list(
    *,
    user,
    program: Program,
    fellow: Membership | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    category_id: int | None = None,
    role: str | None = None,
    status: str | None = None,
) -> QuerySet[Entry]:
    """Entries ``user`` may see, newest first, with what a list row shows already joined."""
    entries = Entry.objects.filter(program=program).select_related(
        "procedure_type__category", "supervisor__user", "fellow__user"
    )
    if not user.is_authenticated:
        return entries.none()
    if fellow is not None:
        if fellow.program_id != program.pk or fellow.role != Role.FELLOW:
            return entries.none()
        if not can_view_fellow_log(user, fellow):
            return entries.none()
        entries = entries.filter(fellow=fellow)
    elif not can_view_program_logs(user, program):
        entries = entries.filter(
            fellow__user=user, fellow__role=Role.FELLOW, fellow__is_active=True
        )
    if date_from:
        entries = entries.filter(performed_on__gte=date_from)
    if date_to:
        entries = entries.filter(performed_on__lte=date_to)
    if category_id:
        entries = entries.filter(procedure_type__category_id=category_id)
    if role:
        entries = entries.filter(role=role)
    if status:
        entries = entries.filter(status=status)
    return entries.order_by("-performed_on", "-pk")


def entry_site():
    """The site of the rotation the entry's fellow was scheduled on the day of the entry, as an
    expression (a correlated subquery: no extra query however many rows). An entry has no site
    field of its own: the schedule already says where the fellow was. A main rotation wins over a
    longitudinal one running beside it (the later block first where blocks overlap); empty when
    the fellow was not scheduled that day or the rotation names no site."""
    blocks = ScheduleBlock.objects.filter(
        enrolment__membership_id=OuterRef("fellow_id"),
        start_date__lte=OuterRef("performed_on"),
        end_date__gte=OuterRef("performed_on"),
    ).order_by("rotation__is_longitudinal", "-start_date", "-pk")
    return Coalesce(Subquery(blocks.values("rotation__site")[:1]), Value(""))


def with_site(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """``entries`` with ``site`` (see ``entry_site``) on each row."""
    return entries.annotate(site=entry_site())


def last_entry(*, fellow: Membership) -> Entry | None:
    """The entry the fellow logged most recently."""
    return (
        Entry.objects.filter(fellow=fellow)
        .select_related("procedure_type", "supervisor")
        .order_by("-created_at", "-pk")
        .first()
    )


def _default_initial(*, fellow: Membership, today: datetime.date, last: Entry | None) -> dict:
    initial = {
        "performed_on": today,
        "role": Entry.Role.PERFORMED,
        "supervision_level": Entry.SupervisionLevel.DIRECT,
        "complication": Entry.Complication.NONE,
    }
    if last is not None and _is_current_supervisor(last.supervisor, fellow):
        initial["supervisor"] = last.supervisor_id
    return initial


def _is_current_supervisor(supervisor: Membership, fellow: Membership) -> bool:
    return (
        supervisor.is_active
        and supervisor.program_id == fellow.program_id
        and supervisor.role in Membership.TEACHING_ROLES
    )


def repeat_initial(*, fellow: Membership, today: datetime.date) -> dict:
    """Form values for "repeat last entry": the last entry's, dated today. The complication
    and the note belong to one case, so they are not repeated."""
    last = last_entry(fellow=fellow)
    initial = _default_initial(fellow=fellow, today=today, last=last)
    if last is None:
        return initial
    initial.update(
        guidance=last.guidance,
        role=last.role,
        supervision_level=last.supervision_level,
        age_band=last.age_band,
        level=last.level,
        laterality=last.laterality,
    )
    if last.procedure_type.is_active:
        initial["procedure_type"] = last.procedure_type_id
    return initial


# What makes two entries "the same case logged twice" (complication and note are per case).
IDENTICAL_FIELDS = (
    "performed_on",
    "procedure_type",
    "guidance",
    "role",
    "supervision_level",
    "age_band",
    "level",
    "laterality",
)


def identical_entry(*, fellow: Membership, values: dict) -> Entry | None:
    """The fellow's entry that matches these form values on every field that matters (same
    procedure, same day), e.g. the one "repeat last entry" would log again; None if there is
    none or the values name no procedure."""
    if not values.get("procedure_type") or not values.get("performed_on"):
        return None
    lookups = {
        ("procedure_type_id" if field == "procedure_type" else field): values.get(field, "")
        for field in IDENTICAL_FIELDS
    }
    return (
        Entry.objects.filter(fellow=fellow, **lookups)
        .select_related("procedure_type")
        .order_by("-created_at", "-pk")
        .first()
    )


def type_initial(
    *, fellow: Membership, today: datetime.date, procedure_type: ProcedureType
) -> dict:
    """Form values for logging one chosen procedure (a favourite): sensible defaults."""
    initial = _default_initial(fellow=fellow, today=today, last=last_entry(fellow=fellow))
    initial["procedure_type"] = procedure_type.pk
    if procedure_type.allowed_guidance:
        initial["guidance"] = procedure_type.allowed_guidance[0]
    return initial


def favourite_type_list(*, fellow: Membership) -> QuerySet[ProcedureType]:
    """The fellow's pinned procedures that can still be logged."""
    return (
        ProcedureType.objects.filter(
            favourited_by__fellow=fellow, is_active=True, program_id=fellow.program_id
        )
        .select_related("category")
        .order_by("name")
    )


def loggable_type_list(*, program: Program, include_pk: int | None = None) -> QuerySet:
    """Active procedure types of the program (plus ``include_pk``, an entry's retired type)."""
    types = ProcedureType.objects.filter(program=program).select_related("category")
    if include_pk is None:
        return types.filter(is_active=True)

    return types.filter(Q(is_active=True) | Q(pk=include_pk))


def category_list(*, program: Program) -> QuerySet[ProcedureCategory]:
    return ProcedureCategory.objects.filter(program=program)


def supervisor_list(*, program: Program, include_pk: int | None = None) -> QuerySet[Membership]:
    """Active faculty and director memberships of the program, for the supervisor choice."""

    active = Q(is_active=True)
    if include_pk is not None:
        active |= Q(pk=include_pk)
    return (
        Membership.objects.filter(active, program=program, role__in=Membership.TEACHING_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user__email", "role")
    )
