"""The director's evaluation timing page: due days, summative lead, request expiry."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from curriculum.models import Membership

Role = Membership.Role


def url(program):
    return reverse("assessments:evaluation_timing", args=[program.pk])


def test_the_director_sets_the_request_expiry_and_it_is_audited(client, ours):
    client.force_login(ours.director)
    assert client.get(url(ours.program)).status_code == 200
    answer = client.post(
        url(ours.program),
        {
            "evaluation_due_days": 14,
            "evaluation_interval_months": 3,
            "summative_lead_days": 30,
            "request_expiry_days": 21,
        },
    )
    assert answer.status_code == 302
    ours.program.refresh_from_db()
    assert ours.program.request_expiry_days == 21
    [event] = AuditEvent.objects.filter(action="program.evaluation_timing")
    assert event.changes == {"request_expiry_days": [14, 21]}


def test_bad_numbers_are_refused_and_nothing_is_saved(client, ours):
    client.force_login(ours.director)
    answer = client.post(
        url(ours.program),
        {
            "evaluation_due_days": 14,
            "evaluation_interval_months": 3,
            "summative_lead_days": 30,
            "request_expiry_days": 0,
        },
    )
    assert answer.status_code == 200 and "greater than or equal to 1" in answer.content.decode()
    ours.program.refresh_from_db()
    assert ours.program.request_expiry_days == 14
    assert not AuditEvent.objects.filter(action="program.evaluation_timing").exists()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FACULTY, Role.FELLOW])
def test_only_the_director(client, ours, role):
    client.force_login(ours.user(role))
    assert client.get(url(ours.program)).status_code == 404


def test_the_settings_page_leads_to_it(client, ours):
    client.force_login(ours.director)
    page = client.get(reverse("dashboard:program_settings", args=[ours.program.pk]))
    assert url(ours.program) in page.content.decode()
