"""Catalogue and targets pages: access matrix, director-only writes, form errors, query counts."""

import pytest
from django.urls import reverse

from curriculum.models import Membership
from procedures.models import ProcedureCategory, ProcedureTarget, ProcedureType
from tests.procedures.factories import (
    ProcedureCategoryFactory,
    ProcedureTargetFactory,
    ProcedureTypeFactory,
)
from tests.role_pages import assert_role_page_access

ALL_ROLES = set(Membership.Role.values)
NOT_DIRECTOR = ("coordinator", "faculty", "fellow")


def url(name, program, **kwargs):
    return reverse(f"procedures:{name}", kwargs={"program_id": program.pk, **kwargs})


def snapshot():
    return (
        list(ProcedureCategory.objects.values_list("pk", "name", "order")),
        list(
            ProcedureType.objects.values_list(
                "pk", "name", "category_id", "allowed_guidance", "is_active"
            )
        ),
        list(ProcedureTarget.objects.values_list("pk", "minimum", "role")),
    )


@pytest.mark.parametrize("name", ["catalogue", "targets"])
def test_pages_are_for_every_member_of_the_program(client, ours, theirs, name):
    assert_role_page_access(client, ours, theirs, url(name, ours.program), ALL_ROLES)


def test_catalogue_page_shows_types_retired_badge_and_director_actions(client, ours):
    category = ProcedureCategoryFactory(program=ours.program, name="Facet")
    ProcedureTypeFactory(
        program=ours.program, category=category, name="Medial branch block", is_active=False
    )
    client.force_login(ours.fellow)
    page = client.get(url("catalogue", ours.program)).content.decode()
    assert "Medial branch block" in page and "Retired" in page
    assert "Fluoroscopy, Ultrasound" in page
    assert "Add a procedure type" not in page and "Edit" not in page

    client.force_login(ours.director)
    page = client.get(url("catalogue", ours.program)).content.decode()
    assert "Add a procedure type" in page
    assert "Load the standard catalogue" not in page  # only offered while empty


def test_director_loads_the_standard_catalogue_from_the_empty_page(client, ours):
    client.force_login(ours.director)
    assert "Load the standard catalogue" in client.get(url("catalogue", ours.program)).text
    response = client.post(url("catalogue_load", ours.program))
    assert response.status_code == 302
    assert ProcedureType.objects.filter(program=ours.program).count() == 49
    client.post(url("catalogue_load", ours.program))
    assert ProcedureType.objects.filter(program=ours.program).count() == 49
    page = client.get(url("catalogue", ours.program)).text
    assert "Lumbar transforaminal epidural steroid injection" in page


def test_director_adds_category_and_type_and_edits_it(client, ours):
    client.force_login(ours.director)
    assert client.get(url("procedure_category_create", ours.program)).status_code == 200
    response = client.post(url("procedure_category_create", ours.program), {"name": "Headache"})
    assert response.status_code == 302
    category = ProcedureCategory.objects.get(program=ours.program, name="Headache")

    assert client.get(url("procedure_type_create", ours.program)).status_code == 200
    response = client.post(
        url("procedure_type_create", ours.program),
        {
            "name": "Sphenopalatine ganglion block",
            "category": category.pk,
            "allowed_guidance": ["fluoroscopy", "landmark"],
            "has_laterality": "on",
        },
    )
    assert response.status_code == 302
    procedure_type = ProcedureType.objects.get(name="Sphenopalatine ganglion block")
    assert procedure_type.allowed_guidance == ["fluoroscopy", "landmark"]
    assert (procedure_type.has_level, procedure_type.has_laterality) == (False, True)

    edit = url("procedure_type_edit", ours.program, type_id=procedure_type.pk)
    assert "Sphenopalatine ganglion block" in client.get(edit).text
    response = client.post(
        edit,
        {
            "name": "SPG block",
            "category": category.pk,
            "allowed_guidance": ["landmark"],
            "has_laterality": "on",
        },  # is_active unticked: retire
    )
    assert response.status_code == 302
    procedure_type.refresh_from_db()
    assert (procedure_type.name, procedure_type.is_active) == ("SPG block", False)


def test_type_form_errors_are_shown_and_nothing_saved(client, ours, theirs):
    category = ProcedureCategoryFactory(program=ours.program)
    ProcedureTypeFactory(program=ours.program, category=category, name="Taken")
    foreign = ProcedureCategoryFactory(program=theirs.program)
    client.force_login(ours.director)
    before = snapshot()
    cases = [
        ({"name": "New", "category": category.pk}, "Choose at least one guidance modality"),
        ({"name": "taken", "category": category.pk, "allowed_guidance": ["ct"]}, "already"),
        ({"name": "New", "category": foreign.pk, "allowed_guidance": ["ct"]}, "valid choice"),
        ({"name": "New", "category": category.pk, "allowed_guidance": ["mri"]}, "valid choice"),
    ]
    for data, message in cases:
        response = client.post(url("procedure_type_create", ours.program), data)
        assert response.status_code == 200
        assert message in response.text
    response = client.post(url("procedure_category_create", ours.program), {"name": ""})
    assert response.status_code == 200 and "required" in response.text
    assert snapshot() == before


def test_director_sets_updates_and_removes_targets(client, ours):
    procedure_type = ProcedureTypeFactory(
        program=ours.program, name="Lumbar transforaminal epidural steroid injection"
    )
    client.force_login(ours.director)
    page = client.get(url("targets", ours.program)).text
    assert f'value="type:{procedure_type.pk}"' in page
    assert f'value="category:{procedure_type.category.pk}"' in page
    assert "<optgroup" in page

    data = {"subject": f"type:{procedure_type.pk}", "role": "performed", "minimum": "20"}
    assert client.post(url("targets", ours.program), data).status_code == 302
    assert client.post(url("targets", ours.program), data | {"minimum": "25"}).status_code == 302
    target = ProcedureTarget.objects.get()
    assert (target.procedure_type, target.role, target.minimum) == (procedure_type, "performed", 25)
    category_data = {"subject": f"category:{procedure_type.category.pk}", "minimum": "40"}
    assert client.post(url("targets", ours.program), category_data).status_code == 302
    assert ProcedureTarget.objects.count() == 2

    page = client.get(url("targets", ours.program)).text
    assert "Performed only" in page and "Any role" in page and "Remove" in page

    response = client.post(url("target_delete", ours.program, target_id=target.pk))
    assert response.status_code == 302
    assert list(ProcedureTarget.objects.values_list("category", flat=True)) == [
        procedure_type.category.pk
    ]


def test_target_form_errors_are_shown_and_nothing_saved(client, ours, theirs):
    procedure_type = ProcedureTypeFactory(program=ours.program)
    retired = ProcedureTypeFactory(program=ours.program, is_active=False)
    foreign = ProcedureTypeFactory(program=theirs.program)
    client.force_login(ours.director)
    cases = [
        ({"subject": f"type:{procedure_type.pk}", "minimum": "0"}, "greater than or equal to 1"),
        ({"subject": "", "minimum": "5"}, "required"),
        ({"subject": f"type:{foreign.pk}", "minimum": "5"}, "valid choice"),
        ({"subject": f"type:{retired.pk}", "minimum": "5"}, "valid choice"),
        ({"subject": f"type:{procedure_type.pk}", "role": "taught", "minimum": "5"}, "valid"),
    ]
    for data, message in cases:
        response = client.post(url("targets", ours.program), data)
        assert response.status_code == 200
        assert message in response.text
    assert not ProcedureTarget.objects.exists()


def test_write_endpoints_are_for_the_director_only_and_404_for_other_members(client, ours, theirs):
    category = ProcedureCategoryFactory(program=ours.program)
    procedure_type = ProcedureTypeFactory(program=ours.program, category=category)
    target = ProcedureTargetFactory(program=ours.program, procedure_type=procedure_type)
    type_data = {"name": "New", "category": category.pk, "allowed_guidance": ["ct"]}
    requests = [
        ("get", url("procedure_type_create", ours.program), None),
        ("post", url("procedure_type_create", ours.program), type_data),
        ("get", url("procedure_type_edit", ours.program, type_id=procedure_type.pk), None),
        (
            "post",
            url("procedure_type_edit", ours.program, type_id=procedure_type.pk),
            type_data | {"is_active": ""},
        ),
        ("get", url("procedure_category_create", ours.program), None),
        ("post", url("procedure_category_create", ours.program), {"name": "New"}),
        ("post", url("catalogue_load", ours.program), {}),
        (
            "post",
            url("targets", ours.program),
            {"subject": f"type:{procedure_type.pk}", "minimum": "99"},
        ),
        ("post", url("target_delete", ours.program, target_id=target.pk), {}),
    ]
    before = snapshot()
    for method, path, data in requests:
        response = getattr(client, method)(path, data or {})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        for role in NOT_DIRECTOR:
            client.force_login(ours.user(role))
            status = getattr(client, method)(path, data or {}).status_code
            assert status == 404, f"{role} got {status} on {method} {path}"
        for role in ALL_ROLES:
            client.force_login(theirs.user(role))
            status = getattr(client, method)(path, data or {}).status_code
            assert status == 404, f"other program's {role} got {status} on {method} {path}"
        client.logout()
    assert snapshot() == before


def test_other_programs_objects_are_404_for_our_director(client, ours, theirs):
    foreign_type = ProcedureTypeFactory(program=theirs.program)
    foreign_target = ProcedureTargetFactory(program=theirs.program)
    client.force_login(ours.director)
    edit = url("procedure_type_edit", ours.program, type_id=foreign_type.pk)
    assert client.get(edit).status_code == 404
    delete = url("target_delete", ours.program, target_id=foreign_target.pk)
    assert client.post(delete).status_code == 404
    assert ProcedureTarget.objects.filter(pk=foreign_target.pk).exists()
    assert client.get(url("catalogue_load", ours.program)).status_code == 405


def _catalogue(program, types):
    ProcedureTarget.objects.all().delete()
    ProcedureType.objects.all().delete()
    ProcedureCategory.objects.all().delete()
    categories = [ProcedureCategoryFactory(program=program) for _ in range(5)]
    for index in range(types):
        category = categories[index % len(categories)]
        ProcedureTypeFactory(program=program, category=category, is_active=index % 7 != 0)
    ProcedureTargetFactory(program=program, procedure_type=ProcedureType.objects.first())
    ProcedureTargetFactory(program=program, procedure_type=None, category=categories[0])


# session, user, program, permission check, then the page's own reads (categories + types,
# or targets; the director's target form adds categories + types).
# The navigation's roles and unread-notification count are one of them.
QUERIES = {
    ("catalogue", "director"): 7,
    ("catalogue", "fellow"): 7,
    ("targets", "director"): 8,
    ("targets", "fellow"): 6,
}


@pytest.mark.parametrize(("name", "role"), list(QUERIES))
def test_query_counts_do_not_grow_with_the_catalogue(
    client, ours, django_assert_num_queries, name, role
):
    client.force_login(ours.user(role))
    for size in (5, 50):
        _catalogue(ours.program, size)
        with django_assert_num_queries(QUERIES[(name, role)]):
            response = client.get(url(name, ours.program))
        assert response.status_code == 200
