"""'Waiting for me' flags assessments past their due date, in words, on the program's today."""

import datetime
import re
from functools import partial

from django.urls import reverse

from curriculum.models import Membership
from dashboard.selectors import faculty_waiting_assessments
from tests.assessments.factories import AssessmentFactory
from tests.conftest import assert_constant_queries, page_ok

Role = Membership.Role


def _faculty(ours):
    return Membership.objects.get(program=ours.program, user=ours.faculty, role=Role.FACULTY)


def _queue(client, ours):
    return page_ok(
        client, reverse("dashboard:faculty_queue", kwargs={"program_id": ours.program.pk})
    )


def _card(page: str, fellow_name: str) -> str:
    cards = re.findall(r'<li class="card mb-2[^"]*">(.*?)</li>', page, flags=re.S)
    return next(card for card in cards if fellow_name in card)


def test_overdue_days_come_from_the_programs_today(ours):
    faculty, today = _faculty(ours), ours.program.today()
    late = AssessmentFactory(
        program=ours.program, assessor=faculty, due_date=today - datetime.timedelta(days=4)
    )
    due_today = AssessmentFactory(program=ours.program, assessor=faculty, due_date=today)
    undated = AssessmentFactory(program=ours.program, assessor=faculty, due_date=None)
    AssessmentFactory(program=ours.program, due_date=today - datetime.timedelta(days=9))  # others'
    rows = faculty_waiting_assessments(user=ours.faculty, program=ours.program, today=today)
    assert [(r.assessment.pk, r.days_overdue) for r in rows] == [
        (late.pk, 4),
        (due_today.pk, 0),
        (undated.pk, 0),
    ]


def test_queue_flags_overdue_items_with_a_badge_in_words(client, ours):
    faculty, today = _faculty(ours), ours.program.today()
    late = AssessmentFactory(
        program=ours.program, assessor=faculty, due_date=today - datetime.timedelta(days=3)
    )
    one_day = AssessmentFactory(
        program=ours.program, assessor=faculty, due_date=today - datetime.timedelta(days=1)
    )
    on_time = AssessmentFactory(
        program=ours.program, assessor=faculty, due_date=today + datetime.timedelta(days=5)
    )
    client.force_login(ours.faculty)
    page = _queue(client, ours).content.decode()
    late_card = _card(page, late.fellow.user.display_name)
    assert '<span class="badge text-bg-danger">Overdue 3 days</span>' in late_card
    assert "overdue 3 days" in late_card  # the Fill button's name says it too
    assert "Overdue 1 day<" in _card(page, one_day.fellow.user.display_name)
    assert "Overdue" not in _card(page, on_time.fellow.user.display_name)
    # Oldest due first: the most overdue leads.
    names = [a.fellow.user.display_name for a in (late, one_day, on_time)]
    assert [page.index(name) for name in names] == sorted(page.index(name) for name in names)


def test_overdue_queue_query_count_does_not_grow(client, ours):
    faculty, today = _faculty(ours), ours.program.today()

    def add(n):
        for days in range(n):
            AssessmentFactory(
                program=ours.program,
                assessor=faculty,
                due_date=today - datetime.timedelta(days=days + 1),
            )

    client.force_login(ours.faculty)
    assert_constant_queries(partial(_queue, client, ours), add, sizes=(1, 12))
