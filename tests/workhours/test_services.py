"""Every rule of the fellow's log: overlap refused with a message, night shifts cross midnight,
the program's zone decides wall-clock times (DST included), one-tap fills are idempotent, the
template, explanations; every write audited, a refusal writes nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from curriculum.models import Membership
from tests.conftest import assert_nothing_changed
from tests.workhours.factories import ShiftFactory, ShiftTemplateFactory
from workhours import rules, services
from workhours.models import FindingExplanation, Shift, ShiftTemplate
from workhours.selectors import fellow_findings, week_bounds, week_summary

UTC = datetime.UTC
H = datetime.timedelta(hours=1)
T = datetime.time
MONDAY = datetime.date(2026, 7, 6)


@pytest.fixture
def fellow(ours):
    return Membership.objects.get(user=ours.fellow, program=ours.program, role="fellow")


def _add(ours, fellow, day, start, end, kind="clinical"):
    low, high = services.local_span(program=ours.program, day=day, start_time=start, end_time=end)
    return services.shift_add(actor=ours.fellow, fellow=fellow, start=low, end=high, kind=kind)


def test_a_shift_is_stored_in_utc_from_the_programs_wall_clock(ours, fellow):
    shift = _add(ours, fellow, MONDAY, T(7), T(17))
    # New York is UTC-4 in July.
    assert shift.start == datetime.datetime(2026, 7, 6, 11, tzinfo=UTC)
    assert shift.end == datetime.datetime(2026, 7, 6, 21, tzinfo=UTC)
    assert shift.source == Shift.Source.LOGGED and shift.created_by == ours.fellow
    event = AuditEvent.objects.get(action="work_shift.add")
    assert event.actor == ours.fellow and event.program == ours.program


def test_a_night_shift_ending_before_its_start_time_ends_the_next_day(ours, fellow):
    shift = _add(ours, fellow, MONDAY, T(19), T(7), "in-house-call")
    assert shift.duration == 12 * H
    assert ours.program.localtime(shift.end).date() == MONDAY + datetime.timedelta(days=1)


def test_the_night_the_clocks_go_back_is_an_hour_longer(ours, fellow):
    # Sunday 2026-11-01 02:00 EDT becomes 01:00 EST: 19:00 Saturday to 07:00 is 13 hours.
    shift = _add(ours, fellow, datetime.date(2026, 10, 31), T(19), T(7), "in-house-call")
    assert shift.duration == 13 * H


def test_an_overlapping_shift_is_refused_with_a_message_and_nothing_saved(ours, fellow):
    _add(ours, fellow, MONDAY, T(7), T(17))
    with assert_nothing_changed(), pytest.raises(ValidationError) as refused:
        _add(ours, fellow, MONDAY, T(16), T(20))
    assert "overlaps your clinical shift from Mon Jul 6 07:00 to Mon Jul 6 17:00" in str(
        refused.value
    )


def test_a_shift_may_start_when_the_last_one_ends(ours, fellow):
    _add(ours, fellow, MONDAY, T(7), T(17))
    _add(ours, fellow, MONDAY, T(17), T(19), "education")
    assert Shift.objects.filter(fellow=fellow).count() == 2


def test_the_same_shift_twice_is_refused_as_already_logged(ours, fellow):
    _add(ours, fellow, MONDAY, T(7), T(17))
    with pytest.raises(ValidationError, match="already logged"):
        _add(ours, fellow, MONDAY, T(7), T(17))


def test_limits_length_future_and_kind(ours, fellow):
    start = datetime.datetime(2026, 7, 6, 11, tzinfo=UTC)
    with pytest.raises(ValidationError, match="at most 48 hours"):
        services.shift_add(
            actor=ours.fellow, fellow=fellow, start=start, end=start + 49 * H, kind="clinical"
        )
    with pytest.raises(ValidationError, match="end after it starts"):
        services.shift_add(
            actor=ours.fellow, fellow=fellow, start=start, end=start, kind="clinical"
        )
    with pytest.raises(ValidationError, match="kind"):
        services.shift_add(actor=ours.fellow, fellow=fellow, start=start, end=start + H, kind="nap")
    next_week = ours.program.today() + datetime.timedelta(days=8)
    with pytest.raises(ValidationError, match="end of the current week"):
        _add(ours, fellow, next_week, T(7), T(17))
    assert not Shift.objects.exists()


def test_the_current_week_may_be_filled_ahead(ours, fellow):
    today = ours.program.today()
    sunday = today + datetime.timedelta(days=6 - today.weekday())
    assert _add(ours, fellow, sunday, T(7), T(17))


@pytest.mark.parametrize("role", ["director", "coordinator", "faculty"])
def test_only_the_fellow_logs_their_own_hours(ours, theirs, fellow, role):
    start = datetime.datetime(2026, 7, 6, 11, tzinfo=UTC)
    for actor in (ours.user(role), theirs.fellow):
        with pytest.raises(PermissionDenied):
            services.shift_add(
                actor=actor, fellow=fellow, start=start, end=start + H, kind="clinical"
            )


def test_edit_and_delete_are_checked_and_audited(ours, fellow):
    shift = _add(ours, fellow, MONDAY, T(7), T(17))
    other = _add(ours, fellow, MONDAY + datetime.timedelta(days=1), T(7), T(17))
    with pytest.raises(ValidationError, match="overlaps"):
        services.shift_edit(
            actor=ours.fellow, shift=other, start=shift.start, end=shift.end, kind="clinical"
        )
    services.shift_edit(
        actor=ours.fellow, shift=shift, start=shift.start, end=shift.end + H, kind="education"
    )
    shift.refresh_from_db()
    assert shift.kind == "education" and shift.duration == 11 * H
    assert AuditEvent.objects.get(action="work_shift.edit").changes["kind"] == [
        "clinical",
        "education",
    ]
    services.shift_delete(actor=ours.fellow, shift=shift)
    assert not Shift.objects.filter(pk=shift.pk).exists()
    assert AuditEvent.objects.filter(action="work_shift.delete").count() == 1


def test_same_as_last_week_copies_once_and_a_double_tap_copies_nothing(ours, fellow):
    for day in range(5):
        _add(ours, fellow, MONDAY + datetime.timedelta(days=day), T(7), T(17))
    _add(ours, fellow, MONDAY + datetime.timedelta(days=6), T(19), T(7), "in-house-call")
    next_week = MONDAY + datetime.timedelta(days=7)
    assert services.week_copy_previous(actor=ours.fellow, fellow=fellow, week_start=next_week) == 6
    assert services.week_copy_previous(actor=ours.fellow, fellow=fellow, week_start=next_week) == 0
    summary = week_summary(fellow=fellow, week_start=next_week)
    assert summary.total == 62 and summary.shift_count == 6
    assert AuditEvent.objects.filter(action="work_week.copy_previous").count() == 1


def test_same_as_last_week_skips_a_shift_that_would_overlap_one_already_logged(ours, fellow):
    _add(ours, fellow, MONDAY, T(7), T(17))
    _add(ours, fellow, MONDAY + datetime.timedelta(days=1), T(7), T(17))
    _add(ours, fellow, MONDAY + datetime.timedelta(days=7), T(12), T(20), "moonlighting")
    copied = services.week_copy_previous(
        actor=ours.fellow, fellow=fellow, week_start=MONDAY + datetime.timedelta(days=9)
    )
    assert copied == 1  # Tuesday's; Monday's overlaps the moonlighting


def test_same_as_last_week_keeps_the_wall_clock_across_the_clock_change(ours, fellow):
    _add(ours, fellow, datetime.date(2026, 10, 26), T(7), T(17))
    services.week_copy_previous(
        actor=ours.fellow, fellow=fellow, week_start=datetime.date(2026, 11, 2)
    )
    copied = Shift.objects.get(start__date=datetime.date(2026, 11, 2))
    assert copied.start == datetime.datetime(2026, 11, 2, 12, tzinfo=UTC)  # 07:00 EST
    assert ours.program.localtime(copied.start).time() == T(7)


def test_same_as_last_week_does_not_copy_into_a_future_week(ours, fellow):
    monday = ours.program.today() - datetime.timedelta(days=ours.program.today().weekday())
    _add(ours, fellow, monday, T(0, 30), T(1))
    week_after = monday + datetime.timedelta(days=7)
    assert services.week_copy_previous(actor=ours.fellow, fellow=fellow, week_start=week_after) == 0


def test_applying_the_template_fills_the_week_once(ours, fellow):
    services.template_save(
        actor=ours.fellow,
        fellow=fellow,
        rows=[
            {"weekday": 0, "start_time": T(7), "end_time": T(17), "kind": "clinical"},
            {"weekday": 3, "start_time": T(7), "end_time": T(9), "kind": "education"},
            {"weekday": 3, "start_time": T(19), "end_time": T(7), "kind": "in-house-call"},
        ],
    )
    assert services.week_apply_template(actor=ours.fellow, fellow=fellow, week_start=MONDAY) == 3
    assert services.week_apply_template(actor=ours.fellow, fellow=fellow, week_start=MONDAY) == 0
    assert week_summary(fellow=fellow, week_start=MONDAY).total == 24
    call = Shift.objects.get(kind="in-house-call")
    assert ours.program.localtime(call.end) == datetime.datetime(
        2026, 7, 10, 7, tzinfo=ours.program.zone
    )


def test_template_save_replaces_the_rows_and_refuses_overlaps(ours, fellow):
    ShiftTemplateFactory(program=ours.program, fellow=fellow, weekday=5)
    with assert_nothing_changed(), pytest.raises(ValidationError, match="Rows 1 and 2 overlap"):
        services.template_save(
            actor=ours.fellow,
            fellow=fellow,
            rows=[
                {"weekday": 0, "start_time": T(19), "end_time": T(7), "kind": "in-house-call"},
                {"weekday": 1, "start_time": T(6), "end_time": T(17), "kind": "clinical"},
            ],
        )
    with pytest.raises(ValidationError, match="Sunday night into Monday"):
        services.template_save(
            actor=ours.fellow,
            fellow=fellow,
            rows=[
                {"weekday": 0, "start_time": T(6), "end_time": T(17), "kind": "clinical"},
                {"weekday": 6, "start_time": T(19), "end_time": T(7), "kind": "in-house-call"},
            ],
        )
    services.template_save(
        actor=ours.fellow,
        fellow=fellow,
        rows=[{"weekday": 0, "start_time": T(7), "end_time": T(17), "kind": "clinical"}],
    )
    assert list(ShiftTemplate.objects.values_list("weekday", flat=True)) == [0]
    assert AuditEvent.objects.filter(action="work_template.save").count() == 1


def _long_call(ours, fellow):
    """A 30-hour continuous stretch: a 24 + 4 violation (and no 14 h rest after it)."""
    start = datetime.datetime(2026, 7, 6, 11, tzinfo=UTC)
    ShiftFactory(
        program=ours.program, fellow=fellow, start=start, end=start + 30 * H, kind="in-house-call"
    )
    return start


def test_an_explanation_is_saved_for_a_current_finding_and_replaced_on_a_second_save(ours, fellow):
    start = _long_call(ours, fellow)
    low, high = week_bounds(ours.program, MONDAY)
    [shown] = [
        s
        for s in fellow_findings(fellow=fellow, start=low, end=high)
        if s.finding.rule == rules.RULE_24_4
    ]
    assert shown.explanation is None and shown.is_violation
    for text in ("Trauma call ran long.", "Trauma call ran long; handed over at 17:00."):
        services.explanation_save(
            actor=ours.fellow,
            fellow=fellow,
            rule=rules.RULE_24_4,
            period_start=start,
            period_end=start + 30 * H,
            text=text,
        )
    explanation = FindingExplanation.objects.get()
    assert explanation.text.endswith("17:00.")
    [shown] = [
        s
        for s in fellow_findings(fellow=fellow, start=low, end=high)
        if s.finding.rule == rules.RULE_24_4
    ]
    assert shown.explanation == explanation
    actions = list(
        AuditEvent.objects.filter(action__startswith="work_explanation").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["work_explanation.create", "work_explanation.edit"]


def test_an_explanation_of_no_finding_or_with_patient_details_is_refused(ours, fellow):
    start = _long_call(ours, fellow)
    with pytest.raises(ValidationError, match="no longer there"):
        services.explanation_save(
            actor=ours.fellow,
            fellow=fellow,
            rule=rules.RULE_Q3,
            period_start=start,
            period_end=start + H,
            text="Busy.",
        )
    with pytest.raises(ValidationError):
        services.explanation_save(
            actor=ours.fellow,
            fellow=fellow,
            rule=rules.RULE_24_4,
            period_start=start,
            period_end=start + 30 * H,
            text="Stayed for the patient with MRN 12345678.",
        )
    with pytest.raises(ValidationError, match="Write the explanation"):
        services.explanation_save(
            actor=ours.fellow,
            fellow=fellow,
            rule=rules.RULE_24_4,
            period_start=start,
            period_end=start + 30 * H,
            text="  ",
        )
    assert not FindingExplanation.objects.exists()
