"""Rating forms that explain themselves, on a phone and on a desktop: choosing a level on the
assessment form shows its descriptor (both descriptors around a half level), and the external
evaluator's form answers in words, never in level numbers."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import AssessmentTemplate
from curriculum.models import Membership, Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from evaluators.services import PLAIN_SCALE, PLAIN_SCALE_NOT_SEEN
from tests.assessments.factories import AssessmentFactory
from tests.evaluators.factories import RequestFactory

from .conftest import DESKTOP, PHONE, open_page

pytestmark = pytest.mark.browser
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def member(program, email, role):
    return Membership.objects.get(program=program, user__email=email, role=role)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_choosing_a_level_shows_its_descriptor(demo, browser, live_server, viewport):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    milestone_set = program.milestone_sets.get()
    subs = list(milestone_set.subcompetencies.order_by("code")[:3])
    template = AssessmentTemplate.objects.create(
        program=program,
        milestone_set=milestone_set,
        name="Direct observation with descriptors",
        kind=AssessmentTemplate.Kind.DIRECT_OBSERVATION,
    )
    template.subcompetencies.set(subs)
    assessment = AssessmentFactory(
        program=program,
        template=template,
        fellow=member(program, "fellow1@demo.test", "fellow"),
        assessor=member(program, "faculty1@demo.test", "faculty"),
    )
    texts = {d.level: d.text for d in subs[0].levels.all()}

    context, faculty = open_page(browser, live_server, VIEWPORTS[viewport])
    try:
        page = faculty.page
        faculty.sign_in("faculty1@demo.test", DEMO_PASSWORD)
        faculty.goto(f"/programs/{program.pk}/assessments/{assessment.pk}/fill/")
        group = page.get_by_role("group", name=re.compile(rf"^{subs[0].code} "))
        box = group.locator("[data-level-descriptor]")
        expect(box).to_have_text("")  # nothing chosen yet

        group.get_by_label("3.0", exact=True).check()
        expect(box).to_contain_text("Level 3")
        expect(box).to_contain_text(texts[3])

        group.get_by_label("1.5", exact=True).check()
        expect(box).to_contain_text("Between level 1 and level 2")
        expect(box).to_contain_text(texts[1])
        expect(box).to_contain_text(texts[2])
        expect(box).not_to_contain_text(texts[3])

        other = page.get_by_role("group", name=re.compile(rf"^{subs[1].code} "))
        other.get_by_label("Not yet assessable", exact=True).check()
        expect(other.locator("[data-level-descriptor]")).to_contain_text("Not yet assessable")
        faculty.screenshot(f"rating-descriptor-{viewport}")
        faculty.assert_accessible()

        # Saved, the page comes back with the descriptor of the saved half level.
        page.get_by_role("button", name="Save draft without signing").click()
        page.get_by_text("Draft saved.").wait_for()
        box = page.get_by_role("group", name=re.compile(rf"^{subs[0].code} ")).locator(
            "[data-level-descriptor]"
        )
        expect(box).to_contain_text("Between level 1 and level 2")
        faculty.assert_no_console_errors()
    finally:
        context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_external_form_answers_in_words(demo, browser, live_server, viewport):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    template = AssessmentTemplate.objects.filter(
        program=program, kind=AssessmentTemplate.Kind.MULTI_SOURCE, is_active=True
    ).first()
    request = RequestFactory(
        program=program,
        fellow=member(program, "fellow2@demo.test", "fellow"),
        requested_by=member(program, "fellow2@demo.test", "fellow").user,
        template=template,
        token=f"rating-forms-{viewport}",
    )
    context, nurse = open_page(browser, live_server, VIEWPORTS[viewport])
    try:
        page = nurse.page
        nurse.goto(reverse("evaluators:evaluate", kwargs={"token": f"rating-forms-{viewport}"}))
        page.get_by_role("heading", level=1).wait_for()
        form_text = page.locator("main").inner_text()
        for _, words, _ in PLAIN_SCALE:
            assert words in form_text
        assert PLAIN_SCALE_NOT_SEEN in form_text
        assert not re.search(r"\b[1-5]\.[05]\b|\blevels?\b", form_text, re.IGNORECASE)
        subs = list(template.subcompetencies.order_by("code"))
        for index, sub in enumerate(subs):
            group = page.get_by_role("group", name=re.compile(rf"^{sub.code} "))
            answer = PLAIN_SCALE_NOT_SEEN if index == 0 else "Manages alone"
            group.get_by_label(answer, exact=True).check()
        nurse.screenshot(f"external-plain-scale-{viewport}")
        nurse.assert_accessible()
        page.get_by_role("button", name="Submit evaluation").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        nurse.assert_no_console_errors()
    finally:
        context.close()
    saved = {r.subcompetency.code: r.level for r in request.evaluation.ratings.all()}
    assert saved[subs[0].code] is None
    assert {str(saved[sub.code]) for sub in subs[1:]} == {"4.0"}
