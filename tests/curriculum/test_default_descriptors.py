"""The shipped Pain Medicine 2.0 set carries our own descriptor for every subcompetency and level
(not one generic sentence per level repeated 18 times); a program that already loaded the set keeps
its text, and the official wording can still be imported as another version."""

import dataclasses

import pytest

from curriculum import milestones
from curriculum.models import LevelDescriptor
from curriculum.services import milestone_set_import, milestone_set_load_default


def _shipped_subs():
    data = milestones.parse(milestones.default_set_content(), "yaml")
    return [sub for competency in data.competencies for sub in competency.subcompetencies]


def test_every_subcompetency_has_five_distinct_short_descriptors_of_its_own():
    subs = _shipped_subs()
    assert len(subs) == 18
    for sub in subs:
        assert len(sub.levels) == 5 and len(set(sub.levels)) == 5, sub.code
        for text in sub.levels:
            assert len(text) < 200, (sub.code, text)
            assert 8 <= len(text.split()) <= 30, (sub.code, text)  # one plain sentence
            assert text.strip() == text and text.endswith("."), (sub.code, text)
    # No sentence stands for two subcompetencies, at any level.
    for level in range(5):
        texts = [sub.levels[level] for sub in subs]
        assert len(set(texts)) == len(texts), f"level {level + 1} repeats"
    assert len({sub.levels[2] for sub in subs}) == 18


def test_descriptors_speak_of_their_own_subcompetency():
    subs = {sub.code: sub for sub in _shipped_subs()}
    assert "injections" in subs["PC4"].levels[0] and "procedures" in subs["PC4"].levels[2]
    assert "history" in subs["PC1"].levels[1].lower()
    assert "substance use" in subs["PC2"].levels[1]
    assert "imaging" in subs["MK2"].levels[2]
    assert "quality improvement" in subs["SBP1"].levels[2]
    assert "feedback" in subs["PBLI2"].levels[1]


@pytest.mark.django_db
def test_a_program_that_loaded_the_set_keeps_its_text(ours):
    loaded = milestone_set_load_default(actor=None, program=ours.program)
    old = "Incoming fellow: does this with direct supervision and needs substantial guidance."
    LevelDescriptor.objects.filter(subcompetency__milestone_set=loaded, level=1).update(text=old)
    again = milestone_set_load_default(actor=None, program=ours.program)
    assert again.pk == loaded.pk
    texts = LevelDescriptor.objects.filter(subcompetency__milestone_set=loaded, level=1)
    assert set(texts.values_list("text", flat=True)) == {old}


@pytest.mark.django_db
def test_a_fresh_load_stores_the_new_descriptors(ours):
    loaded = milestone_set_load_default(actor=None, program=ours.program)
    shipped = {sub.code: sub.levels for sub in _shipped_subs()}
    stored = {}
    for descriptor in LevelDescriptor.objects.filter(subcompetency__milestone_set=loaded):
        stored.setdefault(descriptor.subcompetency.code, [None] * 5)[descriptor.level - 1] = (
            descriptor.text
        )
    assert {code: tuple(texts) for code, texts in stored.items()} == shipped


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["yaml", "csv"])
def test_the_official_wording_still_imports_as_another_version(ours, file_format):
    data = milestones.parse(milestones.default_set_content(), "yaml")
    official = dataclasses.replace(
        data,
        version="2.0-official",
        competencies=tuple(
            dataclasses.replace(
                competency,
                subcompetencies=tuple(
                    dataclasses.replace(
                        sub, levels=tuple(f"{sub.code} official {n}" for n in range(1, 6))
                    )
                    for sub in competency.subcompetencies
                ),
            )
            for competency in data.competencies
        ),
    )
    milestone_set_load_default(actor=None, program=ours.program)
    imported = milestone_set_import(
        actor=None,
        program=ours.program,
        content=milestones.dump(official, file_format),
        file_format=file_format,
    )
    pc4 = imported.subcompetencies.get(code="PC4")
    assert pc4.levels.get(level=3).text == "PC4 official 3"
