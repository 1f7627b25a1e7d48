"""Sweep source: fellows who have not logged last week's work hours.

From Monday on (the program's clock), each actively enrolled fellow with no shift starting in the
previous week (Monday to Sunday, program zone) is reminded once, unless on leave that whole week.
The object is the fellow's membership and the period that week's Monday, so the ledger holds one
reminder per fellow and week however often the sweep runs.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Q
from django.urls import reverse

from trainees.models import Enrolment, LeavePeriod
from workhours.models import Shift
from workhours.selectors import week_bounds, week_start_of

from ..models import Kind, Reminder
from .context import Candidate, ProgramContext, candidate, fmt_day, keyset_batches

WEEK = datetime.timedelta(days=7)


def last_week(ctx: ProgramContext) -> datetime.date:
    """The Monday of the week before the program's current week."""
    return week_start_of(ctx.today) - WEEK


def work_hour_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """Fellows with nothing logged last week. No query before the batches, three per batch
    (enrolments, the shifts that started in the week, the leave covering it)."""
    if not contexts:
        return
    mondays = {program_id: last_week(ctx) for program_id, ctx in contexts.items()}
    by_monday = defaultdict(list)
    for program_id, monday in mondays.items():
        by_monday[monday].append(program_id)
    covering = Q(pk__in=[])
    for monday, program_ids in by_monday.items():
        covering |= Q(
            cohort__program_id__in=program_ids,
            start_date__lte=monday + datetime.timedelta(days=6),
        )
    enrolments = Enrolment.objects.filter(
        covering,
        status=Enrolment.Status.ACTIVE,
        membership__is_active=True,
        membership__user__is_active=True,
    )
    fields = (
        "pk",
        "end_date",
        "leave_extension_days",
        "membership_id",
        "membership__user_id",
        "cohort__program_id",
    )
    bounds = {pk: week_bounds(ctx.program, mondays[pk]) for pk, ctx in contexts.items()}
    paths = {
        pk: reverse("workhours:my_week", kwargs={"program_id": pk}) + f"?week={mondays[pk]}"
        for pk in contexts
    }
    for rows in keyset_batches(enrolments, fields, size):
        rows = [
            row
            for row in rows
            if row["end_date"] + datetime.timedelta(days=row["leave_extension_days"])
            >= mondays[row["cohort__program_id"]]
        ]
        if not rows:
            continue
        logged = _logged(rows, bounds)
        away = _on_leave(rows, mondays)
        batch = []
        for row in rows:
            program_id = row["cohort__program_id"]
            if row["membership_id"] in logged or row["pk"] in away:
                continue
            ctx, monday = contexts[program_id], mondays[program_id]
            obj = (Reminder.ObjectType.WORK_WEEK, row["membership_id"], monday.isoformat())
            batch.append(
                candidate(
                    ctx,
                    row["membership__user_id"],
                    Kind.WORK_HOURS_UNLOGGED,
                    obj,
                    subject=f"Log your work hours for the week of {fmt_day(monday)}",
                    url_path=paths[program_id],
                )
            )
        if batch:
            yield batch


def _logged(rows: list[dict], bounds: dict) -> set[int]:
    """Memberships in ``rows`` with a shift starting in their program's last week: one query."""
    by_program = defaultdict(list)
    for row in rows:
        by_program[row["cohort__program_id"]].append(row["membership_id"])
    started = Q(pk__in=[])
    for program_id, fellow_ids in by_program.items():
        low, high = bounds[program_id]
        started |= Q(fellow_id__in=fellow_ids, start__gte=low, start__lt=high)
    return set(Shift.objects.filter(started).values_list("fellow_id", flat=True).distinct())


def _on_leave(rows: list[dict], mondays: dict) -> set[int]:
    """Enrolments in ``rows`` on leave for the whole of their program's last week: one query."""
    by_monday = defaultdict(list)
    for row in rows:
        by_monday[mondays[row["cohort__program_id"]]].append(row["pk"])
    whole = Q(pk__in=[])
    for monday, enrolment_ids in by_monday.items():
        whole |= Q(
            enrolment_id__in=enrolment_ids,
            start__lte=monday,
            end__gte=monday + datetime.timedelta(days=6),
        )
    return set(LeavePeriod.objects.filter(whole).values_list("enrolment_id", flat=True))
