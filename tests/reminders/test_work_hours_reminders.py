"""Reminders for weeks without work hours logged (reminders/services/workhours.py)."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from reminders.models import Kind, Reminder
from reminders.services.context import program_contexts
from reminders.services.sweep import reminders_sweep
from reminders.services.workhours import work_hour_candidates
from tests.conftest import assert_constant_queries
from tests.trainees.factories import EnrolmentFactory
from tests.workhours.factories import ShiftFactory
from trainees.models import Enrolment, LeavePeriod

NY = zoneinfo.ZoneInfo("America/New_York")
# Tuesday 2026-09-15, 10:00 in New York: last week is Monday 7 to Sunday 13 September.
NOW = datetime.datetime(2026, 9, 15, 10, tzinfo=NY)
LAST_MONDAY = datetime.date(2026, 9, 7)


def _reminders():
    return list(
        Reminder.objects.filter(kind=Kind.WORK_HOURS_UNLOGGED).values_list(
            "recipient_id", "object_type", "object_id", "period", "url_path"
        )
    )


@pytest.fixture
def fellow(enrolment):
    return enrolment.membership


def test_unlogged_week_is_reminded_once(fellow):
    reminders_sweep(now=NOW, enqueue=False)
    reminders_sweep(now=NOW, enqueue=False)
    path = reverse("workhours:my_week", kwargs={"program_id": fellow.program_id})
    assert _reminders() == [
        (fellow.user_id, "work_week", fellow.pk, "2026-09-07", f"{path}?week=2026-09-07")
    ]
    reminder = Reminder.objects.get(kind=Kind.WORK_HOURS_UNLOGGED)
    assert reminder.subject == "Log your work hours for the week of Sep 7, 2026"


def test_logged_week_is_not_reminded(fellow):
    # Sunday 13 September, 22:00 in New York (02:00 on Monday in UTC): still last week.
    start = datetime.datetime(2026, 9, 13, 22, tzinfo=NY)
    ShiftFactory(
        program=fellow.program, fellow=fellow, start=start, end=start + datetime.timedelta(hours=1)
    )
    reminders_sweep(now=NOW, enqueue=False)
    assert _reminders() == []


def test_shift_only_in_another_week_is_still_reminded(fellow):
    # Monday 14 September 00:30 in New York: this week, not last week.
    start = datetime.datetime(2026, 9, 14, 0, 30, tzinfo=NY)
    ShiftFactory(
        program=fellow.program, fellow=fellow, start=start, end=start + datetime.timedelta(hours=8)
    )
    reminders_sweep(now=NOW, enqueue=False)
    assert len(_reminders()) == 1


def test_leave_for_the_whole_week_is_not_reminded(enrolment):
    LeavePeriod.objects.create(
        kind="vacation",
        enrolment=enrolment,
        start=LAST_MONDAY,
        end=LAST_MONDAY + datetime.timedelta(days=6),
    )
    reminders_sweep(now=NOW, enqueue=False)
    assert _reminders() == []


def test_leave_for_part_of_the_week_is_still_reminded(enrolment):
    LeavePeriod.objects.create(
        kind="vacation",
        enrolment=enrolment,
        start=LAST_MONDAY,
        end=LAST_MONDAY + datetime.timedelta(days=4),
    )
    reminders_sweep(now=NOW, enqueue=False)
    assert len(_reminders()) == 1


def test_not_enrolled_or_not_active_is_not_reminded(enrolment):
    enrolment.status = Enrolment.Status.LEAVE
    enrolment.save()
    reminders_sweep(now=NOW, enqueue=False)
    assert _reminders() == []


def test_week_before_the_enrolment_starts_is_not_reminded(enrolment):
    enrolment.start_date = datetime.date(2026, 9, 14)
    enrolment.save()
    reminders_sweep(now=NOW, enqueue=False)
    assert _reminders() == []


def test_queries_per_batch_do_not_grow_with_fellows(enrolment):
    cohort = enrolment.cohort

    def grow(n):
        for _ in range(n):
            other = EnrolmentFactory(cohort=cohort)
            ShiftFactory(
                program=cohort.program,
                fellow=other.membership,
                start=datetime.datetime(2026, 9, 8, 7, tzinfo=NY),
                end=datetime.datetime(2026, 9, 8, 17, tzinfo=NY),
            )

    def run():
        contexts = program_contexts(NOW)
        batches = list(work_hour_candidates(contexts, NOW, 1000))
        assert sum(len(b) for b in batches) == 1  # only the first fellow logged nothing

    assert_constant_queries(lambda: run(), grow, sizes=(1, 6))
