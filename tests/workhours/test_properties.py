"""Properties of the rule engine, for any shifts: it moves with time, and hours only add up."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from workhours.rules import KINDS, Shift, check

BASE = datetime(2026, 1, 5, tzinfo=UTC)
PEOPLE = ("a@example.org", "b@example.org")
# No example database: the working tree is shared (as in tests/core/test_phi_properties.py).
SETTINGS = settings(max_examples=50, deadline=None, database=None)

# Starts on a quarter-hour grid over ~10 weeks, 15 minutes to 30 hours long: dense enough that
# every rule fires in some examples.
shift_strategy = st.builds(
    lambda person, start, length, kind: Shift(
        person,
        BASE + timedelta(minutes=15 * start),
        BASE + timedelta(minutes=15 * (start + length)),
        kind,
    ),
    st.sampled_from(PEOPLE),
    st.integers(0, 4 * 24 * 70),
    st.integers(1, 4 * 30),
    st.sampled_from(KINDS),
)


@st.composite
def schedules(draw) -> list[Shift]:
    """Up to six weeks of days, each with a few shifts (quarter-hour grid, up to 30 hours), for
    one or two people, plus a few shifts anywhere: dense enough that every rule fires."""
    shifts = []
    for day in range(draw(st.integers(0, 42))):
        for _ in range(draw(st.integers(0, 2))):
            start = day * 96 + draw(st.integers(0, 95))
            length = draw(st.integers(1, 4 * 30))
            shifts.append(
                Shift(
                    draw(st.sampled_from(PEOPLE)) if day % 5 == 0 else PEOPLE[0],
                    BASE + timedelta(minutes=15 * start),
                    BASE + timedelta(minutes=15 * (start + length)),
                    draw(st.sampled_from((*KINDS, "in-house-call", "in-house-call"))),
                )
            )
    return shifts + draw(st.lists(shift_strategy, max_size=5))


shifts_strategy = schedules()
offsets = st.timedeltas(min_value=timedelta(days=-3000), max_value=timedelta(days=3000))


def _moved(finding, offset):
    return (
        finding.person,
        finding.rule,
        finding.period_start + offset,
        finding.period_end + offset,
        finding.detail,
        finding.severity,
    )


def _violations_80h(findings):
    return [f for f in findings if f.rule == "80h-4wk"]


@SETTINGS
@given(shifts=shifts_strategy, offset=offsets)
def test_shifting_every_shift_by_a_constant_shifts_the_findings(shifts, offset):
    moved = [replace(s, start=s.start + offset, end=s.end + offset) for s in shifts]
    assert [_moved(f, timedelta(0)) for f in check(moved)] == [
        _moved(f, offset) for f in check(shifts)
    ]


def _peaks(findings):
    """Each person's worst 28 days, read back from the detail (``"N h in 28 days, …"``)."""
    peaks: dict[str, float] = {}
    for f in _violations_80h(findings):
        peaks[f.person] = max(peaks.get(f.person, 0.0), float(f.detail.split(" h ")[0]))
    return peaks


def _still_violating(before, after):
    old, new = _violations_80h(before), _violations_80h(after)
    for finding in old:
        # Every old breaching window still breaches, so the stretch it covered is still inside
        # a finding of the same person.
        assert any(
            n.person == finding.person
            and n.period_start < finding.period_end
            and finding.period_start < n.period_end
            for n in new
        ), (finding, new)
    old_peaks, new_peaks = _peaks(old), _peaks(new)
    assert all(new_peaks[person] >= peak for person, peak in old_peaks.items())


@SETTINGS
@given(shifts=shifts_strategy, extra=shift_strategy)
def test_adding_a_shift_never_removes_an_80h_violation(shifts, extra):
    _still_violating(check(shifts), check([*shifts, extra]))


@SETTINGS
@given(
    shifts=shifts_strategy.filter(bool),
    data=st.data(),
    minutes=st.integers(1, 4 * 60),
    earlier=st.booleans(),
)
def test_lengthening_a_shift_never_removes_an_80h_violation(shifts, data, minutes, earlier):
    index = data.draw(st.integers(0, len(shifts) - 1))
    longer = list(shifts)
    stretch = timedelta(minutes=minutes)
    if earlier:
        longer[index] = replace(shifts[index], start=shifts[index].start - stretch)
    else:
        longer[index] = replace(shifts[index], end=shifts[index].end + stretch)
    _still_violating(check(shifts), check(longer))


@SETTINGS
@given(hours_a_day=st.integers(12, 20), extra=shift_strategy)
def test_a_heavy_month_stays_in_violation_whatever_is_added(hours_a_day, extra):
    heavy = [
        Shift(PEOPLE[0], start, start + timedelta(hours=hours_a_day), "clinical")
        for start in (BASE + timedelta(days=day) for day in range(28))
    ]
    before = check(heavy)
    assert _violations_80h(before)
    _still_violating(before, check([*heavy, extra]))
