"""Learning objectives: the rotations' objectives, resources and their files, who teaches, and
a fellow marking an objective met (and a teacher confirming it)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership, Rotation

from .. import selectors
from ..forms import MarkMetForm, ObjectiveForm, ResourceForm, TeacherForm
from ..models import LearningObjective, ObjectiveProgress, RotationTeacher
from ..permissions import (
    FELLOW_ROLES,
    TEACHER_MANAGER_ROLES,
    can_confirm_objective,
    can_manage_objectives,
    can_manage_teachers,
)
from ..services.objectives import (
    RESOURCE_TYPES,
    objective_confirm,
    resource_add,
)
from ..services.objectives import (
    objective_create as objective_create_service,
)
from ..services.objectives import (
    objective_mark_met as objective_mark_met_service,
)
from ..services.objectives import (
    objective_unmark as objective_unmark_service,
)
from ..services.objectives import (
    teacher_add as teacher_add_service,
)
from ..services.objectives import (
    teacher_remove as teacher_remove_service,
)
from .common import error_text, form_page, url

STAFF = Membership.STAFF_ROLES


def objectives_view(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id)
    fellow = selectors.fellow_list(program=program).filter(user=request.user).first()
    mine = {p.rotation.pk: p for p in selectors.objective_progress(fellow=fellow)} if fellow else {}
    rotations = selectors.rotation_list(user=request.user, program=program)
    context = {"program": program, "rows": [(r, mine.get(r.pk)) for r in rotations]}
    return render(request, "didactics/objectives.html", context)


def _rotation(request: HttpRequest, program, rotation_id: int) -> Rotation:
    return get_object_or_404(
        selectors.rotation_list(user=request.user, program=program), pk=rotation_id
    )


def rotation_objectives(request: HttpRequest, program_id: int, rotation_id: int) -> HttpResponse:
    program = program_for(request.user, program_id)
    rotation = _rotation(request, program, rotation_id)
    fellow = selectors.fellow_list(program=program).filter(user=request.user).first()
    can_confirm = can_confirm_objective(request.user, rotation)
    context = {
        "program": program,
        "rotation": rotation,
        "objectives": selectors.objective_list(rotation=rotation, fellow=fellow),
        "fellow": fellow,
        "can_manage": can_manage_objectives(request.user, program),
        "can_manage_teachers": can_manage_teachers(request.user, program),
        "can_confirm": can_confirm,
        "pending": selectors.pending_confirmation_list(rotation=rotation) if can_confirm else [],
        "teachers": selectors.teacher_list(rotation=rotation),
        "teacher_form": TeacherForm(program=program),
    }
    return render(request, "didactics/rotation_objectives.html", context)


@once_per_submit
def objective_create(request: HttpRequest, program_id: int, rotation_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=STAFF)
    rotation = _rotation(request, program, rotation_id)
    form = ObjectiveForm(request.POST or None)
    back = url("rotation_objectives", program_id=program.pk, rotation_id=rotation.pk)
    if request.method == "POST" and form.is_valid():
        try:
            objective_create_service(actor=request.user, rotation=rotation, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Objective added.")
            return redirect(back)
    title = f"New objective for {rotation.name}"
    return form_page(request, program=program, form=form, title=title, back_url=back)


def _objective(program, objective_id: int) -> LearningObjective:
    return get_object_or_404(
        LearningObjective.objects.filter(rotation__program=program).select_related(
            "rotation__program"
        ),
        pk=objective_id,
    )


@once_per_submit
def resource_create(request: HttpRequest, program_id: int, objective_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=STAFF)
    objective = _objective(program, objective_id)
    form = ResourceForm(request.POST or None, request.FILES or None)
    back = objective.get_absolute_url()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resource_add(
                actor=request.user,
                objective=objective,
                title=data["title"],
                url=data["url"],
                upload=data["file"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Resource added.")
            return redirect(back)
    title = f"New resource for “{objective.text}”"
    return form_page(
        request, program=program, form=form, title=title, back_url=back, multipart=True
    )


def resource_file(request: HttpRequest, program_id: int, resource_id: int) -> FileResponse:
    """An uploaded resource, to the program's members only (never a public media URL)."""
    program = program_for(request.user, program_id)
    resource = get_object_or_404(
        selectors.resource_list(user=request.user, program=program).exclude(file=""),
        pk=resource_id,
    )
    suffix = "." + resource.file.name.rsplit(".", 1)[-1].lower()
    content_type = RESOURCE_TYPES.get(suffix, ("application/octet-stream",))[0]
    return FileResponse(
        resource.file.open("rb"),
        as_attachment=True,
        filename=resource.original_name or resource.file.name,
        content_type=content_type,
    )


def _objective_for_fellow(request: HttpRequest, program_id: int, objective_id: int):
    program = program_for(request.user, program_id, roles=FELLOW_ROLES)
    return program, _objective(program, objective_id)


@require_POST
def objective_mark_met(request: HttpRequest, program_id: int, objective_id: int) -> HttpResponse:
    _, objective = _objective_for_fellow(request, program_id, objective_id)
    form = MarkMetForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Keep the note to 500 characters.")
        objective_mark_met_service(
            actor=request.user, objective=objective, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"Marked met: {objective.text}. Faculty will confirm it.")
    return redirect(objective.get_absolute_url())


@require_POST
def objective_unmark(request: HttpRequest, program_id: int, objective_id: int) -> HttpResponse:
    _, objective = _objective_for_fellow(request, program_id, objective_id)
    progress = get_object_or_404(
        ObjectiveProgress.objects.filter(objective=objective, fellow__user=request.user)
    )
    try:
        objective_unmark_service(actor=request.user, progress=progress)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, f"No longer marked met: {objective.text}.")
    return redirect(objective.get_absolute_url())


@require_POST
def progress_confirm(request: HttpRequest, program_id: int, progress_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.TEACHING_ROLES)
    progress = get_object_or_404(selectors.progress_list(program=program), pk=progress_id)
    if not can_confirm_objective(request.user, progress.objective.rotation):
        raise Http404("No such objective.")
    objective_confirm(actor=request.user, progress=progress)
    messages.success(request, f"Confirmed for {progress.fellow.user}: {progress.objective.text}.")
    return redirect(progress.objective.get_absolute_url())


@require_POST
@once_per_submit
def teacher_add(request: HttpRequest, program_id: int, rotation_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=TEACHER_MANAGER_ROLES)
    rotation = _rotation(request, program, rotation_id)
    form = TeacherForm(request.POST, program=program)
    back = url("rotation_objectives", program_id=program.pk, rotation_id=rotation.pk)
    if form.is_valid():
        teacher = teacher_add_service(
            actor=request.user, rotation=rotation, faculty=form.cleaned_data["faculty"]
        )
        messages.success(
            request, f"{teacher.faculty.user} now confirms {rotation.name} objectives."
        )
    else:
        messages.error(request, "Choose a faculty member of this program.")
    return redirect(back)


@require_POST
def teacher_remove(request: HttpRequest, program_id: int, teacher_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=TEACHER_MANAGER_ROLES)
    teacher = get_object_or_404(
        RotationTeacher.objects.filter(rotation__program=program).select_related(
            "rotation__program", "faculty__user"
        ),
        pk=teacher_id,
    )
    teacher_remove_service(actor=request.user, teacher=teacher)
    messages.success(request, f"{teacher.faculty.user} removed from {teacher.rotation.name}.")
    return redirect(
        url("rotation_objectives", program_id=program.pk, rotation_id=teacher.rotation_id)
    )
