"""Each work-hour rule at its boundary: just compliant, just over."""

from datetime import UTC, datetime, timedelta

import pytest

from workhours.rules import WARNING, Finding, Shift, check

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def shift(start, length, kind="clinical", person="a@example.org"):
    return Shift(person, start, start + length, kind)


def rule(findings, code) -> list[Finding]:
    return [f for f in findings if f.rule == code]


# 80h-4wk: 320 h in 28 days is exactly 80 a week.
def test_80h_exactly_80_a_week_is_compliant():
    shifts = [shift(T0 + day * D, 16 * H) for day in range(20)]  # 320 h
    assert rule(check(shifts), "80h-4wk") == []


def test_80h_80_25_a_week_is_a_violation():
    shifts = [shift(T0 + day * D, 16 * H) for day in range(19)]
    shifts.append(shift(T0 + 19 * D, 17 * H))  # 321 h = 80.25 a week
    [finding] = rule(check(shifts), "80h-4wk")
    assert finding.severity == "violation"
    assert finding.period_start == T0
    assert finding.period_end == T0 + 28 * D
    assert finding.detail == "321 h in 28 days, 80.25 h a week on average (limit 80)"


def test_80h_counts_moonlighting_and_at_home_call():
    shifts = [shift(T0 + day * D, 16 * H) for day in range(19)]
    shifts.append(shift(T0 + 19 * D, 16 * H, "moonlighting"))
    assert rule(check(shifts), "80h-4wk") == []
    shifts.append(shift(T0 + 19 * D + 17 * H, H, "at-home-call"))
    assert len(rule(check(shifts), "80h-4wk")) == 1


def test_80h_overlapping_shifts_count_once():
    shifts = [shift(T0 + day * D, 16 * H) for day in range(20)]
    shifts.append(shift(T0, 8 * H, "education"))  # inside the first shift
    assert rule(check(shifts), "80h-4wk") == []


# 1in7-4wk: 4 days free in 28.
def _with_days_off(off):
    return [shift(T0 + day * D, 10 * H) for day in range(28) if day not in off]


def test_1in7_four_days_free_is_compliant():
    assert rule(check(_with_days_off({3, 10, 17, 24})), "1in7-4wk") == []


def test_1in7_three_days_free_is_a_violation():
    [finding] = rule(check(_with_days_off({3, 10, 17})), "1in7-4wk")
    assert finding.detail == "3 days free in 28 days (at least 4 required)"
    assert finding.period_start == T0


@pytest.mark.parametrize(("gap", "violations"), [(24 * H, 0), (23.75 * H, 1)])
def test_1in7_a_free_day_is_a_whole_24_hours(gap, violations):
    # Four blocks of work with a gap after each, then two more days of work.
    shifts, cursor = [], T0
    for block in (5 * D, 6 * D, 6 * D, 6 * D):
        shifts.append(shift(cursor, block))
        cursor += block + gap
    shifts.append(shift(cursor, 2 * D))
    assert len(rule(check(shifts), "1in7-4wk")) == violations


# 24+4: a 28-hour continuous period is compliant, 28.25 is not.
def test_24_4_a_28_hour_period_is_compliant():
    shifts = [shift(T0, 24 * H, "in-house-call"), shift(T0 + 24 * H, 4 * H)]
    assert rule(check(shifts), "24+4") == []


def test_24_4_a_28_25_hour_period_is_a_violation():
    shifts = [shift(T0, 24 * H, "in-house-call"), shift(T0 + 20 * H, 8.25 * H)]
    [finding] = rule(check(shifts), "24+4")
    assert (finding.period_start, finding.period_end) == (T0, T0 + 28.25 * H)
    assert finding.detail == "continuous period of 28.25 h (limit 24 + 4)"


def test_24_4_a_gap_splits_periods():
    shifts = [shift(T0, 20 * H), shift(T0 + 20.25 * H, 20 * H)]
    assert rule(check(shifts), "24+4") == []


# 14h-after-24: 14 hours free after 24 hours of in-house call.
def test_14h_after_24_fourteen_hours_is_compliant():
    shifts = [shift(T0, 24 * H, "in-house-call"), shift(T0 + 38 * H, 8 * H)]
    assert rule(check(shifts), "14h-after-24") == []


def test_14h_after_24_thirteen_75_hours_is_a_violation():
    shifts = [shift(T0, 24 * H, "in-house-call"), shift(T0 + 37.75 * H, 8 * H)]
    [finding] = rule(check(shifts), "14h-after-24")
    assert (finding.period_start, finding.period_end) == (T0 + 24 * H, T0 + 37.75 * H)
    assert finding.detail == "13.75 h free after 24 h of in-house call (at least 14 required)"


def test_14h_after_24_needs_24_hours_of_in_house_call():
    shifts = [shift(T0, 23.75 * H, "in-house-call"), shift(T0 + 30 * H, 8 * H)]
    assert rule(check(shifts), "14h-after-24") == []
    clinical = [shift(T0, 24 * H), shift(T0 + 30 * H, 8 * H)]
    assert rule(check(clinical), "14h-after-24") == []


# 8h-rest: a warning, not a violation.
def test_8h_rest_eight_hours_is_compliant():
    assert rule(check([shift(T0, 10 * H), shift(T0 + 18 * H, 10 * H)]), "8h-rest") == []


def test_8h_rest_under_eight_hours_is_a_warning():
    [finding] = rule(check([shift(T0, 10 * H), shift(T0 + 17.75 * H, 10 * H)]), "8h-rest")
    assert finding.severity == WARNING
    assert finding.detail == "7.75 h off between periods (8 advised; a warning)"
    assert all(f.severity == "violation" for f in check([shift(T0, 30 * H)]))


# q3-call: every third night is compliant; more often is not.
def _calls(nights):
    return [shift(T0 + night * D + 10 * H, 14 * H, "in-house-call") for night in nights]


def test_q3_every_third_night_is_compliant():
    assert rule(check(_calls(range(0, 84, 3))), "q3-call") == []


def test_q3_eleven_calls_in_28_days_is_a_violation():
    nights = [*range(0, 28, 3), 26]  # 10 on q3 plus one more = 11 in 28 days
    [finding] = rule(check(_calls(sorted(nights))), "q3-call")
    assert finding.detail == "11 in-house calls in 28 days (at most 10: every third night)"


def test_q3_touching_call_shifts_are_one_call():
    nights = range(0, 28, 3)
    shifts = [*_calls(nights), shift(T0 + 24 * H, 2 * H, "in-house-call")]  # extends night 0
    assert rule(check(shifts), "q3-call") == []


# The engine as a whole.
def test_findings_are_sorted_and_per_person():
    shifts = [
        shift(T0, 30 * H, person="b@example.org"),
        shift(T0 + 5 * D, 30 * H, person="a@example.org"),
        shift(T0 + 5 * D + 35 * H, 2 * H, person="a@example.org"),
    ]
    findings = check(reversed(shifts))
    assert [(f.person, f.rule) for f in findings] == [
        ("a@example.org", "24+4"),
        ("a@example.org", "8h-rest"),
        ("b@example.org", "24+4"),
    ]
    assert check(shifts) == findings


def test_times_are_compared_in_utc_across_daylight_saving():
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/New_York")
    start = datetime(2026, 3, 7, 18, 0, tzinfo=zone)  # the night the clocks go forward
    end = datetime(2026, 3, 8, 23, 0, tzinfo=zone)  # 28 real hours later
    assert check([Shift("a@example.org", start, end, "clinical")]) == []
    later = datetime(2026, 3, 8, 23, 15, tzinfo=zone)
    assert [f.rule for f in check([Shift("a@example.org", start, later, "clinical")])] == ["24+4"]


@pytest.mark.parametrize(
    ("start", "end", "kind"),
    [
        (T0, T0, "clinical"),
        (T0, T0 - H, "clinical"),
        (T0, T0 + H, "nap"),
        (T0.replace(tzinfo=None), T0.replace(tzinfo=None) + H, "clinical"),
    ],
)
def test_shift_rejects_bad_values(start, end, kind):
    with pytest.raises(ValueError):
        Shift("a@example.org", start, end, kind)
