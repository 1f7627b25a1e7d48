"""Editing a schedule block in place: the create rules, the audit trail, who may, and what stays
linked to the block (its evaluations and calendar deadlines)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.models import Assessment
from audit.models import AuditEvent
from tests.assessments.factories import AssessmentFactory
from tests.curriculum.factories import RotationFactory
from trainees.models import Deadline, Enrolment, ScheduleBlock
from trainees.services.calendar import calendar_generate
from trainees.services.schedule import schedule_block_create, schedule_block_update


def book(enrolment, rotation, start, end):
    return schedule_block_create(
        actor=None, enrolment=enrolment, rotation=rotation, start_date=start, end_date=end
    )


def update(actor, block, rotation=None, start=None, end=None):
    return schedule_block_update(
        actor=actor,
        block=block,
        rotation=rotation or block.rotation,
        start_date=start or block.start_date,
        end_date=end or block.end_date,
    )


@pytest.fixture
def acute(ours):
    return RotationFactory(program=ours.program, name="Acute pain", short_name="APS")


@pytest.fixture
def cancer(ours):
    return RotationFactory(program=ours.program, name="Cancer pain", short_name="CAN")


def test_dates_and_rotation_change_in_place_and_are_audited(ours, enrolment, acute, cancer):
    block = book(enrolment, acute, date(2026, 7, 1), date(2026, 7, 28))
    saved = update(ours.coordinator, block, cancer, date(2026, 7, 6), date(2026, 8, 2))

    assert saved.pk == block.pk and ScheduleBlock.objects.count() == 1
    block.refresh_from_db()
    assert (block.rotation, block.start_date, block.end_date) == (
        cancer,
        date(2026, 7, 6),
        date(2026, 8, 2),
    )
    event = AuditEvent.objects.get(action="schedule_block.update")
    assert event.actor == ours.coordinator and event.program_id == ours.program.pk
    assert event.object_id == str(block.pk)
    assert event.changes == {
        "end_date": ["2026-07-28", "2026-08-02"],
        "rotation": [acute.pk, cancer.pk],
        "start_date": ["2026-07-01", "2026-07-06"],
    }


def test_saving_without_a_change_records_nothing(ours, enrolment, acute):
    block = book(enrolment, acute, date(2026, 7, 1), date(2026, 7, 28))
    update(ours.director, block)
    assert not AuditEvent.objects.filter(action="schedule_block.update").exists()


def test_the_create_rules_apply(ours, theirs, enrolment, acute, cancer):
    block = book(enrolment, acute, date(2026, 7, 1), date(2026, 7, 28))
    book(enrolment, cancer, date(2026, 7, 29), date(2026, 8, 25))
    foreign = RotationFactory(program=theirs.program)
    retired = RotationFactory(program=ours.program, is_active=False)
    cases = [
        (acute, date(2026, 7, 1), date(2026, 8, 1), "overlaps Cancer pain"),
        (foreign, date(2026, 7, 1), date(2026, 7, 28), "another program"),
        (retired, date(2026, 7, 1), date(2026, 7, 28), "retired"),
        (acute, date(2026, 7, 28), date(2026, 7, 1), "end before it starts"),
        (acute, date(2026, 6, 1), date(2026, 7, 28), "within the fellow"),
    ]
    for rotation, start, end, message in cases:
        with pytest.raises(ValidationError, match=message):
            update(ours.director, block, rotation, start, end)
    block.refresh_from_db()
    assert (block.rotation, block.start_date, block.end_date) == (
        acute,
        date(2026, 7, 1),
        date(2026, 7, 28),
    )
    assert not AuditEvent.objects.filter(action="schedule_block.update").exists()


def test_a_block_does_not_clash_with_itself_and_keeps_a_since_retired_rotation(
    ours, enrolment, acute
):
    block = book(enrolment, acute, date(2026, 7, 1), date(2026, 7, 28))
    acute.is_active = False
    acute.save()
    update(ours.director, block, end=date(2026, 7, 31))  # overlaps only its old self
    block.refresh_from_db()
    assert block.end_date == date(2026, 7, 31) and block.rotation == acute


def test_a_finished_enrolment_is_history(ours, enrolment, acute):
    block = book(enrolment, acute, date(2026, 7, 1), date(2026, 7, 28))
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.COMPLETED)
    with pytest.raises(ValidationError, match="history"):
        update(ours.director, block, end=date(2026, 7, 20))


def test_only_schedule_managers_may_edit(ours, theirs, enrolment, acute):
    block = book(enrolment, acute, date(2026, 7, 1), date(2026, 7, 28))
    for actor in (ours.faculty, ours.fellow, theirs.director):
        with pytest.raises(PermissionDenied):
            update(actor, block, end=date(2026, 7, 20))
    block.refresh_from_db()
    assert block.end_date == date(2026, 7, 28)


def evaluation(ours, block, **fields):
    return AssessmentFactory(
        program=ours.program,
        fellow=block.enrolment.membership,
        schedule_block=block,
        observed_on=block.end_date,
        **fields,
    )


def test_evaluations_stay_linked_when_the_dates_change(ours, enrolment, acute, cancer):
    block = book(enrolment, acute, date(2026, 7, 1), date(2026, 7, 28))
    draft = evaluation(ours, block)
    signed = evaluation(ours, block, status="signed", signed_at=timezone.now())

    update(ours.director, block, end=date(2026, 8, 4))
    assert set(Assessment.objects.filter(schedule_block=block)) == {draft, signed}
    signed.refresh_from_db()
    assert signed.observed_on == date(2026, 7, 28)  # what the assessor saw is not rewritten


def test_the_rotation_cannot_change_once_an_evaluation_is_signed(ours, enrolment, acute, cancer):
    block = book(enrolment, acute, date(2026, 7, 1), date(2026, 7, 28))
    evaluation(ours, block)  # an open evaluation does not stop the change
    update(ours.director, block, cancer)
    block.refresh_from_db()
    assert block.rotation == cancer

    evaluation(ours, block, status="signed", signed_at=timezone.now())
    with pytest.raises(ValidationError, match="already signed"):
        update(ours.director, block, acute)
    block.refresh_from_db()
    assert block.rotation == cancer
    assert Assessment.objects.filter(schedule_block=block).count() == 2


def test_generated_deadlines_follow_the_new_dates_but_edited_ones_stay(
    ours, enrolment, acute, cancer
):
    first = book(enrolment, acute, date(2026, 7, 1), date(2026, 7, 28))
    second = book(enrolment, cancer, date(2026, 8, 1), date(2026, 8, 28))
    calendar_generate(actor=None, academic_year=enrolment.cohort.academic_year)
    due = timedelta(days=ours.program.evaluation_due_days)
    generated = Deadline.objects.get(key=f"rotation-eval:{first.pk}")
    edited = Deadline.objects.get(key=f"rotation-eval:{second.pk}")
    Deadline.objects.filter(pk=edited.pk).update(is_edited=True, due_date=date(2026, 9, 30))

    update(ours.director, first, end=date(2026, 7, 21))
    update(ours.director, second, end=date(2026, 8, 21))

    generated.refresh_from_db()
    edited.refresh_from_db()
    assert generated.due_date == date(2026, 7, 21) + due and generated.schedule_block == first
    assert edited.due_date == date(2026, 9, 30)


def test_no_deadlines_appear_before_the_calendar_is_generated(ours, enrolment, acute):
    block = book(enrolment, acute, date(2026, 7, 1), date(2026, 7, 28))
    update(ours.director, block, end=date(2026, 7, 21))
    assert not Deadline.objects.exists()


def test_a_shorter_longitudinal_block_drops_its_extra_generated_deadlines(ours, enrolment):
    clinic = RotationFactory(program=ours.program, name="Clinic", is_longitudinal=True)
    block = book(enrolment, clinic, date(2026, 7, 1), date(2027, 6, 30))
    calendar_generate(actor=None, academic_year=enrolment.cohort.academic_year)
    assert block.deadlines.count() == 4  # every 3 months

    update(ours.director, block, end=date(2026, 12, 31))
    assert sorted(block.deadlines.values_list("key", flat=True)) == [
        f"rotation-eval:{block.pk}:1",
        f"rotation-eval:{block.pk}:2",
    ]


# --- The edit page ----------------------------------------------------------------------------


def edit_url(program, block) -> str:
    return f"/programs/{program.pk}/schedule/blocks/{block.pk}/edit/"


def test_edit_page_access(client, ours, theirs, enrolment, acute):
    from tests.role_pages import assert_role_page_access

    block = book(enrolment, acute, date(2026, 7, 1), date(2026, 7, 28))
    assert_role_page_access(
        client, ours, theirs, edit_url(ours.program, block), allowed={"director", "coordinator"}
    )
    data = {"rotation": acute.pk, "start_date": "2026-07-01", "end_date": "2026-07-14"}
    for user in (ours.faculty, ours.fellow, theirs.director, theirs.coordinator):
        client.force_login(user)
        assert client.post(edit_url(ours.program, block), data).status_code == 404
    block.refresh_from_db()
    assert block.end_date == date(2026, 7, 28)


def test_edit_in_place_with_htmx_and_without(client, ours, enrolment, acute, cancer):
    block = book(enrolment, acute, date(2026, 7, 1), date(2026, 7, 28))
    book(enrolment, cancer, date(2026, 8, 1), date(2026, 8, 28))
    client.force_login(ours.director)
    url = edit_url(ours.program, block)

    form = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert form.lstrip().startswith('<div id="block-editor">')
    assert 'value="2026-07-28"' in form and f'hx-post="{url}"' in form and "Save block" in form

    saved = client.post(
        url,
        {"rotation": acute.pk, "start_date": "2026-07-01", "end_date": "2026-07-21"},
        headers={"HX-Request": "true"},
    )
    grid = saved.content.decode()
    assert grid.lstrip().startswith('<div id="schedule-grid">') and "<html" not in grid
    assert "Jul 22, 2026 to Jul 31, 2026" in grid  # the gap the shorter block opened
    block.refresh_from_db()
    assert block.end_date == date(2026, 7, 21)

    refused = client.post(
        url, {"rotation": acute.pk, "start_date": "2026-07-01", "end_date": "2026-08-10"}
    )
    assert refused.status_code == 200 and "overlaps Cancer pain" in refused.content.decode()

    page = client.get(url)
    assert "<html" in page.content.decode() and "Edit Acute pain block" in page.content.decode()
    plain = client.post(
        url, {"rotation": acute.pk, "start_date": "2026-07-01", "end_date": "2026-07-25"}
    )
    assert plain.status_code == 302
    assert plain["Location"].endswith(f"?year={enrolment.cohort.academic_year_id}")
    block.refresh_from_db()
    assert block.end_date == date(2026, 7, 25) and ScheduleBlock.objects.count() == 2
