"""Catalogue and targets pages: every active member of the program reads them; only the
director changes them. Any other member trying a change gets the same 404 as an outsider."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership

from ..forms.catalogue import (
    ProcedureCategoryForm,
    ProcedureSettingsForm,
    ProcedureTypeForm,
    TargetForm,
)
from ..models import Guidance
from ..permissions import can_manage_catalogue
from ..selectors.catalogue import procedure_category_list, procedure_type_list, target_list
from ..services.catalogue import (
    catalogue_load_default,
    procedure_category_create,
    procedure_category_update,
    procedure_settings_get,
    procedure_settings_update,
    procedure_type_create,
    procedure_type_update,
    target_delete,
    target_set,
)

GUIDANCE_LABELS = dict(Guidance.choices)


def catalogue_page(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id)
    categories = list(procedure_category_list(user=request.user, program=program))
    type_count = 0
    for category in categories:
        for procedure_type in category.procedure_types.all():
            procedure_type.guidance_labels = [
                GUIDANCE_LABELS.get(value, value) for value in procedure_type.allowed_guidance
            ]
            type_count += 1
    context = {
        "program": program,
        "categories": categories,
        "type_count": type_count,
        "can_manage": can_manage_catalogue(request.user, program),
    }
    return render(request, "procedures/catalogue.html", context)


@require_POST
def catalogue_load_page(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Membership.Role.DIRECTOR])
    created = catalogue_load_default(actor=request.user, program=program)
    if created:
        messages.success(request, f"Added {created} procedure types from the standard catalogue.")
    else:
        messages.info(request, "The standard catalogue is already loaded.")
    return redirect("procedures:catalogue", program_id=program.pk)


@once_per_submit
def procedure_category_form_page(
    request: HttpRequest, program_id: int, category_id: int | None = None
) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Membership.Role.DIRECTOR])
    category, initial = None, None
    if category_id is not None:
        category = get_object_or_404(
            procedure_category_list(user=request.user, program=program), pk=category_id
        )
        initial = {
            "name": category.name,
            "allows_telecom_supervision": category.allows_telecom_supervision,
        }
    form = ProcedureCategoryForm(request.POST or None, initial=initial, editing=bool(category))
    if request.method == "POST" and form.is_valid():
        try:
            if category is None:
                category = procedure_category_create(
                    actor=request.user, program=program, **form.cleaned_data
                )
            else:
                category = procedure_category_update(
                    actor=request.user, category=category, **form.cleaned_data
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Category {category} saved.")
            return redirect("procedures:catalogue", program_id=program.pk)
    context = {"program": program, "form": form, "category": category}
    return render(request, "procedures/category_form.html", context)


@once_per_submit
def procedure_settings_page(request: HttpRequest, program_id: int) -> HttpResponse:
    """The program's logging options (today: whether the pediatric age band is split)."""
    program = program_for(request.user, program_id, roles=[Membership.Role.DIRECTOR])
    current = procedure_settings_get(program=program)
    form = ProcedureSettingsForm(
        request.POST or None,
        initial={"split_pediatric_age_bands": current.split_pediatric_age_bands},
    )
    if request.method == "POST" and form.is_valid():
        try:
            procedure_settings_update(actor=request.user, program=program, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Procedure log settings saved.")
            return redirect("procedures:catalogue", program_id=program.pk)
    context = {"program": program, "form": form}
    return render(request, "procedures/procedure_settings_form.html", context)


@once_per_submit
def procedure_type_form_page(
    request: HttpRequest, program_id: int, type_id: int | None = None
) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Membership.Role.DIRECTOR])
    procedure_type = None
    initial = {"allowed_guidance": [Guidance.FLUOROSCOPY]}
    if type_id is not None:
        procedure_type = get_object_or_404(
            procedure_type_list(user=request.user, program=program), pk=type_id
        )
        initial = {
            field: getattr(procedure_type, field)
            for field in ("name", "category", "allowed_guidance", "has_level", "has_laterality")
        } | {"is_active": procedure_type.is_active}
    elif request.GET.get("category", "").isdigit():
        initial["category"] = int(request.GET["category"])
    form = ProcedureTypeForm(
        request.POST or None,
        initial=initial,
        program=program,
        editing=procedure_type is not None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if procedure_type is None:
                procedure_type = procedure_type_create(actor=request.user, program=program, **data)
            else:
                procedure_type = procedure_type_update(
                    actor=request.user, procedure_type=procedure_type, **data
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Procedure type {procedure_type} saved.")
            return redirect("procedures:catalogue", program_id=program.pk)
    context = {"program": program, "form": form, "procedure_type": procedure_type}
    return render(request, "procedures/procedure_type_form.html", context)


def targets_page(request: HttpRequest, program_id: int) -> HttpResponse:
    """The program's minimums; the director adds or changes one with the form on this page."""
    program = program_for(request.user, program_id)
    can_manage = can_manage_catalogue(request.user, program)
    if request.method == "POST" and not can_manage:
        raise Http404("No such page.")
    form = None
    if can_manage:
        categories = list(procedure_category_list(user=request.user, program=program))
        form = TargetForm(request.POST or None, program_id=program.pk, categories=categories)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                target = target_set(
                    actor=request.user,
                    program=program,
                    role=data["role"],
                    minimum=data["minimum"],
                    **data["subject"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Target saved: {target}.")
                return redirect("procedures:targets", program_id=program.pk)
    context = {
        "program": program,
        "targets": target_list(user=request.user, program=program),
        "can_manage": can_manage,
        "form": form,
    }
    return render(request, "procedures/targets.html", context)


@require_POST
def target_delete_page(request: HttpRequest, program_id: int, target_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Membership.Role.DIRECTOR])
    target = get_object_or_404(target_list(user=request.user, program=program), pk=target_id)
    target_delete(actor=request.user, target=target)
    messages.success(request, f"Target removed: {target}.")
    return redirect("procedures:targets", program_id=program.pk)
