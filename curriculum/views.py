from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.htmx import render_page_or_partial
from core.once import once_per_submit

from . import milestones
from .access import program_for
from .forms import MilestoneSetImportForm, RotationForm
from .models import Membership
from .permissions import can_manage_curriculum, can_manage_schedule, can_view_audit
from .selectors import (
    membership_list,
    milestone_set_full_list,
    milestone_set_list,
    program_member_list,
    program_role_counts,
    rotation_list,
)
from .services import (
    milestone_set_import,
    milestone_set_load_default,
    rotation_create,
    rotation_update,
)

ROSTER_PAGE_SIZE = 25


def home(request: HttpRequest) -> HttpResponse:
    """Send a person with one role straight to that role's home; otherwise let them choose."""
    memberships = list(membership_list(user=request.user))
    if len(memberships) == 1:
        return redirect(memberships[0].get_absolute_url())
    return render(request, "curriculum/home.html", {"memberships": memberships})


def program_overview(request: HttpRequest, program_id: int) -> HttpResponse:
    """Director and coordinator home: who is in the program, and what is still to set up."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    roster = Paginator(program_member_list(user=request.user, program=program), ROSTER_PAGE_SIZE)
    context = {
        "program": program,
        "role_counts": program_role_counts(program=program),
        "roster_page": roster.get_page(request.GET.get("page")),
        "can_view_audit": can_view_audit(request.user, program),
    }
    return render_page_or_partial(request, "curriculum/program_overview.html", "roster", context)


MILESTONE_CONTENT_TYPES = {
    "yaml": "application/yaml; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


def _milestone_set_list_response(
    request: HttpRequest, program, import_form: MilestoneSetImportForm | None = None
) -> HttpResponse:
    milestone_sets = list(milestone_set_list(user=request.user, program=program))
    can_manage = can_manage_curriculum(request.user, program)
    context = {
        "program": program,
        "milestone_sets": milestone_sets,
        "can_manage": can_manage,
        "default_loaded": any(
            (ms.specialty, ms.version) == (milestones.DEFAULT_SPECIALTY, milestones.DEFAULT_VERSION)
            for ms in milestone_sets
        ),
        "default_name": f"{milestones.DEFAULT_SPECIALTY} {milestones.DEFAULT_VERSION}",
    }
    if can_manage:
        context["import_form"] = import_form or MilestoneSetImportForm(program_id=program.pk)
    return render(request, "curriculum/milestone_set_list.html", context)


def milestone_set_list_page(request: HttpRequest, program_id: int) -> HttpResponse:
    """Every member sees the program's milestone sets; the director also loads and imports."""
    program = program_for(request.user, program_id)
    return _milestone_set_list_response(request, program)


@require_POST
@once_per_submit
def milestone_set_import_page(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id)
    if not can_manage_curriculum(request.user, program):
        raise Http404("No such page.")
    form = MilestoneSetImportForm(request.POST, request.FILES, program_id=program.pk)
    if form.is_valid():
        try:
            milestone_set = milestone_set_import(
                actor=request.user,
                program=program,
                content=form.cleaned_data["content"],
                file_format=form.cleaned_data["file_format"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Imported {milestone_set}.")
            return redirect(milestone_set.get_absolute_url())
    return _milestone_set_list_response(request, program, import_form=form)


@require_POST
def milestone_set_load_default_page(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id)
    if not can_manage_curriculum(request.user, program):
        raise Http404("No such page.")
    milestone_set = milestone_set_load_default(actor=request.user, program=program)
    messages.success(request, f"{milestone_set} is loaded.")
    return redirect(milestone_set.get_absolute_url())


def milestone_set_detail_page(request: HttpRequest, program_id: int, set_id: int) -> HttpResponse:
    """Competencies, subcompetencies, their seed domains and level descriptors."""
    program = program_for(request.user, program_id)
    milestone_set = get_object_or_404(
        milestone_set_full_list(user=request.user, program=program), pk=set_id
    )
    context = {"program": program, "milestone_set": milestone_set}
    return render(request, "curriculum/milestone_set_detail.html", context)


def milestone_set_export(
    request: HttpRequest, program_id: int, set_id: int, file_format: str
) -> HttpResponse:
    program = program_for(request.user, program_id)
    milestone_set = get_object_or_404(
        milestone_set_full_list(user=request.user, program=program), pk=set_id
    )
    content = milestones.dump(milestones.milestone_set_to_data(milestone_set), file_format)
    filename = (
        f"{slugify(milestone_set.specialty)}-milestones-{milestone_set.version}.{file_format}"
    )
    response = HttpResponse(content, content_type=MILESTONE_CONTENT_TYPES[file_format])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- Rotations ---------------------------------------------------------------------------------


def rotation_list_page(request: HttpRequest, program_id: int) -> HttpResponse:
    """The program's rotations; any member reads them, directors and coordinators edit."""
    program = program_for(request.user, program_id)
    context = {
        "program": program,
        "rotations": rotation_list(user=request.user, program=program),
        "can_edit": can_manage_schedule(request.user, program),
    }
    return render(request, "curriculum/rotation_list.html", context)


@once_per_submit
def rotation_form_page(
    request: HttpRequest, program_id: int, rotation_id: int | None = None
) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    rotation = None
    if rotation_id is not None:
        rotation = get_object_or_404(
            rotation_list(user=request.user, program=program), pk=rotation_id
        )
    initial = {"is_active": True}
    if rotation is not None:
        initial = {
            field: getattr(rotation, field)
            for field in (
                "name",
                "short_name",
                "discipline",
                "site",
                "is_longitudinal",
                "is_active",
            )
        } | {"subcompetencies": list(rotation.subcompetencies.all())}
    form = RotationForm(request.POST or None, initial=initial, program=program)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if rotation is None:
                data.pop("is_active")
                rotation = rotation_create(actor=request.user, program=program, **data)
            else:
                rotation = rotation_update(actor=request.user, rotation=rotation, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Rotation {rotation} saved.")
            return redirect("curriculum:rotation_list", program_id=program.pk)
    context = {"program": program, "form": form, "rotation": rotation}
    return render(request, "curriculum/rotation_form.html", context)
