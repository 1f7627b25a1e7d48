import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from curriculum.models import Membership, Program
from curriculum.services import membership_grant, program_create
from tests.accounts.factories import UserFactory

Role = Membership.Role


@pytest.mark.django_db
def test_program_create_validates_and_saves():
    program = program_create(
        actor=None, name="  Pain Fellowship ", institution="General", timezone="Europe/London"
    )
    assert program.name == "Pain Fellowship"
    with pytest.raises(ValidationError):
        program_create(actor=None, name="Bad", institution="General", timezone="Nowhere/City")
    assert Program.objects.count() == 1


@pytest.mark.django_db
def test_program_create_is_for_the_gme_office_only(ours):
    with pytest.raises(PermissionDenied):
        program_create(actor=ours.director, name="Mine", institution="X", timezone="UTC")
    gme = UserFactory(is_superuser=True)
    assert program_create(actor=gme, name="Mine", institution="X", timezone="UTC").pk


def test_membership_grant_is_idempotent_and_reactivates(ours):
    newcomer = UserFactory()
    first = membership_grant(
        actor=ours.director, program=ours.program, user=newcomer, role="fellow"
    )
    again = membership_grant(
        actor=ours.coordinator, program=ours.program, user=newcomer, role="fellow"
    )
    assert first.pk == again.pk

    Membership.objects.filter(pk=first.pk).update(is_active=False)
    revived = membership_grant(
        actor=ours.director, program=ours.program, user=newcomer, role="fellow"
    )
    assert revived.pk == first.pk and revived.is_active


def test_membership_grant_refuses_non_staff_and_other_programs(ours, theirs):
    newcomer = UserFactory()
    for actor in (ours.faculty, ours.fellow, theirs.director):
        with pytest.raises(PermissionDenied):
            membership_grant(actor=actor, program=ours.program, user=newcomer, role="fellow")
    assert not Membership.objects.filter(user=newcomer).exists()


def test_membership_grant_rejects_an_unknown_role(ours):
    with pytest.raises(ValidationError):
        membership_grant(actor=None, program=ours.program, user=UserFactory(), role="janitor")


# Milestone sets ---------------------------------------------------------------------------------


def milestone_yaml(*, version: str = "1.0") -> str:
    from curriculum import milestones
    from tests.curriculum.test_milestones import small_set

    return milestones.dump_yaml(small_set(version=version))


def milestone_row_counts() -> tuple[int, int, int, int]:
    from curriculum.models import Competency, LevelDescriptor, MilestoneSet, Subcompetency

    return tuple(
        model.objects.count()
        for model in (MilestoneSet, Competency, Subcompetency, LevelDescriptor)
    )


def test_milestone_set_import_saves_the_whole_hierarchy(ours):
    from curriculum.services import milestone_set_import

    milestone_set = milestone_set_import(
        actor=ours.director, program=ours.program, content=milestone_yaml(), file_format="yaml"
    )
    assert milestone_set.program == ours.program and str(milestone_set) == (
        "Pain Medicine Milestones 1.0"
    )
    assert milestone_row_counts() == (1, 2, 3, 15)
    pc1 = milestone_set.subcompetencies.get(code="PC1")
    assert pc1.competency.code == "PC" and pc1.milestone_set == milestone_set
    assert pc1.seed_domains == ["assessment", "interdisciplinary"]
    assert [d.level for d in pc1.levels.order_by("level")] == [1, 2, 3, 4, 5]
    assert [c.order for c in milestone_set.competencies.order_by("order")] == [1, 2]


def test_milestone_set_import_with_one_bad_row_saves_nothing(ours):
    from curriculum.services import milestone_set_import
    from tests.curriculum.test_milestones import csv_row, csv_text

    content = csv_text([csv_row(code="PC1"), csv_row(code="PC2", seeds="surgery")])
    with pytest.raises(ValidationError) as caught:
        milestone_set_import(
            actor=ours.director, program=ours.program, content=content, file_format="csv"
        )
    assert caught.value.messages == [
        "row 3: seed domain 'surgery' is not one of assessment, interventional, pharmacology, "
        "communication, interdisciplinary"
    ]
    assert milestone_row_counts() == (0, 0, 0, 0)


def test_milestone_set_import_refuses_a_version_already_loaded(ours, theirs):
    from curriculum.services import milestone_set_import

    first = milestone_set_import(
        actor=ours.director, program=ours.program, content=milestone_yaml(), file_format="yaml"
    )
    with pytest.raises(ValidationError, match="already loaded"):
        milestone_set_import(
            actor=ours.director, program=ours.program, content=milestone_yaml(), file_format="yaml"
        )
    assert milestone_row_counts() == (1, 2, 3, 15)
    # Another version, or the same version in another program, is fine.
    second = milestone_set_import(
        actor=ours.director,
        program=ours.program,
        content=milestone_yaml(version="1.1"),
        file_format="yaml",
    )
    theirs_set = milestone_set_import(
        actor=theirs.director, program=theirs.program, content=milestone_yaml(), file_format="yaml"
    )
    assert len({first.pk, second.pk, theirs_set.pk}) == 3


def test_only_the_director_may_import_or_load_milestones(ours, theirs):
    from curriculum.services import milestone_set_import, milestone_set_load_default

    for actor in (ours.coordinator, ours.faculty, ours.fellow, theirs.director):
        with pytest.raises(PermissionDenied):
            milestone_set_import(
                actor=actor, program=ours.program, content=milestone_yaml(), file_format="yaml"
            )
        with pytest.raises(PermissionDenied):
            milestone_set_load_default(actor=actor, program=ours.program)
    assert milestone_row_counts() == (0, 0, 0, 0)


def test_milestone_set_load_default_is_idempotent(ours, theirs):
    from curriculum.services import milestone_set_load_default

    first = milestone_set_load_default(actor=ours.director, program=ours.program)
    again = milestone_set_load_default(actor=ours.director, program=ours.program)
    assert first.pk == again.pk
    assert (first.specialty, first.version, str(first.effective_date)) == (
        "Pain Medicine",
        "2.0",
        "2022-07-01",
    )
    assert milestone_row_counts() == (1, 6, 18, 90)
    assert first.subcompetencies.get(code="PC4").seed_domains == ["interventional"]
    # Each program gets its own copy.
    assert milestone_set_load_default(actor=None, program=theirs.program).pk != first.pk
