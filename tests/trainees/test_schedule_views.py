"""The schedule grid and its block editor: access, htmx swaps, messages, query counts."""

from datetime import date
from functools import partial

import pytest

from tests.conftest import assert_constant_queries, page_ok
from tests.curriculum.factories import RotationFactory
from tests.role_pages import assert_role_page_access
from tests.trainees.factories import EnrolmentFactory
from trainees.models import ScheduleBlock
from trainees.services.schedule import schedule_block_create


def schedule_url(program) -> str:
    return f"/programs/{program.pk}/schedule/"


def add_url(program, enrolment) -> str:
    return f"/programs/{program.pk}/schedule/enrolments/{enrolment.pk}/blocks/new/"


def test_schedule_access_matrix(client, ours, theirs, enrolment):
    assert_role_page_access(
        client,
        ours,
        theirs,
        schedule_url(ours.program),
        allowed={"director", "coordinator", "faculty"},
    )


def test_add_block_access(client, ours, theirs, enrolment):
    assert_role_page_access(
        client, ours, theirs, add_url(ours.program, enrolment), allowed={"director", "coordinator"}
    )
    rotation = RotationFactory(program=ours.program)
    data = {"rotation": rotation.pk, "start_date": "2026-07-01", "end_date": "2026-07-28"}
    for user in (ours.faculty, ours.fellow, theirs.director):
        client.force_login(user)
        assert client.post(add_url(ours.program, enrolment), data).status_code == 404
    assert not ScheduleBlock.objects.exists()


def test_grid_shows_blocks_gaps_and_lets_staff_add_with_htmx(client, ours, enrolment):
    acute = RotationFactory(program=ours.program, name="Acute pain", short_name="APS")
    client.force_login(ours.director)
    page = client.get(schedule_url(ours.program)).content.decode()
    assert (
        "Gap" in page and "Jul 1, 2026 to Jun 30, 2027" in page
    )  # a fellow with no blocks is all gap

    form = client.get(
        add_url(ours.program, enrolment) + "?start=2026-07-06", headers={"HX-Request": "true"}
    )
    body = form.content.decode()
    assert body.lstrip().startswith('<div id="block-editor">') and 'value="2026-07-06"' in body

    saved = client.post(
        add_url(ours.program, enrolment),
        {"rotation": acute.pk, "start_date": "2026-07-01", "end_date": "2026-07-28"},
        headers={"HX-Request": "true"},
    )
    grid = saved.content.decode()
    assert grid.lstrip().startswith('<div id="schedule-grid">') and "<html" not in grid
    assert ">APS<" in grid.replace("\n", "")
    assert ScheduleBlock.objects.get().rotation == acute


def test_overlap_is_refused_with_a_clear_message_and_nothing_saved(client, ours, enrolment):
    acute = RotationFactory(program=ours.program, name="Acute pain")
    cancer = RotationFactory(program=ours.program, name="Cancer pain")
    schedule_block_create(
        actor=None,
        enrolment=enrolment,
        rotation=acute,
        start_date=date(2026, 7, 1),
        end_date=date(2026, 7, 28),
    )
    client.force_login(ours.coordinator)
    response = client.post(
        add_url(ours.program, enrolment),
        {"rotation": cancer.pk, "start_date": "2026-07-14", "end_date": "2026-08-10"},
    )
    assert response.status_code == 200
    assert "overlaps Acute pain" in response.content.decode()
    assert ScheduleBlock.objects.count() == 1


def test_existing_overlaps_are_shown_not_hidden(client, ours, enrolment):
    acute = RotationFactory(program=ours.program, name="Acute pain", short_name="APS")
    cancer = RotationFactory(program=ours.program, name="Cancer pain", short_name="CAN")
    for rotation in (acute, cancer):  # e.g. data entered before the rule existed
        ScheduleBlock.objects.create(
            enrolment=enrolment,
            rotation=rotation,
            start_date=date(2026, 7, 1),
            end_date=date(2026, 7, 28),
        )
    client.force_login(ours.faculty)
    page = client.get(schedule_url(ours.program)).content.decode()
    assert "Overlap" in page and "APS and CAN" in page and "APS/CAN" in page


def test_remove_block(client, ours, theirs, enrolment):
    rotation = RotationFactory(program=ours.program)
    block = schedule_block_create(
        actor=None,
        enrolment=enrolment,
        rotation=rotation,
        start_date=date(2026, 7, 1),
        end_date=date(2026, 7, 28),
    )
    url = f"/programs/{ours.program.pk}/schedule/blocks/{block.pk}/delete/"
    for user in (ours.faculty, theirs.director):
        client.force_login(user)
        assert client.post(url).status_code == 404
    client.force_login(ours.director)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not ScheduleBlock.objects.exists()


@pytest.mark.django_db
def test_schedule_query_count_does_not_grow_with_fellows(client, ours, enrolment):
    rotation = RotationFactory(program=ours.program)
    client.force_login(ours.director)

    def add_fellows(n):
        for _ in range(n):
            fellow = EnrolmentFactory(cohort=enrolment.cohort, membership__program=ours.program)
            for month in (7, 8, 9):
                ScheduleBlock.objects.create(
                    enrolment=fellow,
                    rotation=rotation,
                    start_date=date(2026, month, 1),
                    end_date=date(2026, month, 25),
                )

    schedule = partial(page_ok, client, schedule_url(ours.program))
    assert_constant_queries(schedule, add_fellows, sizes=(0, 29))
