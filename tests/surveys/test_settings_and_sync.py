"""The program's minimum of answers (a setting only the director changes) and the nightly sync
that invites fellows an open collection calls for since it was scheduled."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from surveys import services
from surveys.models import Subject
from surveys.tasks import sync_invitations
from tests.curriculum.factories import RotationFactory
from tests.surveys.factories import current_cohort, enrol, form_with_questions
from tests.trainees.factories import ScheduleBlockFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def test_director_raises_the_minimum_and_it_is_audited(client, ours):
    client.force_login(ours.director)
    url = reverse("surveys:minimum_answers", kwargs={"program_id": ours.program.pk})
    response = client.post(url, {"minimum": "5"})
    assert response.status_code == 302
    ours.program.refresh_from_db()
    assert ours.program.confidential_minimum_answers == 5
    event = AuditEvent.objects.get(action="program.confidential_minimum_answers")
    assert event.changes == {"confidential_minimum_answers": [3, 5]}


def test_a_minimum_below_three_is_refused_and_nothing_changes(client, ours):
    client.force_login(ours.director)
    url = reverse("surveys:minimum_answers", kwargs={"program_id": ours.program.pk})
    response = client.post(url, {"minimum": "2"})
    assert response.status_code == 200
    assert "greater than or equal to 3" in response.content.decode()
    ours.program.refresh_from_db()
    assert ours.program.confidential_minimum_answers == 3
    assert not AuditEvent.objects.filter(action="program.confidential_minimum_answers").exists()


def test_coordinator_cannot_change_the_minimum(client, ours):
    client.force_login(ours.coordinator)
    url = reverse("surveys:minimum_answers", kwargs={"program_id": ours.program.pk})
    assert client.post(url, {"minimum": "5"}).status_code == 404
    ours.program.refresh_from_db()
    assert ours.program.confidential_minimum_answers == 3


def test_nightly_sync_invites_a_block_added_after_scheduling_once(ours):
    cohort = current_cohort(ours.program)
    year = cohort.academic_year
    enrolment = enrol(cohort, ours.fellow).enrolments.get()
    rotation = RotationFactory(program=ours.program)
    form = form_with_questions(ours.program, subject=Subject.ROTATION)
    [collection] = services.collection_schedule(
        actor=ours.director,
        form=form,
        opens_on=year.start_date,
        closes_on=year.end_date,
        rotation=rotation,
    )
    assert collection.invitations.count() == 0
    ScheduleBlockFactory(
        enrolment=enrolment,
        rotation=rotation,
        start_date=year.start_date,
        end_date=year.start_date + 27 * DAY,
    )
    assert sync_invitations() == 1
    assert sync_invitations() == 0  # idempotent
    invitation = collection.invitations.get()
    assert invitation.opens_on == year.start_date + 27 * DAY
