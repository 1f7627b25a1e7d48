"""The fellow's work-hour log: add, edit and delete shifts, copy last week, apply the template,
save the template, explain a finding. Every write is atomic and audited.

Rules a shift keeps (``_check_shift``): it ends after it starts, lasts at most ``MAX_SHIFT``
(48 h), does not overlap another shift of the same fellow (touching is fine: a handover straight
into the next shift), and does not start after the end of the current week on the program's
clock (fellows log after the fact; the template and "same as last week" pre-fill this week).
"""

from __future__ import annotations

import datetime
from itertools import pairwise

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.services import audit_record
from curriculum.models import Membership

from . import rules
from .models import MAX_SHIFT, FindingExplanation, Shift, ShiftTemplate
from .permissions import can_log_hours
from .selectors import WEEK, fellow_findings, local_moment, week_bounds, week_start_of

DAY = datetime.timedelta(days=1)


def local_span(
    *, program, day: datetime.date, start_time: datetime.time, end_time: datetime.time
) -> tuple[datetime.datetime, datetime.datetime]:
    """UTC start and end of a shift given as a local date and wall-clock times in the program's
    zone; an end at or before the start time is on the next day (a night call)."""
    end_day = day + DAY if end_time <= start_time else day
    return local_moment(program, day, start_time), local_moment(program, end_day, end_time)


def _require_fellow(actor, fellow: Membership) -> None:
    if not can_log_hours(actor, fellow):
        raise PermissionDenied("Only the fellow logs their own work hours.")


def _horizon(program) -> datetime.datetime:
    """The end of the current week on the program's clock: no shift may start after it."""
    return week_bounds(program, week_start_of(program.today()))[1]


def _overlapping(fellow, start, end, exclude_pk=None):
    found = Shift.objects.filter(fellow=fellow, start__lt=end, end__gt=start)
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.order_by("start").first()


def _when(program, moment: datetime.datetime) -> str:
    return f"{program.localtime(moment):%a %b %-d %H:%M}"


def _check_shift(fellow, start, end, kind, exclude_pk=None) -> None:
    program = fellow.program
    if kind not in rules.KINDS:
        raise ValidationError({"kind": "Choose a kind of shift."})
    if end <= start:
        raise ValidationError({"end": "The shift must end after it starts."})
    if end - start > MAX_SHIFT:
        raise ValidationError(
            {"end": "A shift can be at most 48 hours long; check the date and times."}
        )
    if start >= _horizon(program):
        raise ValidationError(
            {"date": "Shifts can be logged up to the end of the current week, not later."}
        )
    clash = _overlapping(fellow, start, end, exclude_pk)
    if clash is not None:
        raise ValidationError(
            f"This shift overlaps your {clash.get_kind_display().lower()} shift from "
            f"{_when(program, clash.start)} to {_when(program, clash.end)}. "
            "Change its times or edit the other shift."
        )


def shift_add(
    *,
    actor,
    fellow: Membership,
    start: datetime.datetime,
    end: datetime.datetime,
    kind: str,
    source: str = Shift.Source.LOGGED,
) -> Shift:
    """Log one shift for ``fellow`` (the actor is the fellow)."""
    _require_fellow(actor, fellow)
    with transaction.atomic():
        Membership.objects.select_for_update().filter(pk=fellow.pk).first()  # one writer a fellow
        if Shift.objects.filter(fellow=fellow, start=start, end=end, kind=kind).exists():
            raise ValidationError("This shift is already logged.")
        _check_shift(fellow, start, end, kind)
        shift = Shift(
            program=fellow.program,
            fellow=fellow,
            start=start,
            end=end,
            kind=kind,
            source=source,
            created_by=actor,
        )
        shift.full_clean()
        shift.save()
        audit_record(
            actor=actor,
            action="work_shift.add",
            obj=shift,
            changes={"start": start.isoformat(), "end": end.isoformat(), "kind": kind},
        )
    return shift


def shift_edit(
    *, actor, shift: Shift, start: datetime.datetime, end: datetime.datetime, kind: str
) -> Shift:
    """Change a shift's times or kind (the fellow's own shifts only)."""
    _require_fellow(actor, shift.fellow)
    with transaction.atomic():
        Membership.objects.select_for_update().filter(pk=shift.fellow_id).first()
        _check_shift(shift.fellow, start, end, kind, exclude_pk=shift.pk)
        before = {
            "start": shift.start.isoformat(),
            "end": shift.end.isoformat(),
            "kind": shift.kind,
        }
        shift.start, shift.end, shift.kind = start, end, kind
        shift.full_clean()
        shift.save()
        after = {"start": start.isoformat(), "end": end.isoformat(), "kind": kind}
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        audit_record(actor=actor, action="work_shift.edit", obj=shift, changes=changes)
    return shift


def shift_delete(*, actor, shift: Shift) -> None:
    """Remove a shift the fellow logged by mistake."""
    _require_fellow(actor, shift.fellow)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="work_shift.delete",
            obj=shift,
            changes={
                "start": shift.start.isoformat(),
                "end": shift.end.isoformat(),
                "kind": shift.kind,
            },
        )
        shift.delete()


def _add_many(actor, fellow, candidates, action: str, week_start: datetime.date) -> int:
    """Save the candidate (start, end, kind) shifts that fit: inside the limits and overlapping
    neither an existing shift nor an earlier candidate. Returns how many were saved."""
    program = fellow.program
    horizon = _horizon(program)
    with transaction.atomic():
        Membership.objects.select_for_update().filter(pk=fellow.pk).first()
        if not candidates:
            return 0
        low = min(start for start, _, _ in candidates)
        high = max(end for _, end, _ in candidates)
        taken = list(
            Shift.objects.filter(fellow=fellow, start__lt=high, end__gt=low).values_list(
                "start", "end"
            )
        )
        new = []
        for start, end, kind in sorted(candidates):
            if end <= start or end - start > MAX_SHIFT or start >= horizon:
                continue
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            new.append(
                Shift(
                    program=program,
                    fellow=fellow,
                    start=start,
                    end=end,
                    kind=kind,
                    source=Shift.Source.LOGGED,
                    created_by=actor,
                )
            )
        Shift.objects.bulk_create(new)
        if new:
            audit_record(
                actor=actor,
                action=action,
                obj=fellow,
                program=program,
                changes={"week": week_start.isoformat(), "shifts": len(new)},
            )
    return len(new)


def week_copy_previous(*, actor, fellow: Membership, week_start: datetime.date) -> int:
    """ "Same as last week": copy the shifts that started in the week before ``week_start`` to
    the same weekday and wall-clock times this week (so 07:00 stays 07:00 across a clock
    change). Shifts that would overlap one already logged are skipped, so a second run (a
    double tap) copies none. Returns how many were copied."""
    _require_fellow(actor, fellow)
    program = fellow.program
    week_start = week_start_of(week_start)
    low, high = week_bounds(program, week_start - WEEK)
    zone = program.zone
    candidates = []
    for shift in Shift.objects.filter(fellow=fellow, start__gte=low, start__lt=high):
        start = (shift.start.astimezone(zone) + WEEK).astimezone(datetime.UTC)
        end = (shift.end.astimezone(zone) + WEEK).astimezone(datetime.UTC)
        candidates.append((start, end, shift.kind))
    return _add_many(actor, fellow, candidates, "work_week.copy_previous", week_start)


def week_apply_template(*, actor, fellow: Membership, week_start: datetime.date) -> int:
    """Fill the week from Monday ``week_start`` with the fellow's template rows, skipping rows
    that overlap a shift already logged (applying twice adds nothing). Returns how many."""
    _require_fellow(actor, fellow)
    week_start = week_start_of(week_start)
    candidates = [
        (
            *local_span(
                program=fellow.program,
                day=week_start + datetime.timedelta(days=row.weekday),
                start_time=row.start_time,
                end_time=row.end_time,
            ),
            row.kind,
        )
        for row in ShiftTemplate.objects.filter(fellow=fellow)
    ]
    return _add_many(actor, fellow, candidates, "work_week.apply_template", week_start)


def _template_minutes(row: dict) -> tuple[int, int]:
    start = row["weekday"] * 1440 + row["start_time"].hour * 60 + row["start_time"].minute
    length = (row["end_time"].hour * 60 + row["end_time"].minute) - (start % 1440)
    if length <= 0:
        length += 1440
    return start, start + length


def template_save(*, actor, fellow: Membership, rows: list[dict]) -> list[ShiftTemplate]:
    """Replace the fellow's week template with ``rows`` (dicts of weekday, start_time,
    end_time, kind). Rows may not overlap one another, Sunday night into Monday included."""
    _require_fellow(actor, fellow)
    spans = sorted((*_template_minutes(row), n) for n, row in enumerate(rows))
    week = 7 * 1440
    for (_s1, e1, n1), (s2, _e2, n2) in pairwise(spans):
        if s2 < e1:
            raise ValidationError(f"Rows {min(n1, n2) + 1} and {max(n1, n2) + 1} overlap.")
    if len(spans) > 1 and spans[-1][1] > week and spans[-1][1] - week > spans[0][0]:
        raise ValidationError(
            f"Rows {spans[-1][2] + 1} and {spans[0][2] + 1} overlap (Sunday night into Monday)."
        )
    with transaction.atomic():
        before = list(
            ShiftTemplate.objects.filter(fellow=fellow).values_list(
                "weekday", "start_time", "end_time", "kind"
            )
        )
        ShiftTemplate.objects.filter(fellow=fellow).delete()
        saved = []
        for row in rows:
            template = ShiftTemplate(program=fellow.program, fellow=fellow, **row)
            template.full_clean()
            template.save()
            saved.append(template)
        audit_record(
            actor=actor,
            action="work_template.save",
            obj=fellow,
            program=fellow.program,
            changes={"rows": [len(before), len(saved)]},
        )
    return saved


def explanation_save(
    *,
    actor,
    fellow: Membership,
    rule: str,
    period_start: datetime.datetime,
    period_end: datetime.datetime,
    text: str,
) -> FindingExplanation:
    """The fellow explains a finding their shifts currently give (saving again replaces the
    text). A finding that no longer exists cannot be explained."""
    _require_fellow(actor, fellow)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write the explanation."})
    current = {
        (shown.finding.rule, shown.finding.period_start): shown.finding
        for shown in fellow_findings(fellow=fellow, start=period_start, end=period_end + DAY)
    }
    finding = current.get((rule, period_start))
    if finding is None:
        raise ValidationError("That finding is no longer there: your shifts changed. Reload.")
    with transaction.atomic():
        explanation = FindingExplanation.objects.filter(
            fellow=fellow, rule=rule, period_start=period_start
        ).first()
        created = explanation is None
        if created:
            explanation = FindingExplanation(
                program=fellow.program, fellow=fellow, rule=rule, period_start=period_start
            )
        previous = "" if created else explanation.text
        explanation.period_end = finding.period_end
        explanation.text = text
        explanation.full_clean()
        explanation.save()
        audit_record(
            actor=actor,
            action="work_explanation.create" if created else "work_explanation.edit",
            obj=explanation,
            changes={"rule": rule, "text_length": [len(previous), len(text)]},
        )
    return explanation
