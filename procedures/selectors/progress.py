"""Progress against the program's targets, for a fellow and for a whole cohort.

Counts come from one aggregate query over the entries grouped by procedure type, category, role
and status, mapped onto the targets in Python: a type target counts entries of that type, a
category target entries of every type in the category, and a target with a role only entries
with that role. Returned entries count for nothing; pending ones are counted apart.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from curriculum.models import Membership, Program
from trainees.models import Cohort, Enrolment

from ..models import ProcedureLogEntry, ProcedureTarget
from ..permissions import can_view_fellow_log, can_view_program_logs

Status = ProcedureLogEntry.Status
ROLE_LABELS = dict(ProcedureLogEntry.Role.choices)


@dataclass(frozen=True)
class TargetProgress:
    target: ProcedureTarget
    label: str
    minimum: int
    verified: int
    pending: int
    remaining: int
    met: bool


@dataclass
class CohortProgressRow:
    fellow: Membership
    cells: list[TargetProgress] = field(default_factory=list)

    @property
    def met_count(self) -> int:
        return sum(cell.met for cell in self.cells)


def target_label(target: ProcedureTarget) -> str:
    if target.procedure_type_id:
        label = target.procedure_type.name
    else:
        label = f"{target.category.name} (any procedure)"
    if target.role:
        label = f"{label}, {ROLE_LABELS.get(target.role, target.role).lower()}"
    return label


def _target_list(program: Program) -> list[ProcedureTarget]:
    """The program's targets in catalogue order: by category, category targets first."""
    targets = ProcedureTarget.objects.filter(program=program).select_related(
        "procedure_type__category", "category"
    )

    def key(target):
        category = target.category or target.procedure_type.category
        type_name = target.procedure_type.name if target.procedure_type_id else ""
        return (category.order, category.name, type_name, target.role)

    return sorted(targets, key=key)


def target_counts(entries: QuerySet, *, by_fellow: bool) -> list[dict]:
    """One aggregate query: entry counts by (fellow,) type, category, role and status."""
    fields = ["procedure_type_id", "procedure_type__category_id", "role", "status"]
    if by_fellow:
        fields.insert(0, "fellow_id")
    return list(
        entries.exclude(status=Status.RETURNED).values(*fields).annotate(n=Count("pk")).order_by()
    )


def target_cells(targets: list[ProcedureTarget], counts: list[dict]) -> list[TargetProgress]:
    result = []
    for target in targets:
        tally = {Status.VERIFIED: 0, Status.PENDING: 0}
        for row in counts:
            if target.procedure_type_id:
                matches = row["procedure_type_id"] == target.procedure_type_id
            else:
                matches = row["procedure_type__category_id"] == target.category_id
            if matches and (not target.role or row["role"] == target.role):
                tally[row["status"]] = tally.get(row["status"], 0) + row["n"]
        verified, pending = tally[Status.VERIFIED], tally[Status.PENDING]
        result.append(
            TargetProgress(
                target=target,
                label=target_label(target),
                minimum=target.minimum,
                verified=verified,
                pending=pending,
                remaining=max(target.minimum - verified, 0),
                met=verified >= target.minimum,
            )
        )
    return result


def progress_fellow_list(*, user, program: Program) -> QuerySet[Membership]:
    """Fellows whose progress ``user`` may see: every fellow for the program's director,
    coordinator and faculty; only themself (while active) for a fellow."""
    if not user.is_authenticated:
        return Membership.objects.none()
    fellows = Membership.objects.filter(program=program, role=Membership.Role.FELLOW)
    if not can_view_program_logs(user, program):
        fellows = fellows.filter(user=user, is_active=True)
    return fellows.select_related("user", "program")


def fellow_target_progress(*, user, fellow: Membership) -> list[TargetProgress]:
    """The fellow's counts against every target of their program (verified and pending apart)."""
    if not can_view_fellow_log(user, fellow):
        return []
    targets = _target_list(fellow.program)
    if not targets:
        return []
    counts = target_counts(ProcedureLogEntry.objects.filter(fellow=fellow), by_fellow=False)
    return target_cells(targets, counts)


def cohort_target_progress(
    *, user, program: Program, cohort: Cohort | None = None
) -> tuple[list[ProcedureTarget], list[CohortProgressRow]]:
    """Every active fellow of the program (or the cohort's enrolled fellows) against every
    target, for the director, coordinator and faculty: three queries however many fellows,
    targets and entries there are."""
    if not can_view_program_logs(user, program):
        return [], []
    fellows = Membership.objects.filter(program=program, role=Membership.Role.FELLOW)
    if cohort is not None:
        enrolled = Enrolment.objects.filter(cohort=cohort).exclude(
            status=Enrolment.Status.WITHDRAWN
        )
        fellows = fellows.filter(pk__in=enrolled.values("membership_id"))
    else:
        fellows = fellows.filter(is_active=True)
    fellows = list(fellows.select_related("user").order_by("user__full_name", "user__email", "pk"))
    targets = _target_list(program)
    if not fellows:
        return targets, []
    by_fellow = defaultdict(list)
    entries = ProcedureLogEntry.objects.filter(
        program=program, fellow_id__in=[fellow.pk for fellow in fellows]
    )
    for row in target_counts(entries, by_fellow=True):
        by_fellow[row["fellow_id"]].append(row)
    rows = [
        CohortProgressRow(fellow=fellow, cells=target_cells(targets, by_fellow[fellow.pk]))
        for fellow in fellows
    ]
    return targets, rows


def progress_table(targets: list[ProcedureTarget], rows: list[CohortProgressRow]):
    """``(header, lines)`` of the cohort progress CSV: one line per fellow, four columns per
    target. The cohort page's export and the dashboard's share it."""
    header = ["fellow"]
    for target in targets:
        label = target_label(target)
        header += [f"{label}: {col}" for col in ("minimum", "verified", "pending", "short by")]
    lines = []
    for row in rows:
        line = [row.fellow.user.display_name]
        for cell in row.cells:
            line += [cell.minimum, cell.verified, cell.pending, cell.remaining]
        lines.append(line)
    return header, lines
