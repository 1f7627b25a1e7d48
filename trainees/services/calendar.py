"""The program calendar: deadlines generated from the academic year and the schedule, and the
ones the director adds by hand."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from core.dates import add_months
from curriculum.models import Program

from ..models import AcademicYear, Deadline, Enrolment, ScheduleBlock
from .pathway import enforce_manager

Status = Enrolment.Status

# The year-end CCC review is due this many days before the academic year ends.
YEAR_END_CCC_LEAD_DAYS = 30
MIDYEAR_CCC_DAY = 15


@dataclass(frozen=True)
class CalendarResult:
    """What one ``calendar_generate`` run did.

    ``kept`` counts generated deadlines the director edited that the schedule would have moved
    or removed: the director's version was kept.
    """

    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept: int = 0


@dataclass(frozen=True)
class _PlannedDeadline:
    key: str
    kind: str
    title: str
    due_date: datetime.date
    enrolment: Enrolment | None = None
    schedule_block: ScheduleBlock | None = None


def _ccc_plan(academic_year: AcademicYear) -> list[_PlannedDeadline]:
    first_of_start_month = academic_year.start_date.replace(day=1)
    midyear = add_months(first_of_start_month, 5).replace(day=MIDYEAR_CCC_DAY)
    year_end = academic_year.end_date - datetime.timedelta(days=YEAR_END_CCC_LEAD_DAYS)
    kind = Deadline.Kind.CCC_REVIEW
    return [
        _PlannedDeadline(
            f"ccc:{academic_year.pk}:midyear", kind, "Mid-year CCC milestone review", midyear
        ),
        _PlannedDeadline(
            f"ccc:{academic_year.pk}:year-end", kind, "Year-end CCC milestone review", year_end
        ),
    ]


def block_evaluation_periods(block: ScheduleBlock, interval_months: int) -> list[datetime.date]:
    """The last day of each evaluated period of a block: its end, and for an experience longer
    than ``interval_months`` (block or longitudinal) also the end of every interval before it
    (a 12-month block gives 4 with the usual 3). ACGME Common Program Requirements V.A.1.b).(1):
    evaluation at the end of each rotation and, for rotations longer than three months, at least
    every three months; the interval is the program's ``evaluation_interval_months``."""
    period_ends = []
    step = 1
    while True:
        period_end = add_months(block.start_date, interval_months * step) - datetime.timedelta(
            days=1
        )
        if period_end >= block.end_date:
            break
        period_ends.append(period_end)
        step += 1
    return [*period_ends, block.end_date]


def block_evaluation_keys(block: ScheduleBlock, period_ends: list[datetime.date]) -> list[str]:
    """The calendar key of each period's evaluation deadline, in the order of ``period_ends``.

    A longitudinal rotation numbers its periods (``rotation-eval:<block>:<n>``, as it always
    has); any other block keeps ``rotation-eval:<block>`` for its end and names each interim
    deadline by its day (``rotation-eval:<block>:<YYYY-MM-DD>``), so the keys of existing
    deadlines never change."""
    if block.rotation.is_longitudinal:
        return [f"rotation-eval:{block.pk}:{n}" for n in range(1, len(period_ends) + 1)]
    interim = [f"rotation-eval:{block.pk}:{day.isoformat()}" for day in period_ends[:-1]]
    return [*interim, f"rotation-eval:{block.pk}"]


def _rotation_plan(program: Program, block: ScheduleBlock) -> list[_PlannedDeadline]:
    due_after = datetime.timedelta(days=program.evaluation_due_days)
    fellow = block.enrolment.membership.user.display_name
    kind = Deadline.Kind.ROTATION_EVALUATION
    period_ends = block_evaluation_periods(block, program.evaluation_interval_months)
    keys = block_evaluation_keys(block, period_ends)
    total = len(period_ends)
    planned = []
    for number, (key, period_end) in enumerate(zip(keys, period_ends, strict=True), start=1):
        if block.rotation.is_longitudinal:
            title = f"{block.rotation.name} evaluation {number} of {total} - {fellow}"
        elif number < total:
            title = (
                f"{block.rotation.name} interim ({program.evaluation_interval_months}-month) "
                f"evaluation {number} of {total} - {fellow}"
            )
        else:
            title = f"{block.rotation.name} evaluation - {fellow}"
        planned.append(
            _PlannedDeadline(key, kind, title, period_end + due_after, block.enrolment, block)
        )
    return planned


def _final_plan(program: Program, enrolment: Enrolment) -> _PlannedDeadline:
    return _PlannedDeadline(
        f"final:{enrolment.pk}",
        Deadline.Kind.FINAL_SUMMATIVE,
        f"Final summative evaluation - {enrolment.membership.user.display_name}",
        enrolment.expected_end_date - datetime.timedelta(days=program.summative_lead_days),
        enrolment,
    )


def _calendar_plan(academic_year: AcademicYear) -> dict[str, _PlannedDeadline]:
    program = academic_year.program
    plan = _ccc_plan(academic_year)
    blocks = (
        ScheduleBlock.objects.filter(enrolment__cohort__academic_year=academic_year)
        .select_related("rotation", "enrolment__membership__user")
        .order_by("enrolment_id", "start_date", "pk")
    )
    for block in blocks:
        plan.extend(_rotation_plan(program, block))
    enrolments = (
        Enrolment.objects.filter(cohort__academic_year=academic_year)
        .exclude(status=Status.WITHDRAWN)
        .select_related("membership__user")
        .order_by("pk")
    )
    plan.extend(_final_plan(program, enrolment) for enrolment in enrolments)
    return {planned.key: planned for planned in plan}


def calendar_generate(*, actor, academic_year: AcademicYear) -> CalendarResult:
    """Create or refresh the academic year's generated deadlines; safe to run again.

    Every generated deadline has a ``key`` naming its source, so a second run creates nothing.
    A deadline the director edited keeps its date and title; one whose source is gone (block
    deleted, enrolment withdrawn) is deleted, unless edited.
    """
    program = academic_year.program
    enforce_manager(actor, program)
    created = updated = deleted = kept = 0
    with transaction.atomic():
        # One refresh of a year at a time: two concurrent runs would race on the same keys.
        AcademicYear.objects.select_for_update().get(pk=academic_year.pk)
        plan = _calendar_plan(academic_year)
        existing = {
            deadline.key: deadline
            for deadline in Deadline.objects.select_for_update()
            .filter(
                Q(key__in=list(plan)) | Q(academic_year=academic_year),
                program=program,
            )
            .exclude(key="")
        }
        for key, planned in plan.items():
            deadline = existing.pop(key, None)
            if deadline is None:
                deadline = Deadline(program=program, key=key)
                _apply_plan(deadline, planned, academic_year)
                deadline.full_clean(exclude=GENERATED_TITLE)
                deadline.save()
                created += 1
                continue
            values = _plan_values(planned, academic_year)
            if deadline.is_edited:
                # The director's date and title win; the links still follow the schedule.
                changed = deadline.due_date != planned.due_date or deadline.title != planned.title
                kept += changed
                values = {k: v for k, v in values.items() if k not in ("title", "due_date")}
            if any(getattr(deadline, field) != value for field, value in values.items()):
                for field, value in values.items():
                    setattr(deadline, field, value)
                deadline.full_clean(exclude=GENERATED_TITLE)
                deadline.save()
                updated += 1
        for deadline in existing.values():  # generated, but its source is gone
            if deadline.academic_year_id != academic_year.pk:
                continue
            if deadline.is_edited:
                kept += 1
            else:
                deadline.delete()
                deleted += 1
    return CalendarResult(created=created, updated=updated, deleted=deleted, kept=kept)


# A generated title is a (screened) rotation name and a member's own name, which is exempt by
# design: screening it again would refuse the schedule of a fellow whose name reads "Ms. Ávila".
GENERATED_TITLE = ["title"]


def _plan_values(planned: _PlannedDeadline, academic_year: AcademicYear) -> dict:
    return {
        "academic_year": academic_year,
        "kind": planned.kind,
        "title": planned.title[: Deadline._meta.get_field("title").max_length],
        "due_date": planned.due_date,
        "enrolment": planned.enrolment,
        "schedule_block": planned.schedule_block,
    }


def _apply_plan(deadline: Deadline, planned: _PlannedDeadline, academic_year) -> None:
    for field, value in _plan_values(planned, academic_year).items():
        setattr(deadline, field, value)


def deadline_create(
    *,
    actor,
    program: Program,
    academic_year: AcademicYear,
    kind: str,
    title: str,
    due_date: datetime.date,
) -> Deadline:
    """A deadline the director adds by hand (no key: regeneration never touches it)."""
    enforce_manager(actor, program)
    if academic_year.program_id != program.pk:
        raise ValidationError({"academic_year": "This academic year belongs to another program."})
    deadline = Deadline(
        program=program,
        academic_year=academic_year,
        kind=kind,
        title=title.strip(),
        due_date=due_date,
    )
    with transaction.atomic():
        deadline.full_clean()
        deadline.save()
    return deadline


def deadline_update(*, actor, deadline: Deadline, title: str, due_date: datetime.date) -> Deadline:
    """Change a deadline's title and date; marked edited so regeneration keeps them."""
    enforce_manager(actor, deadline.program)
    with transaction.atomic():
        deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
        deadline.title = title.strip()
        deadline.due_date = due_date
        deadline.is_edited = True
        deadline.full_clean()
        deadline.save(update_fields=["title", "due_date", "is_edited", "updated_at"])
    return deadline


def deadline_delete(*, actor, deadline: Deadline) -> None:
    """Delete a deadline added by hand. Generated ones follow the schedule and come back."""
    enforce_manager(actor, deadline.program)
    if deadline.key:
        raise ValidationError(
            "This deadline is generated from the academic year and schedule, so it would come "
            "back on the next refresh: change its date instead, or change the schedule."
        )
    with transaction.atomic():
        deadline.delete()
