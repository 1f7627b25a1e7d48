"""Writes for learning objectives: objectives and their resources, who teaches on a rotation,
and a fellow's progress (marked met, withdrawn, confirmed by a teacher)."""

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, field_values
from curriculum.models import Membership, Program, Rotation

from ..models import LearningObjective, ObjectiveProgress, ObjectiveResource, RotationTeacher
from ..permissions import can_confirm_objective, can_manage_objectives, can_manage_teachers
from .common import enforce

Role = Membership.Role

# settings.MAX_UPLOAD_BYTES (the request-size guard for uploads) must let this much through.
MAX_RESOURCE_BYTES = 10 * 1024 * 1024
# extension -> (content type, how the file starts)
RESOURCE_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (b"PK\x03\x04",),
    ),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}


def _enforce_objectives(actor, program: Program) -> None:
    enforce(
        actor is None or can_manage_objectives(actor, program),
        "Only the program director or coordinator can change learning objectives.",
    )


def _enforce_teachers(actor, program: Program) -> None:
    enforce(
        actor is None or can_manage_teachers(actor, program),
        "Only the program director says who teaches on a rotation.",
    )


@transaction.atomic
def objective_create(
    *, actor, rotation: Rotation, text: str, seed_domain: str = "", order: int | None = None
) -> LearningObjective:
    _enforce_objectives(actor, rotation.program)
    if order is None:
        order = rotation.learning_objectives.count() + 1
    objective = LearningObjective(
        rotation=rotation, text=(text or "").strip(), seed_domain=seed_domain, order=order
    )
    objective.full_clean()
    objective.save()
    audit_record(
        actor=actor,
        action="didactics.objective.create",
        obj=objective,
        program=rotation.program,
        changes=field_values(objective, ("rotation", "text", "seed_domain", "order")),
    )
    return objective


def _check_upload(upload) -> str:
    """The upload's extension when it is an allowed file of at most 10 MB; else a reason."""
    name = PurePath(upload.name or "").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in RESOURCE_TYPES:
        raise ValidationError(
            {"file": "Upload a PDF, Word (.docx), PowerPoint (.pptx), PNG or JPEG file."}
        )
    if upload.size > MAX_RESOURCE_BYTES:
        limit = MAX_RESOURCE_BYTES // 2**20
        raise ValidationError({"file": f"The file is larger than {limit} MB."})
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(RESOURCE_TYPES[suffix][1]):
        raise ValidationError({"file": f"The file's content is not a {suffix[1:].upper()} file."})
    return name


@transaction.atomic
def resource_add(
    *, actor, objective: LearningObjective, title: str, url: str = "", upload=None
) -> ObjectiveResource:
    """A link or an uploaded file (PDF, DOCX, PPTX, PNG, JPEG; at most 10 MB), not both."""
    program = objective.rotation.program
    _enforce_objectives(actor, program)
    url = (url or "").strip()
    if bool(url) == bool(upload):
        raise ValidationError("Give either a link or a file.")
    resource = ObjectiveResource(objective=objective, title=(title or "").strip(), url=url)
    if upload is not None:
        resource.original_name = _check_upload(upload)
        resource.size = upload.size
        resource.file.save(resource.original_name, upload, save=False)
    try:
        resource.full_clean()
        resource.save()
    except Exception:
        if resource.file:  # nothing half-saved: no file without its row
            resource.file.delete(save=False)
        raise
    audit_record(
        actor=actor,
        action="didactics.resource.add",
        obj=resource,
        program=program,
        changes=field_values(resource, ("objective", "title", "url", "original_name", "size")),
    )
    return resource


@transaction.atomic
def teacher_add(*, actor, rotation: Rotation, faculty: Membership) -> RotationTeacher:
    _enforce_teachers(actor, rotation.program)
    if faculty.program_id != rotation.program_id or faculty.role != Role.FACULTY:
        raise ValidationError({"faculty": "Choose a faculty member of this program."})
    teacher, created = RotationTeacher.objects.get_or_create(rotation=rotation, faculty=faculty)
    if created:
        audit_record(
            actor=actor,
            action="didactics.teacher.add",
            obj=teacher,
            program=rotation.program,
            changes=field_values(teacher, ("rotation", "faculty")),
        )
    return teacher


@transaction.atomic
def teacher_remove(*, actor, teacher: RotationTeacher) -> None:
    program = teacher.rotation.program
    _enforce_teachers(actor, program)
    audit_record(  # before the delete, while the row still has its id
        actor=actor,
        action="didactics.teacher.remove",
        obj=teacher,
        program=program,
        changes={"rotation": [teacher.rotation_id, None], "faculty": [teacher.faculty_id, None]},
    )
    teacher.delete()


@transaction.atomic
def objective_mark_met(
    *, actor, objective: LearningObjective, note: str = "", fellow: Membership | None = None
) -> ObjectiveProgress:
    """The fellow says they met the objective (idempotent; the note may be updated until a
    teacher confirms it). ``fellow`` is for seeding (``actor=None``)."""
    program = objective.rotation.program
    if actor is not None:
        fellow = Membership.objects.filter(
            user=actor, program=program, role=Role.FELLOW, is_active=True
        ).first()
        enforce(fellow is not None, "Only the program's fellows mark objectives as met.")
    note = (note or "").strip()
    progress = (
        ObjectiveProgress.objects.select_for_update()
        .filter(objective=objective, fellow=fellow)
        .first()
    )
    before = None
    if progress is None:
        progress = ObjectiveProgress(objective=objective, fellow=fellow, met_at=timezone.now())
    elif progress.confirmed_at:
        raise ValidationError("This objective is already confirmed; it cannot change now.")
    else:
        before = progress.note
    progress.note = note
    progress.full_clean(validate_unique=False)
    progress.save()
    if before == note:
        return progress  # marked met already with this note: nothing to record
    audit_record(
        actor=actor,
        action="didactics.objective.mark_met",
        obj=progress,
        program=program,
        changes={"objective": objective.pk, "fellow": fellow.pk, "note": [before, note]},
    )
    return progress


@transaction.atomic
def objective_unmark(*, actor, progress: ObjectiveProgress) -> None:
    """The fellow withdraws a claim that no one has confirmed yet."""
    progress = (
        ObjectiveProgress.objects.select_for_update(of=("self", "fellow"))
        .select_related("fellow__user", "objective__rotation__program")
        .get(pk=progress.pk)
    )
    enforce(progress.fellow.user_id == actor.pk, "Only the fellow can withdraw their claim.")
    if progress.confirmed_at:
        raise ValidationError("This objective is already confirmed; it cannot change now.")
    audit_record(  # before the delete, while the row still has its id
        actor=actor,
        action="didactics.objective.unmark",
        obj=progress,
        program=progress.objective.rotation.program,
        changes={"objective": progress.objective_id, "fellow": progress.fellow_id},
    )
    progress.delete()


@transaction.atomic
def objective_confirm(*, actor, progress: ObjectiveProgress) -> ObjectiveProgress:
    """A teacher of the rotation (or the director) confirms a fellow met the objective."""
    progress = (
        ObjectiveProgress.objects.select_for_update(of=("self",))
        .select_related("objective__rotation__program")
        .get(pk=progress.pk)
    )
    rotation = progress.objective.rotation
    enforce(
        actor is not None and can_confirm_objective(actor, rotation),
        "Only the rotation's teaching faculty or the program director can confirm.",
    )
    if progress.confirmed_at:
        return progress
    progress.confirmed_by = actor
    progress.confirmed_at = timezone.now()
    progress.full_clean(validate_unique=False)
    progress.save(update_fields=["confirmed_by", "confirmed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="didactics.objective.confirm",
        obj=progress,
        program=rotation.program,
        changes={"confirmed_by": [None, actor.pk]},
    )
    return progress
