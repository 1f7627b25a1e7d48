"""The fellows' schedule: which rotation each fellow is on, when. Directors and coordinators
change it; every change is in the audit trail."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.services import audit_record, changes_between, field_values
from curriculum.models import Program, Rotation
from curriculum.permissions import can_manage_schedule

from ..models import Deadline, Enrolment, ScheduleBlock
from .calendar import GENERATED_TITLE, _plan_values, _rotation_plan

# What the audit trail records of a block when it is added or removed.
AUDITED_FIELDS = ["enrolment", "rotation", "start_date", "end_date"]


def _enforce_schedule_manager(actor, program: Program) -> None:
    if actor is not None and not can_manage_schedule(actor, program):
        raise PermissionDenied("Only the program director or coordinator can change rotations.")


def _check_block(
    *,
    enrolment: Enrolment,
    rotation: Rotation,
    start_date,
    end_date,
    editing: ScheduleBlock | None = None,
) -> None:
    """The rules every block meets, whether added or edited. ``editing`` is the block being
    changed: it may not clash with itself, and may keep a rotation retired since it was booked.
    Call with the enrolment locked."""
    if enrolment.status in Enrolment.FINAL_STATUSES:
        raise ValidationError(
            f"This enrolment is {enrolment.get_status_display().lower()}; "
            "its schedule is kept as history and cannot change."
        )
    if rotation.program_id != enrolment.cohort.program_id:
        raise ValidationError({"rotation": "This rotation belongs to another program."})
    if not rotation.is_active and (editing is None or editing.rotation_id != rotation.pk):
        raise ValidationError({"rotation": f"{rotation} is retired; choose another rotation."})
    if end_date < start_date:
        raise ValidationError({"end_date": "The block cannot end before it starts."})
    if start_date < enrolment.start_date or end_date > enrolment.expected_end_date:
        raise ValidationError(
            f"The block must fall within the fellow's enrolment "
            f"({enrolment.start_date:%b %d, %Y} to {enrolment.expected_end_date:%b %d, %Y})."
        )
    if not rotation.is_longitudinal:
        clash = (
            ScheduleBlock.objects.filter(
                enrolment=enrolment,
                rotation__is_longitudinal=False,
                start_date__lte=end_date,
                end_date__gte=start_date,
            )
            .exclude(pk=editing.pk if editing else None)
            .select_related("rotation")
            .first()
        )
        if clash is not None:
            raise ValidationError(
                f"This overlaps {clash.rotation} ({clash.start_date:%b %d} to "
                f"{clash.end_date:%b %d, %Y}). Main rotations may not overlap; shorten or "
                "remove that block first, or mark the rotation as longitudinal."
            )


def schedule_block_create(
    *, actor, enrolment: Enrolment, rotation: Rotation, start_date, end_date
) -> ScheduleBlock:
    """Put a fellow on a rotation. Main rotations may not overlap each other; longitudinal
    clinics may run beside them. The block must fall inside the fellow's enrolment."""
    program = enrolment.cohort.program
    _enforce_schedule_manager(actor, program)
    with transaction.atomic():
        # Lock the enrolment so two editors cannot book overlapping blocks at the same moment.
        enrolment = (
            Enrolment.objects.select_for_update().select_related("cohort").get(pk=enrolment.pk)
        )
        _check_block(
            enrolment=enrolment, rotation=rotation, start_date=start_date, end_date=end_date
        )
        block = ScheduleBlock(
            enrolment=enrolment, rotation=rotation, start_date=start_date, end_date=end_date
        )
        block.full_clean()
        block.save()
        audit_record(
            actor=actor,
            action="schedule_block.create",
            obj=block,
            program=program,
            changes=changes_between({}, field_values(block, AUDITED_FIELDS)),
        )
    return block


def schedule_block_delete(*, actor, block: ScheduleBlock) -> None:
    """Remove a block and the calendar deadlines generated from it. A deadline the director
    edited or added by hand is never dropped silently: the block stays until it is dealt with."""
    program = block.enrolment.cohort.program
    _enforce_schedule_manager(actor, program)
    with transaction.atomic():
        block = ScheduleBlock.objects.select_for_update().get(pk=block.pk)
        if block.enrolment.status in Enrolment.FINAL_STATUSES:
            raise ValidationError("This enrolment is finished; its schedule is kept as history.")
        deadlines = block.deadlines.all()
        if deadlines.filter(is_edited=True).exists() or deadlines.filter(key="").exists():
            raise ValidationError(
                "A deadline you edited in the program calendar depends on this block; "
                "change or remove it there first."
            )
        # Recorded before the delete, while the block still has its id.
        audit_record(
            actor=actor,
            action="schedule_block.delete",
            obj=block,
            program=program,
            changes=changes_between(field_values(block, AUDITED_FIELDS), {}),
        )
        deadlines.delete()
        block.delete()


def schedule_block_update(
    *, actor, block: ScheduleBlock, rotation: Rotation, start_date, end_date
) -> ScheduleBlock:
    """Change a block's rotation or dates in place, under the same rules as adding one. The
    block keeps its id, so what hangs off it stays linked: its end-of-rotation evaluations and
    the calendar's deadlines for it.

    Once an evaluation of the block is signed, the rotation cannot change (a signed record
    about that rotation must stay true); the dates still can, and the evaluations keep the day
    they observed. The calendar's generated deadlines for the block follow its new dates; a
    deadline the director edited is left as it is (as ``calendar_generate`` does)."""
    program = block.enrolment.cohort.program
    _enforce_schedule_manager(actor, program)
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update()
            .select_related("cohort", "membership__user")
            .get(pk=block.enrolment_id)
        )
        block = (
            ScheduleBlock.objects.select_for_update().select_related("rotation").get(pk=block.pk)
        )
        _check_block(
            enrolment=enrolment,
            rotation=rotation,
            start_date=start_date,
            end_date=end_date,
            editing=block,
        )
        if (
            rotation.pk != block.rotation_id
            and block.assessments.filter(signed_at__isnull=False).exists()
        ):
            raise ValidationError(
                {
                    "rotation": f"An evaluation of this {block.rotation} block is already "
                    "signed, so its rotation cannot change. You can still change its dates."
                }
            )
        before = field_values(block, AUDITED_FIELDS)
        block.rotation, block.start_date, block.end_date = rotation, start_date, end_date
        block.enrolment = enrolment
        changes = changes_between(before, field_values(block, AUDITED_FIELDS))
        if not changes:
            return block
        block.full_clean()
        block.save()
        _refresh_block_deadlines(program, block)
        audit_record(
            actor=actor,
            action="schedule_block.update",
            obj=block,
            program=program,
            changes=changes,
        )
    return block


def _refresh_block_deadlines(program: Program, block: ScheduleBlock) -> None:
    """Move the calendar's generated deadlines of an edited block to its new dates. Only when
    the calendar was generated for it already: until then ``calendar_generate`` creates them."""
    generated = {d.key: d for d in block.deadlines.select_for_update().exclude(key="")}
    if not generated:
        return
    academic_year = block.enrolment.cohort.academic_year
    for planned in _rotation_plan(program, block):
        deadline = generated.pop(planned.key, None)
        if deadline is None:
            deadline = Deadline(program=program, key=planned.key)
        elif deadline.is_edited:
            continue
        for field, value in _plan_values(planned, academic_year).items():
            setattr(deadline, field, value)
        deadline.full_clean(exclude=GENERATED_TITLE)
        deadline.save()
    for deadline in generated.values():  # e.g. a shorter longitudinal block has fewer periods
        if not deadline.is_edited:
            deadline.delete()
