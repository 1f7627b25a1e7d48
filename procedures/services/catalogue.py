"""Writes for a program's procedure catalogue (categories, types) and its targets.

The catalogue ships as data (``procedures/data/catalogue.yaml``) and each program edits its own
copy: it may add types and retire others; retiring never touches an entry already logged.
Targets are program-defined minimums; no national minimums are assumed. Every change is
recorded in the audit trail, with the fields it changed.
"""

from pathlib import Path

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from audit.services import audit_record, audit_record_each, changes_between, field_values
from curriculum.models import Program

from ..models import (
    Guidance,
    ProcedureCategory,
    ProcedureLogEntry,
    ProcedureSettings,
    ProcedureTarget,
    ProcedureType,
)
from ..permissions import can_manage_catalogue

DEFAULT_CATALOGUE_PATH = Path(__file__).resolve().parent.parent / "data" / "catalogue.yaml"
TARGET_ROLES = ("", *ProcedureLogEntry.Role.values)
# What the audit trail records of a category or a type when it is added or changed.
CATEGORY_FIELDS = ("name", "order", "allows_telecom_supervision")
SETTINGS_FIELDS = ("split_pediatric_age_bands",)
TYPE_FIELDS = (
    "name",
    "category",
    "allowed_guidance",
    "has_level",
    "has_laterality",
    "is_active",
    "order",
)


def _enforce_manager(actor, program: Program) -> None:
    """``actor=None`` is the system (seeding, commands); a person must be the director."""
    if actor is not None and not can_manage_catalogue(actor, program):
        raise PermissionDenied("Only the program director can change the catalogue and targets.")


def _created(obj, fields) -> dict:
    """The audit diff of a new row: every recorded field, from nothing to its value."""
    return changes_between({}, field_values(obj, fields))


def _clean_guidance(values) -> list[str]:
    """The chosen modalities in ``Guidance`` order; at least one, each a known value."""
    chosen = set(values or ())
    unknown = sorted(str(value) for value in chosen - set(Guidance.values))
    if unknown:
        raise ValidationError(
            {"allowed_guidance": f"Unknown guidance: {', '.join(unknown)}."}, code="invalid"
        )
    if not chosen:
        raise ValidationError(
            {"allowed_guidance": "Choose at least one guidance modality."}, code="required"
        )
    return [value for value in Guidance.values if value in chosen]


def _clean_name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({field: "Enter a name."}, code="required")
    return name


# --- Shipped catalogue ------------------------------------------------------------------------


def default_catalogue() -> list[dict]:
    """The shipped catalogue as ``[{name, allows_telecom_supervision, types: [{name,
    allowed_guidance, has_level, has_laterality}]}]``, each type's guidance already filled in
    from its category."""
    data = yaml.safe_load(DEFAULT_CATALOGUE_PATH.read_text(encoding="utf-8"))
    categories = []
    for category in data["categories"]:
        types = [
            {
                "name": item["name"],
                "allowed_guidance": _clean_guidance(
                    item.get("allowed_guidance", category["allowed_guidance"])
                ),
                "has_level": bool(item.get("has_level", False)),
                "has_laterality": bool(item.get("has_laterality", False)),
            }
            for item in category["types"]
        ]
        categories.append(
            {
                "name": category["name"],
                "allows_telecom_supervision": bool(
                    category.get("allows_telecom_supervision", True)
                ),
                "types": types,
            }
        )
    return categories


def catalogue_load_default(*, actor, program: Program) -> int:
    """Add the shipped categories and types the program does not have yet (matched by name);
    idempotent, and it never changes or revives what the program already has (a type it
    retired stays retired). Returns how many types were created."""
    _enforce_manager(actor, program)
    catalogue = default_catalogue()
    created = 0
    new_categories, new_types = [], []
    with transaction.atomic():
        # One loader at a time per program, so two clicks cannot create the same names twice.
        Program.objects.select_for_update().filter(pk=program.pk).first()
        categories = {c.name: c for c in ProcedureCategory.objects.filter(program=program)}
        type_names = set(
            ProcedureType.objects.filter(program=program).values_list("name", flat=True)
        )
        next_order = max((c.order for c in categories.values()), default=0) + 1
        for category_data in catalogue:
            category = categories.get(category_data["name"])
            if category is None:
                category = ProcedureCategory(
                    program=program,
                    name=category_data["name"],
                    order=next_order,
                    allows_telecom_supervision=category_data["allows_telecom_supervision"],
                )
                next_order += 1
                category.full_clean()
                category.save()
                new_categories.append((category, _created(category, CATEGORY_FIELDS)))
                categories[category.name] = category
            for order, type_data in enumerate(category_data["types"], start=1):
                if type_data["name"] in type_names:
                    continue
                procedure_type = ProcedureType(
                    program=program, category=category, order=order, **type_data
                )
                procedure_type.full_clean()
                procedure_type.save()
                new_types.append((procedure_type, _created(procedure_type, TYPE_FIELDS)))
                type_names.add(procedure_type.name)
                created += 1
        audit_record_each(
            actor=actor, action="procedure_category.create", changes_by_object=new_categories
        )
        audit_record_each(actor=actor, action="procedure_type.create", changes_by_object=new_types)
    return created


# --- Categories and types ---------------------------------------------------------------------


def procedure_category_create(
    *, actor, program: Program, name: str, allows_telecom_supervision: bool = True
) -> ProcedureCategory:
    _enforce_manager(actor, program)
    name = _clean_name(name)
    with transaction.atomic():
        if ProcedureCategory.objects.filter(program=program, name__iexact=name).exists():
            raise ValidationError({"name": f"There is already a category called {name}."})
        last = ProcedureCategory.objects.filter(program=program).aggregate(last=Max("order"))
        category = ProcedureCategory(
            program=program,
            name=name,
            order=(last["last"] or 0) + 1,
            allows_telecom_supervision=allows_telecom_supervision,
        )
        category.full_clean()
        category.save()
        audit_record(
            actor=actor,
            action="procedure_category.create",
            obj=category,
            changes=_created(category, CATEGORY_FIELDS),
        )
    return category


def procedure_category_update(
    *, actor, category: ProcedureCategory, name: str, allows_telecom_supervision: bool
) -> ProcedureCategory:
    """Rename a category or change whether its entries may record direct supervision through
    telecommunication. Entries already logged keep the level they record; the rule applies to
    entries logged or edited from now on. Saving without a change records nothing."""
    program = category.program
    _enforce_manager(actor, program)
    name = _clean_name(name)
    with transaction.atomic():
        category = ProcedureCategory.objects.select_for_update().get(pk=category.pk)
        duplicates = ProcedureCategory.objects.filter(program=program, name__iexact=name)
        if duplicates.exclude(pk=category.pk).exists():
            raise ValidationError({"name": f"There is already a category called {name}."})
        before = field_values(category, CATEGORY_FIELDS)
        category.name = name
        category.allows_telecom_supervision = allows_telecom_supervision
        category.full_clean()
        category.save()
        changes = changes_between(before, field_values(category, CATEGORY_FIELDS))
        if changes:
            audit_record(
                actor=actor, action="procedure_category.update", obj=category, changes=changes
            )
    return category


# --- Program settings -------------------------------------------------------------------------


def procedure_settings_get(*, program: Program) -> ProcedureSettings:
    """The program's procedure settings; an unsaved row with the defaults when it has none."""
    found = ProcedureSettings.objects.filter(program=program).first()
    return found or ProcedureSettings(program=program)


def procedure_settings_update(
    *, actor, program: Program, split_pediatric_age_bands: bool
) -> ProcedureSettings:
    """Change how the program logs procedures. Splitting the pediatric age band changes what new
    entries offer; entries already logged as "Under 18" keep that band."""
    _enforce_manager(actor, program)
    with transaction.atomic():
        Program.objects.select_for_update().filter(pk=program.pk).first()
        settings = procedure_settings_get(program=program)
        before = field_values(settings, SETTINGS_FIELDS)
        settings.split_pediatric_age_bands = split_pediatric_age_bands
        settings.full_clean()
        settings.save()
        changes = changes_between(before, field_values(settings, SETTINGS_FIELDS))
        if changes:
            audit_record(
                actor=actor, action="procedure_settings.update", obj=settings, changes=changes
            )
    return settings


def _check_type(
    *, program: Program, category: ProcedureCategory, name: str, exclude_pk: int | None = None
) -> None:
    if category is None or category.program_id != program.pk:
        raise ValidationError({"category": "Choose a category of this program."})
    duplicates = ProcedureType.objects.filter(program=program, name__iexact=name)
    if exclude_pk is not None:
        duplicates = duplicates.exclude(pk=exclude_pk)
    if duplicates.exists():
        raise ValidationError({"name": f"There is already a procedure type called {name}."})


def procedure_type_create(
    *,
    actor,
    program: Program,
    category: ProcedureCategory,
    name: str,
    allowed_guidance: list[str],
    has_level: bool = False,
    has_laterality: bool = False,
) -> ProcedureType:
    """Add a program's own procedure type to one of its categories."""
    _enforce_manager(actor, program)
    name = _clean_name(name)
    guidance = _clean_guidance(allowed_guidance)
    with transaction.atomic():
        _check_type(program=program, category=category, name=name)
        last = ProcedureType.objects.filter(category=category).aggregate(last=Max("order"))
        procedure_type = ProcedureType(
            program=program,
            category=category,
            name=name,
            allowed_guidance=guidance,
            has_level=has_level,
            has_laterality=has_laterality,
            order=(last["last"] or 0) + 1,
        )
        procedure_type.full_clean()
        procedure_type.save()
        audit_record(
            actor=actor,
            action="procedure_type.create",
            obj=procedure_type,
            changes=_created(procedure_type, TYPE_FIELDS),
        )
    return procedure_type


def procedure_type_update(
    *,
    actor,
    procedure_type: ProcedureType,
    name: str,
    category: ProcedureCategory,
    allowed_guidance: list[str],
    has_level: bool,
    has_laterality: bool,
    is_active: bool = True,
) -> ProcedureType:
    """Change a type or retire it (``is_active=False``). Entries already logged against it are
    never touched: they keep their type, guidance, level and side as recorded. Retiring is
    recorded as ``procedure_type.archive``, any other change as ``procedure_type.update``;
    saving without a change records nothing."""
    program = procedure_type.program
    _enforce_manager(actor, program)
    name = _clean_name(name)
    guidance = _clean_guidance(allowed_guidance)
    with transaction.atomic():
        _check_type(program=program, category=category, name=name, exclude_pk=procedure_type.pk)
        before = field_values(procedure_type, TYPE_FIELDS)
        procedure_type.name, procedure_type.category = name, category
        procedure_type.allowed_guidance = guidance
        procedure_type.has_level, procedure_type.has_laterality = has_level, has_laterality
        procedure_type.is_active = is_active
        procedure_type.full_clean()
        procedure_type.save()
        changes = changes_between(before, field_values(procedure_type, TYPE_FIELDS))
        if changes:
            archived = changes.get("is_active") == [True, False]
            audit_record(
                actor=actor,
                action="procedure_type.archive" if archived else "procedure_type.update",
                obj=procedure_type,
                changes=changes,
            )
    return procedure_type


# --- Targets ----------------------------------------------------------------------------------


def target_set(
    *,
    actor,
    program: Program,
    procedure_type: ProcedureType | None = None,
    category: ProcedureCategory | None = None,
    role: str = "",
    minimum: int,
) -> ProcedureTarget:
    """Set the program's minimum for one procedure type or one category, optionally counting
    only one role. Setting it again for the same subject and role changes the minimum."""
    _enforce_manager(actor, program)
    if (procedure_type is None) == (category is None):
        raise ValidationError("Choose either one procedure type or one category, not both.")
    if procedure_type is not None:
        if procedure_type.program_id != program.pk:
            raise ValidationError({"procedure_type": "Choose a procedure type of this program."})
        if not procedure_type.is_active:
            raise ValidationError(
                {"procedure_type": f"{procedure_type} is retired; targets need an active type."}
            )
    if category is not None and category.program_id != program.pk:
        raise ValidationError({"category": "Choose a category of this program."})
    role = role or ""
    if role not in TARGET_ROLES:
        raise ValidationError({"role": "Choose any role, performed, assisted or observed."})
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
        raise ValidationError({"minimum": "The minimum must be a whole number of at least 1."})
    with transaction.atomic():
        # Serialise target writes per program so two saves cannot both create the same target.
        Program.objects.select_for_update().filter(pk=program.pk).first()
        target = (
            ProcedureTarget.objects.filter(
                program=program, procedure_type=procedure_type, category=category, role=role
            )
            .order_by("pk")  # the default ordering joins nullable relations: no FOR UPDATE
            .select_for_update()
            .first()
        )
        previous = None
        if target is None:
            target = ProcedureTarget(
                program=program, procedure_type=procedure_type, category=category, role=role
            )
        else:
            previous = target.minimum
        target.minimum = minimum
        target.full_clean()
        target.save()
        if previous != minimum:
            audit_record(
                actor=actor,
                action="procedure_target.set",
                obj=target,
                changes={"minimum": [previous, minimum]},
            )
    return target


def target_delete(*, actor, target: ProcedureTarget) -> None:
    _enforce_manager(actor, target.program)
    with transaction.atomic():
        # Re-read under a lock: the trail records the minimum being deleted, not a stale copy.
        target = (
            ProcedureTarget.objects.filter(pk=target.pk).order_by("pk").select_for_update().get()
        )
        audit_record(
            actor=actor,
            action="procedure_target.delete",
            obj=target,
            changes={"minimum": [target.minimum, None]},
        )
        target.delete()
