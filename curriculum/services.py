"""Writes for programs, memberships, milestone sets and rotations (the fellows' schedule of
blocks is written next to its model, in the pathway app).

``actor=None`` means the system (seeding, commands).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import milestones
from .models import (
    Competency,
    LevelDescriptor,
    Membership,
    MilestoneSet,
    Program,
    Rotation,
    Subcompetency,
)
from .permissions import can_manage_curriculum, can_manage_roster, can_manage_schedule


def program_create(*, actor, name: str, institution: str, timezone: str) -> Program:
    """A new program; only the system or a superuser (the GME office) creates programs."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied("Only the GME office can create a program.")
    program = Program(name=name.strip(), institution=institution.strip(), timezone=timezone)
    with transaction.atomic():
        program.full_clean()
        program.save()
    return program


def membership_grant(*, actor, program: Program, user, role: str) -> Membership:
    """Give ``user`` a role in ``program``; re-activates a deactivated membership.

    Idempotent: granting a role the person already holds returns the existing row unchanged.
    """
    if actor is not None and not can_manage_roster(actor, program):
        raise PermissionDenied("Only the program director or coordinator can change the roster.")
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(program=program, user=user, role=role)
            .first()
        )
        if membership is None:
            membership = Membership(program=program, user=user, role=role)
            membership.full_clean()
            membership.save()
        elif not membership.is_active:
            membership.is_active = True
            membership.save(update_fields=["is_active", "updated_at"])
    return membership


def milestone_set_import(
    *, actor, program: Program, content: str, file_format: str
) -> MilestoneSet:
    """Load a milestone set from a YAML or CSV file: all of it, or nothing.

    Raises ``ValidationError`` listing every problem in the file, or naming the version when the
    program already has it (a loaded set is never overwritten: ratings point at it).
    """
    if actor is not None and not can_manage_curriculum(actor, program):
        raise PermissionDenied("Only the program director can import milestones.")
    data = milestones.parse(content, file_format)
    with transaction.atomic():
        # Serialise loads per program so two imports of one version cannot both pass the check.
        Program.objects.select_for_update().filter(pk=program.pk).first()
        if _milestone_set_existing(program=program, data=data) is not None:
            raise ValidationError(
                f"{data.specialty} Milestones {data.version} is already loaded for this "
                "program; give the new file another version."
            )
        return _milestone_set_create(program=program, data=data)


def milestone_set_load_default(*, actor, program: Program) -> MilestoneSet:
    """Load the Pain Medicine Milestones 2.0 shipped with the app; idempotent."""
    if actor is not None and not can_manage_curriculum(actor, program):
        raise PermissionDenied("Only the program director can load milestones.")
    data = milestones.parse(milestones.default_set_content(), "yaml")
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=program.pk).first()
        existing = _milestone_set_existing(program=program, data=data)
        if existing is not None:
            return existing
        return _milestone_set_create(program=program, data=data)


def _milestone_set_existing(*, program: Program, data) -> MilestoneSet | None:
    return MilestoneSet.objects.filter(
        program=program, specialty=data.specialty, version=data.version
    ).first()


def _milestone_set_create(*, program: Program, data) -> MilestoneSet:
    """Save a parsed set; call inside ``transaction.atomic`` after the version check."""
    milestone_set = MilestoneSet(
        program=program,
        specialty=data.specialty,
        version=data.version,
        effective_date=data.effective_date,
    )
    milestone_set.full_clean()
    milestone_set.save()
    for competency_order, competency_data in enumerate(data.competencies, start=1):
        competency = Competency(
            milestone_set=milestone_set,
            code=competency_data.code,
            name=competency_data.name,
            order=competency_order,
        )
        # The set is brand new and the parser already refused repeated codes, so the unique
        # checks (one query each) cannot fail here; the database constraints still hold.
        competency.full_clean(validate_constraints=False)
        competency.save()
        for order, sub_data in enumerate(competency_data.subcompetencies, start=1):
            subcompetency = Subcompetency(
                milestone_set=milestone_set,
                competency=competency,
                code=sub_data.code,
                title=sub_data.title,
                summary=sub_data.summary,
                seed_domains=list(sub_data.seed_domains),
                order=order,
            )
            subcompetency.full_clean(validate_constraints=False)
            subcompetency.save()
            descriptors = [
                LevelDescriptor(subcompetency=subcompetency, level=level, text=text)
                for level, text in zip(milestones.LEVELS, sub_data.levels, strict=True)
            ]
            for descriptor in descriptors:
                descriptor.full_clean(validate_constraints=False)
            LevelDescriptor.objects.bulk_create(descriptors)
    return milestone_set


def _enforce_schedule_manager(actor, program: Program) -> None:
    if actor is not None and not can_manage_schedule(actor, program):
        raise PermissionDenied("Only the program director or coordinator can change rotations.")


def _rotation_save(*, rotation: Rotation, subcompetencies) -> Rotation:
    foreign = [s for s in subcompetencies if s.milestone_set.program_id != rotation.program_id]
    if foreign:
        raise ValidationError({"subcompetencies": "Choose subcompetencies of this program."})
    with transaction.atomic():
        rotation.full_clean()
        rotation.save()
        rotation.subcompetencies.set(subcompetencies)
    return rotation


def rotation_create(
    *,
    actor,
    program: Program,
    name: str,
    short_name: str,
    discipline: str,
    site: str = "",
    is_longitudinal: bool = False,
    subcompetencies=(),
) -> Rotation:
    _enforce_schedule_manager(actor, program)
    rotation = Rotation(
        program=program,
        name=name.strip(),
        short_name=short_name.strip(),
        discipline=discipline,
        site=site.strip(),
        is_longitudinal=is_longitudinal,
    )
    return _rotation_save(rotation=rotation, subcompetencies=list(subcompetencies))


def rotation_update(
    *,
    actor,
    rotation: Rotation,
    name: str,
    short_name: str,
    discipline: str,
    site: str = "",
    is_longitudinal: bool = False,
    is_active: bool = True,
    subcompetencies=(),
) -> Rotation:
    """Change a rotation; retiring it (``is_active=False``) keeps every block scheduled in it."""
    _enforce_schedule_manager(actor, rotation.program)
    rotation.name, rotation.short_name = name.strip(), short_name.strip()
    rotation.discipline, rotation.site = discipline, site.strip()
    rotation.is_longitudinal, rotation.is_active = is_longitudinal, is_active
    return _rotation_save(rotation=rotation, subcompetencies=list(subcompetencies))
