"""Building forms, requesting assessments, filling drafts, returning them, and the rotation
evaluations the system creates when a block ends (and every few months of a long one).

Signing, acknowledging and amending live in ``signatures``. Every write checks the role
predicates of ``assessments.permissions`` again, calls ``full_clean`` and runs inside
``transaction.atomic``.
"""

import datetime
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from audit.services import audit_record, changes_between, field_values
from core.reasons import clean_reason
from curriculum.models import Membership, MilestoneSet, Program
from curriculum.permissions import has_program_role

from .. import notices
from ..models import NOT_YET_LEVEL_ONE, RATING_LEVELS, Assessment, AssessmentTemplate, Rating
from ..permissions import can_fill, can_manage_templates, can_request

Role = Membership.Role
Status = Assessment.Status
# What a rating form posts for "not yet assessable"; the signed content holds
# ``seals.NOT_ASSESSABLE_SEALED`` instead.
NA_FORM_VALUE = "na"
# What it posts for "Not yet completed Level 1": the stored level 0.0 (``NOT_YET_LEVEL_ONE``), as
# "1.0".."5.0" are; the signed content holds ``seals.NOT_YET_LEVEL_ONE_SEALED``.
NOT_YET_LEVEL_ONE_FORM_VALUE = f"{NOT_YET_LEVEL_ONE:.1f}"

TEMPLATE_FIELDS = ("name", "kind", "milestone_set", "instructions", "is_active")
ROTATION_LOOKBACK_DAYS = 60


# --- Templates -----------------------------------------------------------------------------------


def _check_template_fields(*, program: Program, milestone_set: MilestoneSet, subcompetencies):
    if milestone_set.program_id != program.pk:
        raise ValidationError({"milestone_set": "This milestone set belongs to another program."})
    subcompetencies = list(subcompetencies)
    if not subcompetencies:
        raise ValidationError({"subcompetencies": "Choose at least one subcompetency."})
    foreign = [s.code for s in subcompetencies if s.milestone_set_id != milestone_set.pk]
    if foreign:
        raise ValidationError(
            {
                "subcompetencies": f"Not in {milestone_set}: {', '.join(sorted(foreign))}. "
                "Choose subcompetencies of the form's milestone set."
            }
        )
    return subcompetencies


def _template_values(template: AssessmentTemplate) -> dict:
    """What the audit trail compares: the form's fields and its subcompetencies (by id)."""
    values = field_values(template, TEMPLATE_FIELDS)
    if template.pk is not None:
        values["subcompetencies"] = sorted(template.subcompetencies.values_list("pk", flat=True))
    return values


def _save_template(template: AssessmentTemplate, subcompetencies) -> AssessmentTemplate:
    template.full_clean()
    template.save()
    template.subcompetencies.set(subcompetencies)
    return template


@transaction.atomic
def template_create(
    *,
    actor,
    program: Program,
    name: str,
    kind: str,
    milestone_set: MilestoneSet,
    subcompetencies,
    instructions: str = "",
) -> AssessmentTemplate:
    """The director builds a form from subcompetencies of one of the program's milestone sets."""
    if not can_manage_templates(actor, program):
        raise PermissionDenied("Only the program director builds assessment forms.")
    subs = _check_template_fields(
        program=program, milestone_set=milestone_set, subcompetencies=subcompetencies
    )
    template = AssessmentTemplate(
        program=program,
        milestone_set=milestone_set,
        name=name.strip(),
        kind=kind,
        instructions=instructions.strip(),
    )
    _save_template(template, subs)
    audit_record(
        actor=actor,
        action="assessment_template.create",
        obj=template,
        changes=changes_between({}, _template_values(template)),
    )
    return template


def _refuse_changing_signed_meaning(
    template: AssessmentTemplate, *, kind: str, milestone_set: MilestoneSet
) -> None:
    errors = {}
    if kind != template.kind:
        errors["kind"] = "kind"
    if milestone_set.pk != template.milestone_set_id:
        errors["milestone_set"] = "milestone set"
    if not errors:
        return
    signed = (
        template.assessments.filter(
            Q(status__in=Assessment.LOCKED_STATUSES) | Q(signatures__isnull=False)
        )
        .distinct()
        .count()
    )
    if signed:
        raise ValidationError(
            {
                name: f"{signed} signed assessment(s) use this form, and its {what} is part of "
                "what their assessors signed, so it can no longer change. Version the form "
                "instead: create a new form with the new settings (the same subcompetencies "
                "can be chosen) and take this one out of use."
                for name, what in errors.items()
            }
        )


@transaction.atomic
def template_update(
    *,
    actor,
    template: AssessmentTemplate,
    name: str,
    kind: str,
    milestone_set: MilestoneSet,
    subcompetencies,
    instructions: str = "",
    is_active: bool = True,
) -> AssessmentTemplate:
    """The director edits a form. Signed assessments keep their own ratings (and their hash), so
    changing the list only affects what is asked from now on; deactivating hides it from requests.

    The form's kind and milestone set are part of what every assessor signed on it, so once it
    has a signed assessment they are refused: make a new form (a new version) instead.

    Taking the form out of use is recorded as ``assessment_template.archive``, any other change
    as ``assessment_template.update``; saving without a change records nothing.
    """
    # Locked before the check: a signature being made waits for this edit, or this for it.
    template = AssessmentTemplate.objects.select_for_update().get(pk=template.pk)
    if not can_manage_templates(actor, template.program):
        raise PermissionDenied("Only the program director edits assessment forms.")
    _refuse_changing_signed_meaning(template, kind=kind, milestone_set=milestone_set)
    subs = _check_template_fields(
        program=template.program, milestone_set=milestone_set, subcompetencies=subcompetencies
    )
    before = _template_values(template)
    template.name = name.strip()
    template.kind = kind
    template.milestone_set = milestone_set
    template.instructions = instructions.strip()
    template.is_active = is_active
    _save_template(template, subs)
    changes = changes_between(before, _template_values(template))
    if changes:
        archived = changes.get("is_active") == [True, False]
        audit_record(
            actor=actor,
            action="assessment_template.archive" if archived else "assessment_template.update",
            obj=template,
            changes=changes,
        )
    return template


# --- Requests ------------------------------------------------------------------------------------


def _fellow_membership(actor, program: Program) -> Membership:
    return Membership.objects.select_related("user").get(
        user=actor, program=program, role=Role.FELLOW, is_active=True
    )


@transaction.atomic
def assessment_request(
    *,
    actor,
    template: AssessmentTemplate,
    assessor: Membership | None,
    observed_on: datetime.date,
    procedure_entry=None,
) -> Assessment:
    """A fellow asks a named faculty member (or the director) to assess work just done.

    For a self-assessment form the assessor is the fellow themself (``assessor`` is ignored). A
    second identical open request (same form, assessor and day) returns the existing draft rather
    than a duplicate. The request is due ``program.evaluation_due_days`` after it is made.
    """
    program = template.program
    if not can_request(actor, program):
        raise PermissionDenied("Only an active fellow of the program can request an assessment.")
    fellow = _fellow_membership(actor, program)
    if not template.is_active:
        raise ValidationError({"template": "This form is no longer in use."})
    if template.kind == AssessmentTemplate.Kind.SELF:
        assessor = fellow
    else:
        if assessor is None:
            raise ValidationError({"assessor": "Choose who should assess you."})
        if (
            assessor.program_id != program.pk
            or not assessor.is_active
            or assessor.role not in Membership.TEACHING_ROLES
        ):
            raise ValidationError(
                {"assessor": "Choose an active faculty member or the director of your program."}
            )
        if assessor.user_id == actor.pk:
            raise ValidationError({"assessor": "You cannot assess yourself on this form."})
    today = program.today()
    if observed_on > today:
        raise ValidationError({"observed_on": "The work must already have taken place."})
    if procedure_entry is not None and (
        procedure_entry.fellow_id != fellow.pk or procedure_entry.program_id != program.pk
    ):
        raise ValidationError({"procedure_entry": "Link one of your own procedure entries."})

    open_same = Assessment.objects.select_for_update().filter(
        template=template,
        fellow=fellow,
        assessor=assessor,
        observed_on=observed_on,
        status__in=Assessment.OPEN_STATUSES,
        amends__isnull=True,
    )
    if existing := open_same.first():
        return existing
    assessment = Assessment(
        program=program,
        template=template,
        fellow=fellow,
        assessor=assessor,
        requested_by=actor,
        procedure_entry=procedure_entry,
        observed_on=observed_on,
        due_date=today + datetime.timedelta(days=program.evaluation_due_days),
    )
    assessment.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError:  # a double submit from a second tab won the race
        return open_same.get()
    audit_record(
        actor=actor,
        action="assessment.request",
        obj=assessment,
        changes={"assessor": [None, assessment.assessor_id], "observed_on": [None, observed_on]},
    )
    notices.request_made(assessment)
    return assessment


# --- Filling -------------------------------------------------------------------------------------


def _lock(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("program", "template", "fellow__user", "assessor__user")
        .get(pk=assessment.pk)
    )


def parse_rating(value: str) -> Decimal | str | None:
    """``"3.5"`` -> Decimal, ``"0.0"`` -> ``NOT_YET_LEVEL_ONE`` ("Not yet completed Level 1"),
    ``"na"`` -> NA_FORM_VALUE, ``""`` -> None; anything else fails. A level comes back with one
    decimal place, so "-0" or "3.50" is stored, audited and sealed as 0.0 or 3.5."""
    value = (value or "").strip()
    if not value:
        return None
    if value == NA_FORM_VALUE:
        return NA_FORM_VALUE
    try:
        level = Decimal(value)
    except InvalidOperation:
        level = None
    if level is None or not level.is_finite() or level not in RATING_LEVELS:
        raise ValidationError(
            {
                "ratings": f"{value} is not a milestone level (1.0 to 5.0 in half levels, or "
                "0.0 for not yet completed level 1)."
            }
        )
    return abs(level).quantize(Decimal("0.1"))  # abs: "-0" is 0.0, never a sealed "-0.0"


@transaction.atomic
def assessment_save_draft(*, actor, assessment: Assessment, narrative: str, ratings: dict):
    """The assessor saves the narrative and ratings of an open (draft or returned) assessment.

    ``ratings`` maps subcompetency id to ``"1.0"``..``"5.0"``, ``"0.0"`` (not yet completed
    level 1), ``"na"`` (not yet assessable) or
    ``""`` (no rating: removes one saved before). Only the form's subcompetencies are accepted.
    """
    assessment = _lock(assessment)
    if not can_fill(actor, assessment):
        raise PermissionDenied("Only the named assessor can fill this assessment.")
    if assessment.status in Assessment.CLOSED_STATUSES:
        raise ValidationError("This request is closed: it was declined or expired.")
    if assessment.status not in Assessment.OPEN_STATUSES:
        raise ValidationError("This assessment is signed; amend it to make a correction.")
    allowed = set(assessment.template.subcompetencies.values_list("pk", flat=True))
    parsed = {}
    for key, value in ratings.items():
        sub_id = int(key)
        if sub_id not in allowed:
            raise ValidationError({"ratings": "That subcompetency is not on this form."})
        parsed[sub_id] = parse_rating(value)
    assessment.narrative = (narrative or "").strip()
    assessment.full_clean()
    assessment.save(update_fields=["narrative", "updated_at"])
    for sub_id, value in parsed.items():
        if value is None:
            Rating.objects.filter(assessment=assessment, subcompetency_id=sub_id).delete()
            continue
        na = value == NA_FORM_VALUE
        Rating.objects.update_or_create(
            assessment=assessment,
            subcompetency_id=sub_id,
            defaults={"level": None if na else value, "not_assessable": na},
        )
    return assessment


@transaction.atomic
def assessment_return(*, actor, assessment: Assessment, reason: str) -> Assessment:
    """The director or coordinator sends a draft back to its assessor with a reason (for
    example "the narrative is missing"); it shows in the assessor's queue until it is signed.

    Only drafts can be returned: signed content is read-only and is corrected by amendment.
    """
    reason = clean_reason(reason)
    assessment = _lock(assessment)
    if not has_program_role(actor, assessment.program, Membership.STAFF_ROLES):
        raise PermissionDenied("Only the director or coordinator can return an assessment.")
    if assessment.status != Status.DRAFT:
        raise ValidationError("Only a draft can be returned to its assessor.")
    assessment.status = Status.RETURNED
    assessment.return_reason = reason
    assessment.full_clean()
    assessment.save(update_fields=["status", "return_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="assessment.return",
        obj=assessment,
        changes={"status": [Status.DRAFT, Status.RETURNED], "return_reason": ["", reason]},
    )
    notices.returned(assessment)
    return assessment


# --- End-of-rotation evaluations -----------------------------------------------------------------


def _rotation_assessor(
    block, program: Program, directors: dict, period: tuple[datetime.date, datetime.date]
) -> Membership | None:
    from procedures.models import ProcedureLogEntry

    counts = Counter(
        dict(
            ProcedureLogEntry.objects.filter(
                program=program,
                fellow=block.enrolment.membership,
                performed_on__range=period,
                supervisor__is_active=True,
                supervisor__role__in=Membership.TEACHING_ROLES,
            )
            .values_list("supervisor")
            .annotate(n=Count("pk"))
            .values_list("supervisor", "n")
        )
    )
    if counts:
        # Most entries first; ties go to the lower membership id so reruns choose the same person.
        supervisor_id = min(counts, key=lambda pk: (-counts[pk], pk))
        return Membership.objects.get(pk=supervisor_id)
    if program.pk not in directors:
        directors[program.pk] = (
            Membership.objects.filter(program=program, role=Role.DIRECTOR, is_active=True)
            .order_by("pk")
            .first()
        )
    return directors[program.pk]


def rotation_evaluations_create(*, today: datetime.date | None = None) -> int:
    """Create the rotation evaluations whose day has passed by ``today`` (within the last 60
    days) and that do not exist yet; returns how many were created. Safe to run any number of
    times. Without ``today``, each program's own date in its time zone.

    Every block gets one at its end; an experience longer than the program's
    ``evaluation_interval_months`` (block or longitudinal) also gets an interim one at the end of
    each interval before it (ACGME Common Program Requirements V.A.1.b).(1): at least every three
    months), observed on the interval's last day (``trainees.services.calendar``'s periods).

    The models hold no rotation-to-faculty link, so the assessor is the faculty member (or the
    director) who supervised most of the fellow's logged procedures during the evaluated period,
    ties to the longest-standing membership; with no such entries, the program director. Programs
    without an active end-of-rotation form are skipped. The due date is the program calendar's
    deadline for that period when there is one (``rotation-eval:<block id>`` for the end), else
    the observed day plus ``program.evaluation_due_days``. One evaluation per form, block and
    period: an existing one observed within the period (by any assessor) is left alone, and a
    row created concurrently is caught by the unique constraint.
    """
    from trainees.models import Deadline, Enrolment, ScheduleBlock
    from trainees.services.calendar import block_evaluation_keys, block_evaluation_periods

    lookback = datetime.timedelta(days=ROTATION_LOOKBACK_DAYS)
    # Every program's date is within a day of the UTC date (zones run from UTC-12 to UTC+14), so
    # the query takes that window and each evaluation is judged by its program's own date below.
    utc_today = timezone.now().astimezone(datetime.UTC).date()
    latest = today or utc_today + datetime.timedelta(days=1)
    earliest = today or utc_today - datetime.timedelta(days=1)
    blocks = (
        ScheduleBlock.objects.filter(
            start_date__lt=latest,
            end_date__gte=earliest - lookback,
            enrolment__membership__is_active=True,
        )
        .exclude(enrolment__status=Enrolment.Status.WITHDRAWN)
        .select_related("rotation", "enrolment__membership", "enrolment__cohort__program")
        .order_by("end_date", "pk")
    )
    templates: dict[int, AssessmentTemplate | None] = {}
    directors: dict[int, Membership | None] = {}
    program_days: dict[int, datetime.date] = {}
    created = 0
    for block in blocks:
        program = block.enrolment.cohort.program
        program_today = today or program_days.setdefault(program.pk, program.today())
        period_ends = block_evaluation_periods(block, program.evaluation_interval_months)
        periods = [
            (period_start, period_end, key)
            for period_start, period_end, key in zip(
                [
                    block.start_date,
                    *(day + datetime.timedelta(days=1) for day in period_ends[:-1]),
                ],
                period_ends,
                block_evaluation_keys(block, period_ends),
                strict=True,
            )
            if program_today - lookback <= period_end < program_today
        ]
        if not periods:
            continue
        if program.pk not in templates:
            templates[program.pk] = (
                AssessmentTemplate.objects.filter(
                    program=program, kind=AssessmentTemplate.Kind.END_OF_ROTATION, is_active=True
                )
                .order_by("pk")
                .first()
            )
        template = templates[program.pk]
        if template is None:
            continue
        observed = list(
            Assessment.objects.filter(
                template=template, schedule_block=block, amends__isnull=True
            ).values_list("observed_on", flat=True)
        )
        for period_start, period_end, key in periods:
            # An evaluation observed within the period covers it (after the block's end, too:
            # the block was shortened after its evaluation), so moving a block's dates does not
            # bring a second one.
            last = period_end == block.end_date
            if any(period_start <= day and (last or day <= period_end) for day in observed):
                continue
            created += _rotation_evaluation_create(
                block=block,
                program=program,
                template=template,
                assessor=_rotation_assessor(block, program, directors, (period_start, period_end)),
                observed_on=period_end,
                deadline=Deadline.objects.filter(program=program, key=key).first(),
            )
    return created


def _rotation_evaluation_create(
    *, block, program: Program, template, assessor, observed_on, deadline
) -> int:
    """Create one rotation evaluation; 1 when created, 0 when it cannot be or already exists."""
    if assessor is None:
        return 0
    due_date = (
        deadline.due_date
        if deadline
        else observed_on + datetime.timedelta(days=program.evaluation_due_days)
    )
    assessment = Assessment(
        program=program,
        template=template,
        fellow=block.enrolment.membership,
        assessor=assessor,
        schedule_block=block,
        observed_on=observed_on,
        due_date=due_date,
    )
    assessment.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError:  # another run created it meanwhile (or an identical open request)
        return 0
    return 1
