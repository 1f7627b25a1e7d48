"""Writes of the annual program evaluation: the committee, the reviews, their action items,
signing, and the graduates' outcomes. Each checks its rule, runs ``full_clean`` and records an
audit event, inside one transaction."""

import datetime
import hmac

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.seals import confirm_identity
from audit.services import audit_record
from curriculum.models import Membership, Program
from trainees.models import AcademicYear

from .evidence import year_evidence
from .models import ActionItem, AnnualProgramEvaluation, GraduateOutcome, ProgramEvaluationCommittee
from .permissions import can_manage_outcomes, can_write_evaluations
from .seals import evaluation_hash, evaluation_seal
from .selectors import evaluation_record, previous_evaluation

Role = Membership.Role
MIN_FACULTY = 2  # ACGME CPR V.C.1.a: at least two program faculty members
FACULTY_ROLES = (Role.DIRECTOR, Role.FACULTY)
SIGNED = "This review is signed and can no longer be changed."


def _require_director(actor, program: Program) -> None:
    if not can_write_evaluations(actor, program):
        raise PermissionDenied("Only the program director changes the program evaluation.")


def committee_composition_problems(*, program: Program, members) -> list[str]:
    """Why ``members`` cannot be the program's PEC (empty when they can): at least two program
    faculty members (the director counts as one) and at least one fellow, unless the program
    has no active fellow (ACGME Common Program Requirements V.C.1.a)."""
    problems = []
    if any(m.program_id != program.pk or not m.is_active for m in members):
        problems.append("Members must be active members of this program.")
    faculty = sum(m.role in FACULTY_ROLES for m in members)
    if faculty < MIN_FACULTY:
        problems.append(
            f"Name at least {MIN_FACULTY} program faculty members (the director counts as "
            f"one); {faculty} named."
        )
    has_fellows = Membership.objects.filter(
        program=program, role=Role.FELLOW, is_active=True
    ).exists()
    if has_fellows and not any(m.role == Role.FELLOW for m in members):
        problems.append("Name at least one fellow: the committee includes a fellow.")
    return problems


@transaction.atomic
def committee_update(*, actor, program: Program, members) -> ProgramEvaluationCommittee:
    """The director names the Program Evaluation Committee."""
    _require_director(actor, program)
    members = list(members)
    problems = committee_composition_problems(program=program, members=members)
    if problems:
        raise ValidationError({"members": problems})
    committee, _ = ProgramEvaluationCommittee.objects.select_for_update().get_or_create(
        program=program
    )
    before = sorted(committee.members.values_list("pk", flat=True))
    committee.full_clean()
    committee.save()
    committee.members.set(members)
    after = sorted(m.pk for m in members)
    if before != after:
        audit_record(
            actor=actor,
            action="pec_committee.update",
            obj=committee,
            changes={"members": [before, after]},
        )
    return committee


@transaction.atomic
def evaluation_open(
    *, actor, program: Program, academic_year: AcademicYear
) -> tuple[AnnualProgramEvaluation, bool]:
    """Open the review of ``academic_year`` (or return the one already open: a double submit
    makes one). A new review starts with last year's action items that are still open or in
    progress, carried as new items linked to them (``carried_from``). Returns (review, created)."""
    _require_director(actor, program)
    if academic_year.program_id != program.pk:
        raise ValidationError({"academic_year": "This academic year belongs to another program."})
    Program.objects.select_for_update().get(pk=program.pk)  # one opener at a time
    existing = AnnualProgramEvaluation.objects.filter(
        program=program, academic_year=academic_year
    ).first()
    if existing is not None:
        return existing, False
    evaluation = AnnualProgramEvaluation(program=program, academic_year=academic_year)
    evaluation.full_clean()
    evaluation.save()
    previous = previous_evaluation(evaluation)
    carried = []
    if previous is not None:
        for item in previous.action_items.filter(status__in=ActionItem.CARRIED_STATUSES):
            copy = ActionItem(
                evaluation=evaluation,
                title=item.title,
                description=item.description,
                owner_id=item.owner_id,
                owner_name=item.owner_name,
                due_on=item.due_on,
                status=item.status,
                carried_from=item,
            )
            copy.full_clean()
            carried.append(copy)
        ActionItem.objects.bulk_create(carried)
    audit_record(
        actor=actor,
        action="program_evaluation.open",
        obj=evaluation,
        changes={
            "academic_year": [None, academic_year.label],
            "carried_items": [None, [item.carried_from_id for item in carried]],
        },
    )
    return evaluation, True


def _locked(evaluation: AnnualProgramEvaluation) -> AnnualProgramEvaluation:
    evaluation = (
        AnnualProgramEvaluation.objects.select_for_update(of=("self",))
        .select_related("program", "academic_year")
        .get(pk=evaluation.pk)
    )
    if evaluation.is_signed:
        raise ValidationError(SIGNED)
    return evaluation


RECORD_FIELDS = ("held_on", "strengths", "weaknesses", "notes")


@transaction.atomic
def evaluation_update(
    *,
    actor,
    evaluation: AnnualProgramEvaluation,
    held_on: datetime.date | None,
    members_present,
    strengths: str,
    weaknesses: str,
    notes: str,
) -> AnnualProgramEvaluation:
    """The director records the meeting and the committee's findings on a draft."""
    _require_director(actor, evaluation.program)
    evaluation = _locked(evaluation)
    program = evaluation.program
    present = list(members_present)
    committee = ProgramEvaluationCommittee.objects.filter(program=program).first()
    members = set(committee.members.values_list("pk", flat=True)) if committee else set()
    if any(m.pk not in members for m in present):
        raise ValidationError(
            {"members_present": "Only members of the committee can be marked present."}
        )
    if held_on is not None and held_on > program.today():
        raise ValidationError({"held_on": "Record the meeting once it has taken place."})
    before = {name: getattr(evaluation, name) for name in RECORD_FIELDS}
    before_present = sorted(evaluation.members_present.values_list("pk", flat=True))
    evaluation.held_on = held_on
    evaluation.strengths = strengths.strip()
    evaluation.weaknesses = weaknesses.strip()
    evaluation.notes = notes.strip()
    evaluation.full_clean()
    evaluation.save()
    evaluation.members_present.set(present)
    changes = {
        name: [str(before[name] or ""), str(getattr(evaluation, name) or "")]
        for name in RECORD_FIELDS
        if before[name] != getattr(evaluation, name)
    }
    after_present = sorted(m.pk for m in present)
    if before_present != after_present:
        changes["members_present"] = [before_present, after_present]
    if changes:
        audit_record(
            actor=actor, action="program_evaluation.update", obj=evaluation, changes=changes
        )
    return evaluation


def _check_owner(program: Program, owner: Membership | None, owner_name: str) -> None:
    if owner is not None and (owner.program_id != program.pk or not owner.is_active):
        raise ValidationError({"owner": "The owner must be an active member of this program."})
    if owner is not None and owner_name:
        raise ValidationError({"owner_name": "Choose a member or type a name, not both."})
    if owner is None and not owner_name:
        raise ValidationError({"owner": "Name who owns the item: a member, or type a name."})


ITEM_FIELDS = ("title", "description", "owner_id", "owner_name", "due_on", "status", "status_note")


@transaction.atomic
def action_item_create(
    *,
    actor,
    evaluation: AnnualProgramEvaluation,
    title: str,
    description: str = "",
    owner: Membership | None = None,
    owner_name: str = "",
    due_on: datetime.date | None = None,
    status: str = ActionItem.Status.OPEN,
    status_note: str = "",
) -> ActionItem:
    """The director adds an item to a draft review's action plan."""
    _require_director(actor, evaluation.program)
    evaluation = _locked(evaluation)
    owner_name = owner_name.strip()
    _check_owner(evaluation.program, owner, owner_name)
    item = ActionItem(
        evaluation=evaluation,
        title=title.strip(),
        description=description.strip(),
        owner=owner,
        owner_name=owner_name,
        due_on=due_on,
        status=status,
        status_note=status_note.strip(),
    )
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        action="pec_action_item.create",
        obj=item,
        program=evaluation.program,
        changes={name: [None, str(getattr(item, name) or "")] for name in ITEM_FIELDS},
    )
    return item


@transaction.atomic
def action_item_update(
    *,
    actor,
    item: ActionItem,
    title: str,
    description: str,
    owner: Membership | None,
    owner_name: str,
    due_on: datetime.date | None,
    status: str,
    status_note: str,
) -> ActionItem:
    """The director changes an item (its status above all) while its review is a draft."""
    _require_director(actor, item.evaluation.program)
    evaluation = _locked(item.evaluation)
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    owner_name = owner_name.strip()
    _check_owner(evaluation.program, owner, owner_name)
    before = {name: getattr(item, name) for name in ITEM_FIELDS}
    item.title = title.strip()
    item.description = description.strip()
    item.owner = owner
    item.owner_name = owner_name
    item.due_on = due_on
    item.status = status
    item.status_note = status_note.strip()
    item.full_clean()
    item.save()
    changes = {
        name: [str(before[name] or ""), str(getattr(item, name) or "")]
        for name in ITEM_FIELDS
        if before[name] != getattr(item, name)
    }
    if changes:
        audit_record(
            actor=actor,
            action="pec_action_item.update",
            obj=item,
            program=evaluation.program,
            changes=changes,
        )
    return item


def evaluation_snapshot(evaluation: AnnualProgramEvaluation) -> dict:
    """What a signature freezes: the evidence, the committee's record and its members."""
    committee = ProgramEvaluationCommittee.objects.filter(program_id=evaluation.program_id).first()
    members = (
        committee.members.select_related("user").order_by("role", "user__full_name")
        if committee
        else []
    )
    return {
        "version": 1,
        "program": evaluation.program.name,
        "academic_year": evaluation.academic_year.label,
        "committee": [{"name": m.user.display_name, "role": m.get_role_display()} for m in members],
        "evidence": year_evidence(program=evaluation.program, year=evaluation.academic_year),
        "record": evaluation_record(evaluation),
    }


@transaction.atomic
def evaluation_sign(
    *,
    actor,
    evaluation: AnnualProgramEvaluation,
    password: str | None = None,
    totp_code: str | None = None,
    now: datetime.datetime | None = None,
) -> AnnualProgramEvaluation:
    """The director signs a draft, re-confirming who they are as for every signature: the
    evidence and the record are frozen into the snapshot, hashed and sealed; from then on the
    review and its action items never change."""
    _require_director(actor, evaluation.program)
    try:
        evaluation = _locked(evaluation)
    except ValidationError:
        raise ValidationError("This review is already signed.") from None
    if evaluation.held_on is None:
        raise ValidationError({"held_on": "Record when the committee met before signing."})
    method = confirm_identity(actor, password=password, totp_code=totp_code)
    evaluation.snapshot = evaluation_snapshot(evaluation)
    evaluation.status = AnnualProgramEvaluation.Status.SIGNED
    evaluation.signed_by = actor
    evaluation.signed_at = now or timezone.now()
    evaluation.signature_method = str(method)
    evaluation.content_hash = evaluation_hash(evaluation)
    evaluation.seal = evaluation_seal(evaluation)
    evaluation.full_clean()
    evaluation.save()
    audit_record(
        actor=actor,
        action="program_evaluation.sign",
        obj=evaluation,
        changes={
            "status": [AnnualProgramEvaluation.Status.DRAFT, evaluation.status],
            "content_hash": [None, evaluation.content_hash],
            "seal": [None, evaluation.seal],
        },
    )
    return evaluation


def evaluation_signature_problems() -> list[str]:
    """Every signed review whose hash or seal no longer matches, as sentences."""
    problems = []
    signed = AnnualProgramEvaluation.objects.filter(
        status=AnnualProgramEvaluation.Status.SIGNED
    ).select_related("academic_year", "program")
    for evaluation in signed.order_by("pk"):
        name = f"Annual program evaluation {evaluation.pk} ({evaluation})"
        if not hmac.compare_digest(evaluation.content_hash, evaluation_hash(evaluation)):
            problems.append(f"{name}: its content changed after it was signed")
        if not hmac.compare_digest(evaluation.seal, evaluation_seal(evaluation)):
            problems.append(f"{name}: the signature's seal does not match")
    return problems


def evaluation_signature_check() -> tuple[str, int, list[str]]:
    """For ``manage.py verify_signatures``: the signed annual program evaluations, checked."""
    checked = AnnualProgramEvaluation.objects.filter(
        status=AnnualProgramEvaluation.Status.SIGNED
    ).count()
    return "Annual program evaluation signatures", checked, evaluation_signature_problems()


# --- Graduates' outcomes ------------------------------------------------------------------------

OUTCOME_FIELDS = (
    "graduation_year",
    "graduate_name",
    "fellow_id",
    "board_exam",
    "board_exam_year",
    "first_position",
    "notes",
)


def _require_outcome_writer(actor, program: Program) -> None:
    if not can_manage_outcomes(actor, program):
        raise PermissionDenied("Only the director or coordinator records graduates' outcomes.")


def _check_outcome(outcome: GraduateOutcome) -> None:
    if outcome.fellow_id and (
        outcome.fellow.program_id != outcome.program_id or outcome.fellow.role != Role.FELLOW
    ):
        raise ValidationError({"fellow": "Choose a fellow of this program."})
    if outcome.board_exam_year and outcome.board_exam_year < outcome.graduation_year - 1:
        raise ValidationError(
            {"board_exam_year": "The board exam is taken after graduating, not years before."}
        )
    if outcome.board_exam in (GraduateOutcome.BoardExam.PASSED, GraduateOutcome.BoardExam.FAILED):
        return
    if outcome.board_exam_year:
        raise ValidationError(
            {"board_exam_year": "Give the exam year only for a passed or failed exam."}
        )


def _outcome_save(outcome: GraduateOutcome, fields: dict) -> GraduateOutcome:
    for name, value in fields.items():
        setattr(outcome, name, value.strip() if isinstance(value, str) else value)
    outcome.full_clean()
    _check_outcome(outcome)
    outcome.save()
    return outcome


@transaction.atomic
def outcome_create(*, actor, program: Program, **fields) -> GraduateOutcome:
    """The director or coordinator records a graduate's outcome."""
    _require_outcome_writer(actor, program)
    outcome = _outcome_save(GraduateOutcome(program=program), fields)
    audit_record(
        actor=actor,
        action="graduate_outcome.create",
        obj=outcome,
        changes={name: [None, str(getattr(outcome, name) or "")] for name in OUTCOME_FIELDS},
    )
    return outcome


@transaction.atomic
def outcome_update(*, actor, outcome: GraduateOutcome, **fields) -> GraduateOutcome:
    _require_outcome_writer(actor, outcome.program)
    outcome = GraduateOutcome.objects.select_for_update().get(pk=outcome.pk)
    before = {name: getattr(outcome, name) for name in OUTCOME_FIELDS}
    outcome = _outcome_save(outcome, fields)
    changes = {
        name: [str(before[name] or ""), str(getattr(outcome, name) or "")]
        for name in OUTCOME_FIELDS
        if before[name] != getattr(outcome, name)
    }
    if changes:
        audit_record(actor=actor, action="graduate_outcome.update", obj=outcome, changes=changes)
    return outcome


@transaction.atomic
def outcome_delete(*, actor, outcome: GraduateOutcome) -> None:
    """Remove an outcome entered by mistake (signed reviews keep their own copy)."""
    _require_outcome_writer(actor, outcome.program)
    audit_record(
        actor=actor,
        action="graduate_outcome.delete",
        obj=outcome,
        changes={name: [str(getattr(outcome, name) or ""), None] for name in OUTCOME_FIELDS},
    )
    outcome.delete()
