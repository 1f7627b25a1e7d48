"""The demo's confidential evaluations: last year's results shown, one pending for each fellow,
and a second seed adds nothing."""

import datetime

import pytest
from django.core.management import call_command

from curriculum.models import Program
from demo.people import DEMO_PROGRAM_NAME
from surveys.models import Answer, Collection, Invitation, Response
from surveys.selectors import confidential_summary, my_invitations

pytestmark = pytest.mark.django_db


def _counts():
    return [m.objects.count() for m in (Collection, Invitation, Response, Answer)]


def test_demo_has_closed_results_and_a_pending_evaluation(capsys):
    call_command("seed_demo", verbosity=0)
    first = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == first
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    last_year = confidential_summary(
        program=program, start=datetime.date(2025, 7, 1), end=datetime.date(2026, 6, 30)
    )
    assert {item["subject_kind"] for item in last_year} == {"program", "faculty", "rotation"}
    assert all(item["shown"] and item["completion_rate"] == 100 for item in last_year)
    fellow = program.memberships.get(user__email="fellow1@demo.test").user
    pending = [i for i in my_invitations(user=fellow, program=program) if i.completed_at is None]
    if datetime.date(2026, 7, 1) <= program.today() <= datetime.date(2027, 6, 30):
        assert any(i.collection.form.name == "Annual program evaluation" for i in pending)
