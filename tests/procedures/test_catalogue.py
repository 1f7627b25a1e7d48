"""Catalogue and targets: services (every rule) and selectors."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from procedures.models import Guidance, ProcedureCategory, ProcedureTarget, ProcedureType
from procedures.selectors.catalogue import (
    procedure_category_list,
    procedure_type_list,
    target_list,
)
from procedures.services.catalogue import (
    catalogue_load_default,
    default_catalogue,
    procedure_category_create,
    procedure_type_create,
    procedure_type_update,
    target_delete,
    target_set,
)
from tests.procedures.factories import (
    ProcedureCategoryFactory,
    ProcedureLogEntryFactory,
    ProcedureTargetFactory,
    ProcedureTypeFactory,
)

DOMAIN_CATEGORIES = [
    "Epidural steroid injections",
    "Facet",
    "Sacroiliac",
    "Sympathetic",
    "Peripheral nerve and joint",
    "Neuromodulation",
    "Intrathecal drug delivery",
    "Vertebral",
    "Minimally invasive spine",
    "Acute/regional",
]
SHIPPED_TYPES = 49


def new_type(actor, program, category, name="Cryoneurolysis", guidance=("ultrasound",)):
    return procedure_type_create(
        actor=actor,
        program=program,
        category=category,
        name=name,
        allowed_guidance=list(guidance),
        has_level=False,
        has_laterality=True,
    )


# --- Shipped catalogue ------------------------------------------------------------------------


def test_default_catalogue_matches_the_domain_table():
    catalogue = default_catalogue()
    assert [c["name"] for c in catalogue] == DOMAIN_CATEGORIES
    types = {t["name"]: t for c in catalogue for t in c["types"]}
    assert len(types) == sum(len(c["types"]) for c in catalogue) == SHIPPED_TYPES
    tfesi = types["Lumbar transforaminal epidural steroid injection"]
    assert tfesi == {
        "name": "Lumbar transforaminal epidural steroid injection",
        "allowed_guidance": ["fluoroscopy"],
        "has_level": True,
        "has_laterality": True,
    }
    assert types["Stellate ganglion block"]["allowed_guidance"] == [
        "fluoroscopy",
        "ultrasound",
        "ct",
    ]
    assert types["Genicular nerve radiofrequency ablation"]["has_laterality"] is True
    assert types["Genicular nerve radiofrequency ablation"]["has_level"] is False
    assert types["Spinal cord stimulator implant"]["has_level"] is True
    assert types["Vertebroplasty"]["has_level"] is True
    assert types["Trigger point injection"]["allowed_guidance"] == [
        "fluoroscopy",
        "ultrasound",
        "landmark",
    ]
    for procedure in types.values():
        assert procedure["allowed_guidance"]
        assert set(procedure["allowed_guidance"]) <= set(Guidance.values)


def test_load_default_is_idempotent_and_ships_no_targets(ours):
    assert catalogue_load_default(actor=ours.director, program=ours.program) == SHIPPED_TYPES
    categories = list(ProcedureCategory.objects.filter(program=ours.program))
    assert [c.name for c in categories] == DOMAIN_CATEGORIES
    assert ProcedureType.objects.filter(program=ours.program).count() == SHIPPED_TYPES
    assert not ProcedureTarget.objects.exists()

    assert catalogue_load_default(actor=ours.director, program=ours.program) == 0
    assert catalogue_load_default(actor=None, program=ours.program) == 0
    assert ProcedureType.objects.filter(program=ours.program).count() == SHIPPED_TYPES
    assert ProcedureCategory.objects.filter(program=ours.program).count() == len(DOMAIN_CATEGORIES)


def test_load_default_adds_only_what_is_missing_and_keeps_retired(ours):
    facet = ProcedureCategoryFactory(program=ours.program, name="Facet")
    own = ProcedureTypeFactory(program=ours.program, category=facet, name="Medial branch block")
    ProcedureType.objects.filter(pk=own.pk).update(is_active=False, allowed_guidance=["ct"])
    assert catalogue_load_default(actor=None, program=ours.program) == SHIPPED_TYPES - 1
    own.refresh_from_db()
    assert (own.is_active, own.allowed_guidance) == (False, ["ct"])
    assert ProcedureCategory.objects.filter(program=ours.program, name="Facet").count() == 1


def test_load_default_is_per_program_and_director_only(ours, theirs):
    for actor in (ours.coordinator, ours.faculty, ours.fellow, theirs.director):
        with pytest.raises(PermissionDenied):
            catalogue_load_default(actor=actor, program=ours.program)
    assert not ProcedureType.objects.exists()
    catalogue_load_default(actor=ours.director, program=ours.program)
    assert catalogue_load_default(actor=theirs.director, program=theirs.program) == SHIPPED_TYPES


# --- Categories and types ---------------------------------------------------------------------


def test_category_create(ours):
    first = procedure_category_create(actor=ours.director, program=ours.program, name=" Headache ")
    second = procedure_category_create(actor=ours.director, program=ours.program, name="Cancer")
    assert first.name == "Headache"
    assert second.order == first.order + 1
    with pytest.raises(ValidationError, match="already a category"):
        procedure_category_create(actor=ours.director, program=ours.program, name="headache")
    with pytest.raises(ValidationError, match="Enter a name"):
        procedure_category_create(actor=ours.director, program=ours.program, name="  ")


def test_category_create_is_director_only(ours, theirs):
    for actor in (ours.coordinator, ours.faculty, ours.fellow, theirs.director):
        with pytest.raises(PermissionDenied):
            procedure_category_create(actor=actor, program=ours.program, name="X")
    assert not ProcedureCategory.objects.exists()


def test_type_create(ours):
    category = ProcedureCategoryFactory(program=ours.program)
    procedure_type = new_type(
        ours.director, ours.program, category, guidance=["ultrasound", "fluoroscopy", "ultrasound"]
    )
    assert procedure_type.allowed_guidance == ["fluoroscopy", "ultrasound"]
    assert (procedure_type.is_active, procedure_type.has_laterality) == (True, True)
    assert procedure_type.program == ours.program


def test_type_create_rules(ours, theirs):
    category = ProcedureCategoryFactory(program=ours.program)
    foreign = ProcedureCategoryFactory(program=theirs.program)
    ProcedureTypeFactory(program=ours.program, category=category, name="Cryoneurolysis")
    cases = [
        ({"guidance": []}, "at least one guidance"),
        ({"guidance": ["fluoroscopy", "mri"]}, "Unknown guidance: mri"),
        ({"name": "cryoneurolysis"}, "already a procedure type"),
        ({"name": "New", "category": foreign}, "category of this program"),
        ({"name": ""}, "Enter a name"),
    ]
    for kwargs, message in cases:
        arguments = {"name": "New", "guidance": ["ultrasound"], "category": category} | kwargs
        with pytest.raises(ValidationError, match=message):
            new_type(
                ours.director,
                ours.program,
                arguments["category"],
                name=arguments["name"],
                guidance=arguments["guidance"],
            )
    for actor in (ours.coordinator, ours.faculty, ours.fellow, theirs.director):
        with pytest.raises(PermissionDenied):
            new_type(actor, ours.program, category, name="New")
    assert ProcedureType.objects.count() == 1


def test_type_update_and_retire_keep_existing_entries(ours):
    category = ProcedureCategoryFactory(program=ours.program)
    other = ProcedureCategoryFactory(program=ours.program)
    procedure_type = ProcedureTypeFactory(
        program=ours.program, category=category, allowed_guidance=["fluoroscopy"], has_level=True
    )
    entry = ProcedureLogEntryFactory(
        program=ours.program, procedure_type=procedure_type, guidance="fluoroscopy", level="L4-L5"
    )
    procedure_type_update(
        actor=ours.director,
        procedure_type=procedure_type,
        name="Renamed",
        category=other,
        allowed_guidance=["ultrasound"],
        has_level=False,
        has_laterality=True,
        is_active=False,
    )
    procedure_type.refresh_from_db()
    assert (procedure_type.name, procedure_type.category, procedure_type.is_active) == (
        "Renamed",
        other,
        False,
    )
    assert procedure_type.allowed_guidance == ["ultrasound"]
    entry.refresh_from_db()
    assert (entry.procedure_type, entry.guidance, entry.level) == (
        procedure_type,
        "fluoroscopy",
        "L4-L5",
    )
    # Unretire.
    procedure_type_update(
        actor=ours.director,
        procedure_type=procedure_type,
        name="Renamed",
        category=other,
        allowed_guidance=["ultrasound"],
        has_level=False,
        has_laterality=True,
        is_active=True,
    )
    procedure_type.refresh_from_db()
    assert procedure_type.is_active


def test_type_update_rules(ours, theirs):
    category = ProcedureCategoryFactory(program=ours.program)
    procedure_type = ProcedureTypeFactory(program=ours.program, category=category, name="A")
    ProcedureTypeFactory(program=ours.program, category=category, name="B")
    foreign = ProcedureCategoryFactory(program=theirs.program)
    arguments = {
        "procedure_type": procedure_type,
        "name": "A",
        "category": category,
        "allowed_guidance": ["ultrasound"],
        "has_level": False,
        "has_laterality": False,
    }
    # Keeping its own name is fine.
    procedure_type_update(actor=ours.director, **arguments)
    for change, message in [
        ({"name": "b"}, "already a procedure type"),
        ({"category": foreign}, "category of this program"),
        ({"allowed_guidance": []}, "at least one guidance"),
    ]:
        with pytest.raises(ValidationError, match=message):
            procedure_type_update(actor=ours.director, **(arguments | change))
    for actor in (ours.coordinator, ours.faculty, ours.fellow, theirs.director):
        with pytest.raises(PermissionDenied):
            procedure_type_update(actor=actor, **(arguments | {"name": "Changed"}))
    procedure_type.refresh_from_db()
    assert (procedure_type.name, procedure_type.category) == ("A", category)


# --- Targets ----------------------------------------------------------------------------------


def test_target_set_creates_then_updates(ours):
    procedure_type = ProcedureTypeFactory(program=ours.program)
    target = target_set(
        actor=ours.director,
        program=ours.program,
        procedure_type=procedure_type,
        role="performed",
        minimum=20,
    )
    again = target_set(
        actor=ours.director,
        program=ours.program,
        procedure_type=procedure_type,
        role="performed",
        minimum=25,
    )
    assert again.pk == target.pk
    assert ProcedureTarget.objects.get().minimum == 25
    # Another role is another target; so is the category.
    target_set(actor=ours.director, program=ours.program, procedure_type=procedure_type, minimum=30)
    target_set(
        actor=ours.director, program=ours.program, category=procedure_type.category, minimum=50
    )
    target_set(
        actor=ours.director, program=ours.program, category=procedure_type.category, minimum=60
    )
    assert ProcedureTarget.objects.count() == 3
    assert ProcedureTarget.objects.get(category=procedure_type.category).minimum == 60


def test_target_rules(ours, theirs):
    procedure_type = ProcedureTypeFactory(program=ours.program)
    retired = ProcedureTypeFactory(program=ours.program, is_active=False)
    foreign_type = ProcedureTypeFactory(program=theirs.program)
    cases = [
        ({}, "either one procedure type or one category"),
        (
            {"procedure_type": procedure_type, "category": procedure_type.category},
            "either one procedure type or one category",
        ),
        ({"procedure_type": foreign_type}, "procedure type of this program"),
        ({"category": foreign_type.category}, "category of this program"),
        ({"procedure_type": retired}, "retired"),
        ({"procedure_type": procedure_type, "role": "taught"}, "Choose any role"),
        ({"procedure_type": procedure_type, "minimum": 0}, "at least 1"),
        ({"procedure_type": procedure_type, "minimum": -3}, "at least 1"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValidationError, match=message):
            target_set(actor=ours.director, program=ours.program, **({"minimum": 5} | kwargs))
    for actor in (ours.coordinator, ours.faculty, ours.fellow, theirs.director):
        with pytest.raises(PermissionDenied):
            target_set(actor=actor, program=ours.program, procedure_type=procedure_type, minimum=5)
    assert not ProcedureTarget.objects.exists()


def test_target_delete(ours, theirs):
    target = ProcedureTargetFactory(program=ours.program)
    for actor in (ours.coordinator, ours.faculty, ours.fellow, theirs.director):
        with pytest.raises(PermissionDenied):
            target_delete(actor=actor, target=target)
    assert ProcedureTarget.objects.filter(pk=target.pk).exists()
    target_delete(actor=ours.director, target=target)
    assert not ProcedureTarget.objects.filter(pk=target.pk).exists()
    assert ProcedureType.objects.filter(pk=target.procedure_type_id).exists()


# --- Selectors --------------------------------------------------------------------------------


def test_selectors_are_scoped_to_active_members(ours, theirs):
    catalogue_load_default(actor=None, program=ours.program)
    catalogue_load_default(actor=None, program=theirs.program)
    ProcedureType.objects.filter(program=ours.program, name="Kyphoplasty").update(is_active=False)
    target = ProcedureTargetFactory(
        program=ours.program,
        procedure_type=ProcedureType.objects.get(program=ours.program, name="Vertebroplasty"),
    )
    for user in (ours.director, ours.coordinator, ours.faculty, ours.fellow):
        categories = list(procedure_category_list(user=user, program=ours.program))
        assert [c.name for c in categories] == DOMAIN_CATEGORIES
        assert sum(len(c.procedure_types.all()) for c in categories) == SHIPPED_TYPES
        assert procedure_type_list(user=user, program=ours.program).count() == SHIPPED_TYPES
        assert (
            procedure_type_list(user=user, program=ours.program, active_only=True).count()
            == SHIPPED_TYPES - 1
        )
        assert list(target_list(user=user, program=ours.program)) == [target]
    for user in (theirs.director, theirs.fellow):
        assert not procedure_category_list(user=user, program=ours.program).exists()
        assert not procedure_type_list(user=user, program=ours.program).exists()
        assert not target_list(user=user, program=ours.program).exists()
    ours.fellow.memberships.update(is_active=False)
    assert not procedure_type_list(user=ours.fellow, program=ours.program).exists()
