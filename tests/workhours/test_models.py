"""The work-hour tables hold their own invariants: a shift ends after it starts, lasts at most
48 hours, is never stored twice; kinds are exactly the rule engine's."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from tests.workhours.factories import (
    FindingExplanationFactory,
    ShiftFactory,
    ShiftTemplateFactory,
)
from workhours import rules
from workhours.models import MAX_SHIFT, Kind

UTC = datetime.UTC
H = datetime.timedelta(hours=1)


def test_the_kinds_are_exactly_the_rule_engines():
    assert tuple(Kind.values) == rules.KINDS
    assert Kind.AT_HOME_CALL.label == "At-home call (time spent working)"


@pytest.mark.parametrize("length", [datetime.timedelta(0), -H, MAX_SHIFT + H])
def test_the_database_refuses_a_shift_that_is_empty_backwards_or_too_long(db, length):
    start = datetime.datetime(2026, 7, 6, 11, tzinfo=UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        ShiftFactory(start=start, end=start + length)


def test_a_48_hour_shift_is_the_longest_stored(db):
    start = datetime.datetime(2026, 7, 6, 11, tzinfo=UTC)
    assert ShiftFactory(start=start, end=start + MAX_SHIFT).duration == MAX_SHIFT


def test_the_same_shift_is_never_stored_twice(db):
    shift = ShiftFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ShiftFactory(program=shift.program, fellow=shift.fellow, start=shift.start, end=shift.end)


def test_strings_and_urls(db):
    shift = ShiftFactory(start=datetime.datetime(2026, 7, 6, 11, tzinfo=UTC))
    assert str(shift) == "Clinical 2026-07-06 11:00-21:00 UTC"
    assert shift.get_absolute_url().endswith(f"/work-hours/shifts/{shift.pk}/")
    assert shift.as_rule_shift() == rules.Shift(
        str(shift.fellow_id), shift.start, shift.end, "clinical"
    )
    template = ShiftTemplateFactory(
        weekday=3, start_time=datetime.time(19), end_time=datetime.time(7)
    )
    assert str(template) == "Thursday 19:00-07:00 Clinical"
    assert template.overnight
    assert template.get_absolute_url().endswith("/work-hours/template/")
    explanation = FindingExplanationFactory()
    assert str(explanation) == "Explanation of 8h-rest from 2026-07-01 21:00 UTC"
    assert explanation.get_absolute_url().endswith("/work-hours/")


def test_one_explanation_per_finding(db):
    first = FindingExplanationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        FindingExplanationFactory(
            program=first.program,
            fellow=first.fellow,
            rule=first.rule,
            period_start=first.period_start,
        )
