"""Milestone models: the database holds the invariants even outside the services."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from curriculum.models import LevelDescriptor, MilestoneSet, Subcompetency
from curriculum.services import milestone_set_load_default


@pytest.fixture
def pain_set(ours) -> MilestoneSet:
    return milestone_set_load_default(actor=None, program=ours.program)


def test_strings_and_url(pain_set):
    pc4 = pain_set.subcompetencies.get(code="PC4")
    assert str(pain_set) == "Pain Medicine Milestones 2.0"
    assert str(pc4.competency) == "PC Patient Care"
    assert str(pc4) == "PC4 Demonstrates Skill in Performing Interventions"
    assert str(pc4.levels.get(level=4)) == "PC4 level 4"
    assert pain_set.get_absolute_url() == (
        f"/programs/{pain_set.program_id}/milestones/{pain_set.pk}/"
    )
    assert pc4.get_seed_domain_labels() == ["Interventional techniques"]


def test_level_must_be_one_to_five_and_unique(pain_set):
    pc4 = pain_set.subcompetencies.get(code="PC4")
    with pytest.raises(IntegrityError), transaction.atomic():
        LevelDescriptor.objects.create(subcompetency=pc4, level=6, text="beyond")
    with pytest.raises(IntegrityError), transaction.atomic():
        LevelDescriptor.objects.create(subcompetency=pc4, level=4, text="again")


def test_subcompetency_code_is_unique_within_the_set(pain_set):
    competency = pain_set.competencies.get(code="PC")
    with pytest.raises(IntegrityError), transaction.atomic():
        Subcompetency.objects.create(
            milestone_set=pain_set, competency=competency, code="PC4", title="Again", order=9
        )


def test_seed_domains_are_validated(pain_set):
    pc4 = pain_set.subcompetencies.get(code="PC4")
    pc4.seed_domains = ["surgery"]
    with pytest.raises(ValidationError, match="Unknown seed domain"):
        pc4.full_clean()
    pc4.seed_domains = ["pharmacology", "pharmacology"]
    with pytest.raises(ValidationError, match="listed twice"):
        pc4.full_clean()


def test_the_hierarchy_is_protected(pain_set):
    with pytest.raises(ProtectedError):
        pain_set.delete()
