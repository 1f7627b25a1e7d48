"""Academic years, cohorts, enrolments and a fellow's pathway. Only a program's director or
coordinator records them."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.services import audit_record, changes_between, field_values
from core.dates import add_months
from curriculum.models import Membership, Program

from ..models import AcademicYear, Cohort, Enrolment, MedicalEducation, Residency
from ..permissions import can_manage_pathway

Status = Enrolment.Status


def enforce_manager(actor, program: Program) -> None:
    """Shared by the calendar services: the same people record the pathway and its deadlines."""
    if actor is not None and not can_manage_pathway(actor, program):
        raise PermissionDenied(
            "Only the program director or coordinator can record cohorts and pathways."
        )


def academic_year_create(
    *,
    actor,
    program: Program,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
) -> AcademicYear:
    """A new academic year; without an end date it runs a full year (July 1 -> June 30)."""
    enforce_manager(actor, program)
    if end_date is not None and end_date <= start_date:
        raise ValidationError({"end_date": "The end date must be after the start date."})
    academic_year = AcademicYear(
        program=program,
        start_date=start_date,
        end_date=end_date or AcademicYear.default_end_date(start_date),
    )
    with transaction.atomic():
        academic_year.full_clean()
        academic_year.save()
    return academic_year


def cohort_create(*, actor, program: Program, academic_year: AcademicYear, name: str) -> Cohort:
    enforce_manager(actor, program)
    cohort = Cohort(program=program, academic_year=academic_year, name=name.strip())
    with transaction.atomic():
        cohort.full_clean()
        cohort.save()
    return cohort


def enrolment_create(
    *,
    actor,
    cohort: Cohort,
    membership: Membership,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    track_months: int = Enrolment.Track.STANDARD,
) -> Enrolment:
    """Enrol an active fellow of the cohort's program.

    The start falls inside the cohort's academic year; without an end date the enrolment runs
    ``track_months`` months (12 or 24), ending the day before.
    """
    enforce_manager(actor, cohort.program)
    if membership.program_id != cohort.program_id:
        raise ValidationError({"membership": "This fellow belongs to another program."})
    if membership.role != Membership.Role.FELLOW:
        raise ValidationError({"membership": "Only a fellow can be enrolled in a cohort."})
    if not membership.is_active:
        raise ValidationError({"membership": "This fellow's membership has been deactivated."})
    year = cohort.academic_year
    if not year.start_date <= start_date <= year.end_date:
        raise ValidationError(
            {"start_date": f"The start date must fall inside the academic year {year.label}."}
        )
    if end_date is None:
        end_date = add_months(start_date, int(track_months)) - datetime.timedelta(days=1)
    elif end_date <= start_date:
        raise ValidationError({"end_date": "The end date must be after the start date."})
    enrolment = Enrolment(
        cohort=cohort,
        membership=membership,
        start_date=start_date,
        end_date=end_date,
        track_months=track_months,
    )
    with transaction.atomic():
        enrolment.full_clean()
        enrolment.save()
        audit_record(
            actor=actor,
            action="enrolment.create",
            obj=enrolment,
            program=cohort.program,
            changes=changes_between(
                {}, field_values(enrolment, ["cohort", "membership", "start_date", "end_date"])
            ),
        )
    return enrolment


def enrolment_set_status(*, actor, enrolment: Enrolment, status: str) -> Enrolment:
    """Move an enrolment to ``status``. Completed and withdrawn are final.

    A leave of absence is only a status here: its dates are leave periods
    (``trainees.services.leave``), which move the expected end date.
    """
    program = enrolment.cohort.program
    enforce_manager(actor, program)
    if status not in Status.values:
        raise ValidationError({"status": f"{status!r} is not an enrolment status."})
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status in Enrolment.FINAL_STATUSES:
            raise ValidationError(
                {"status": f"This enrolment is already {enrolment.get_status_display().lower()}."}
            )
        if status == enrolment.status:
            return enrolment
        before = field_values(enrolment, ["status"])
        enrolment.status = status
        enrolment.full_clean()
        enrolment.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="enrolment.status",
            obj=enrolment,
            program=program,
            changes=changes_between(before, field_values(enrolment, ["status"])),
        )
    return enrolment


def pathway_update(
    *,
    actor,
    membership: Membership,
    medical_education: dict,
    residency: dict,
) -> tuple[MedicalEducation, Residency]:
    """Record a fellow's medical education and residency together: both are saved or neither.

    ``medical_education`` holds degree, school, country, graduation_year; ``residency`` holds
    specialty, program_name, completion_year, board_status.
    """
    enforce_manager(actor, membership.program)
    if membership.role != Membership.Role.FELLOW:
        raise ValidationError({"membership": "Only a fellow has a training pathway."})
    with transaction.atomic():
        education = MedicalEducation.objects.select_for_update().filter(
            membership=membership
        ).first() or MedicalEducation(membership=membership)
        for field in ("degree", "school", "country", "graduation_year"):
            setattr(education, field, medical_education[field])

        background = Residency.objects.select_for_update().filter(
            membership=membership
        ).first() or Residency(membership=membership)
        for field in ("specialty", "program_name", "completion_year", "board_status"):
            setattr(background, field, residency[field])
        # Check both before writing either, so a bad residency never half-saves the pathway.
        errors = {}
        for row in (education, background):
            try:
                row.full_clean()
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
        education.save()
        background.save()
    return education, background
