"""On a phone, a fellow repeats their last entry in two taps, and an MRN in a note is refused."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from curriculum.models import Membership, Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from procedures.models import Guidance, ProcedureLogEntry
from tests.procedures.factories import (
    ProcedureCategoryFactory,
    ProcedureLogEntryFactory,
    ProcedureTypeFactory,
)

pytestmark = pytest.mark.browser
Role = Membership.Role


@pytest.fixture
def catalogue(demo):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    facet = ProcedureCategoryFactory(program=program, name="Browser-test facet")
    esi = ProcedureCategoryFactory(program=program, name="Browser-test epidurals")
    tfesi = ProcedureTypeFactory(
        program=program,
        category=esi,
        name="Test lumbar transforaminal",
        allowed_guidance=[Guidance.FLUOROSCOPY],
        has_level=True,
        has_laterality=True,
    )
    ProcedureTypeFactory(program=program, category=facet, name="Test medial branch block")
    fellow = Membership.objects.get(
        program=program, user__email="fellow1@demo.test", role=Role.FELLOW
    )
    faculty = Membership.objects.get(
        program=program, user__email="faculty1@demo.test", role=Role.FACULTY
    )
    ProcedureLogEntryFactory(
        program=program,
        fellow=fellow,
        supervisor=faculty,
        procedure_type=tfesi,
        performed_on=datetime.date(2026, 9, 1),
        level="L4-L5",
        laterality="right",
    )
    return program, fellow


def test_fellow_repeats_last_entry_in_two_taps_on_a_phone(catalogue, phone):
    program, fellow = catalogue
    page = phone.page
    before = ProcedureLogEntry.objects.filter(fellow=fellow).count()
    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    phone.goto(f"/programs/{program.pk}/procedures/log/")
    phone.screenshot("procedure-log-phone")
    phone.assert_accessible()

    interactions = 0
    page.get_by_role("link", name="Repeat last entry").click()
    interactions += 1
    page.wait_for_url(re.compile(r"/log/new/\?repeat=1$"))
    phone.screenshot("procedure-log-repeat-form-phone")
    phone.assert_accessible()
    page.get_by_role("button", name="Save entry").click()
    interactions += 1
    page.wait_for_url(re.compile(rf"/programs/{program.pk}/procedures/log/$"))
    assert interactions <= 3

    content = page.content()
    assert "Logged: Test lumbar transforaminal on" in content
    entries = ProcedureLogEntry.objects.filter(fellow=fellow).order_by("pk")
    assert entries.count() == before + 1
    new = entries.last()
    assert (new.level, new.laterality, new.status) == ("L4-L5", "right", "pending")
    assert new.performed_on != datetime.date(2026, 9, 1)
    assert page.get_by_role("table").get_by_text(new.performed_on.strftime("%b %-d, %Y")).count()
    phone.screenshot("procedure-log-repeated-phone")
    phone.assert_no_console_errors()


def test_a_note_with_an_mrn_is_refused_and_nothing_saved(catalogue, phone):
    program, _fellow = catalogue
    page = phone.page
    before = ProcedureLogEntry.objects.count()
    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    phone.goto(f"/programs/{program.pk}/procedures/log/new/?repeat=1")
    page.get_by_label("Note (optional)").fill("MRN 12345678")
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("looks like it contains a medical record number").first).to_be_visible()
    assert "must never identify a patient." in page.content()
    assert ProcedureLogEntry.objects.count() == before
    phone.screenshot("procedure-log-mrn-refused-phone")
    phone.assert_accessible()
    phone.assert_no_console_errors()


def test_fellow_opens_the_favourites_panel_and_adds_one(catalogue, phone):
    from procedures.models import FavouriteProcedure

    program, fellow = catalogue
    page = phone.page
    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    phone.goto(f"/programs/{program.pk}/procedures/log/")
    page.get_by_text("Choose favourite procedures").click()  # htmx loads the list on opening
    add = page.get_by_role("button", name="Add Test lumbar transforaminal to favourites")
    add.click()
    page.get_by_role("button", name="Remove Test lumbar transforaminal from favourites").wait_for()
    assert FavouriteProcedure.objects.filter(
        fellow=fellow, procedure_type__name="Test lumbar transforaminal"
    ).exists()
    phone.assert_accessible()
    phone.assert_no_console_errors()
