"""The fill form shows what the chosen level means: the descriptor of a whole level, both
descriptors around a half level, rendered by the server for the saved (or posted) value, with
every level's text on the page for static/js/level_descriptors.js, in constant queries."""

import re
from functools import partial

import pytest

from assessments.forms import NO_DESCRIPTOR, NOT_ASSESSABLE_TEXT, level_description
from assessments.models import AssessmentTemplate
from curriculum.models import LevelDescriptor, Membership
from curriculum.services import milestone_set_load_default
from tests.assessments.factories import AssessmentFactory, AssessmentTemplateFactory, RatingFactory
from tests.conftest import assert_constant_queries, page_ok

Role = Membership.Role
TEXTS = {n: f"Descriptor text of level {n}." for n in range(1, 6)}


def member(people, role):
    return Membership.objects.get(user=people.user(role), program=people.program, role=role)


@pytest.fixture
def milestone_set(ours):
    return milestone_set_load_default(actor=None, program=ours.program)


@pytest.fixture
def subs(milestone_set):
    subs = list(milestone_set.subcompetencies.order_by("code")[:2])
    for sub in subs:  # text unique to each subcompetency and level
        for level in sub.levels.all():
            level.text = f"{sub.code} at {level.level}: {TEXTS[level.level]}"
            level.save()
    return subs


@pytest.fixture
def draft(ours, milestone_set, subs):
    template = AssessmentTemplateFactory(
        program=ours.program,
        milestone_set=milestone_set,
        kind=AssessmentTemplate.Kind.DIRECT_OBSERVATION,
    )
    template.subcompetencies.set(subs)
    return AssessmentFactory(
        program=ours.program,
        template=template,
        fellow=member(ours, Role.FELLOW),
        assessor=member(ours, Role.FACULTY),
    )


def fill_path(assessment) -> str:
    return f"/programs/{assessment.program_id}/assessments/{assessment.pk}/fill/"


def descriptor_box(page: str, sub) -> str:
    match = re.search(
        rf'<div class="level-descriptor[^"]*" id="rating_{sub.pk}-descriptor"(.*?)</div>',
        page,
        re.S,
    )
    assert match, f"no descriptor box for {sub.code}"
    return match.group(1)


def box_text(box: str) -> str:
    """The visible text of a box: what follows its opening tag, without markup."""
    return " ".join(re.sub(r"<[^>]+>", " ", box.split(">", 1)[1]).split())


# --- The wording ---


def test_a_whole_level_shows_its_descriptor():
    described = level_description(TEXTS, "3.0")
    assert described.heading == "Level 3"
    assert described.texts == (("Level 3", TEXTS[3]),)


def test_a_half_level_shows_both_descriptors_around_it_lower_first():
    described = level_description(TEXTS, "1.5")
    assert described.heading.startswith("Between level 1 and level 2")
    assert described.texts == (("Level 1", TEXTS[1]), ("Level 2", TEXTS[2]))
    assert level_description(TEXTS, "4.5").texts[1] == ("Level 5", TEXTS[5])


def test_not_assessable_nothing_chosen_off_scale_and_missing_text():
    assert level_description(TEXTS, "na").heading == NOT_ASSESSABLE_TEXT
    assert level_description(TEXTS, "na").texts == ()
    for value in ("", None, "7.0", "2.3", "abc"):
        assert level_description(TEXTS, value).heading == ""
        assert level_description(TEXTS, value).texts == ()
    assert level_description({1: "One"}, "1.5").texts == (
        ("Level 1", "One"),
        ("Level 2", NO_DESCRIPTOR),
    )


# --- The page ---


def test_fill_page_shows_the_saved_levels_descriptor(client, ours, draft, subs):
    RatingFactory(assessment=draft, subcompetency=subs[0], level="2.5")
    client.force_login(ours.faculty)
    page = page_ok(client, fill_path(draft)).content.decode()
    shown = box_text(descriptor_box(page, subs[0]))
    assert "Between level 2 and level 3" in shown
    assert (
        f"{subs[0].code} at 2: {TEXTS[2]}" in shown and f"{subs[0].code} at 3: {TEXTS[3]}" in shown
    )
    assert f"at 1: {TEXTS[1]}" not in shown
    assert box_text(descriptor_box(page, subs[1])) == "", "nothing chosen: nothing shown"


def test_fill_page_carries_every_descriptor_for_the_script_and_no_inline_script(
    client, ours, draft, subs
):
    client.force_login(ours.faculty)
    page = page_ok(client, fill_path(draft)).content.decode()
    box = descriptor_box(page, subs[1])
    for level in range(1, 6):
        assert f'data-level-{level}="{subs[1].code} at {level}: {TEXTS[level]}"' in box
    assert 'aria-live="polite"' in box
    assert re.search(r'<script src="[^"]*js/level_descriptors\.js" defer></script>', page)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", page), "an inline script"
    radio = f'name="rating_{subs[1].pk}" value="3.0"'
    assert radio in page
    assert f'aria-describedby="rating_{subs[1].pk}-descriptor"' in page


def test_a_reshown_form_describes_the_posted_value_not_the_saved_one(client, ours, draft, subs):
    RatingFactory(assessment=draft, subcompetency=subs[0], level="1.0")
    client.force_login(ours.faculty)
    data = {
        "narrative": "Steady.",
        "action": "sign",
        "password": "not the password",
        f"rating_{subs[0].pk}": "4.0",
    }
    response = client.post(fill_path(draft), data)
    assert response.status_code == 200  # the signature is refused, the form shown again
    shown = box_text(descriptor_box(response.content.decode(), subs[0]))
    assert shown.startswith("Level 4") and TEXTS[4] in shown and TEXTS[1] not in shown


def test_a_subcompetency_without_descriptor_text_says_so(client, ours, draft, subs):
    LevelDescriptor.objects.filter(subcompetency=subs[0], level=5).delete()
    RatingFactory(assessment=draft, subcompetency=subs[0], level="4.5")
    client.force_login(ours.faculty)
    shown = box_text(descriptor_box(page_ok(client, fill_path(draft)).content.decode(), subs[0]))
    assert TEXTS[4] in shown and NO_DESCRIPTOR in shown


def test_fill_page_queries_do_not_grow_with_the_subcompetencies(client, ours, draft, milestone_set):
    client.force_login(ours.faculty)
    remaining = list(
        milestone_set.subcompetencies.exclude(pk__in=draft.template.subcompetencies.all())
    )

    def grow(n: int) -> None:
        added = [remaining.pop() for _ in range(n)]
        draft.template.subcompetencies.add(*added)
        for sub in added:
            RatingFactory(assessment=draft, subcompetency=sub, level="3.5")

    assert_constant_queries(partial(page_ok, client, fill_path(draft)), grow, sizes=(1, 10))
