"""The demo's work hours: a logged year per demo fellow up to the last complete week, a week
template each, the findings to look at (over 80 h, a 30-hour call, a short rest), one explained;
seeding again adds nothing."""

import datetime

import pytest
import time_machine

from demo.workhours import demo_work_hours_seed
from tests.curriculum.factories import MembershipFactory, ProgramFactory
from workhours import rules
from workhours.models import FindingExplanation, Shift, ShiftTemplate
from workhours.selectors import findings_for_shifts, week_start_of

# A day in the middle of the year: the demo stops at the end of the week before (Jan 10).
MID_YEAR = datetime.datetime(2027, 1, 14, 18, tzinfo=datetime.UTC)


@pytest.fixture
def demo_fellows(db):
    program = ProgramFactory(timezone="America/Chicago")
    fellows = [
        MembershipFactory(program=program, role="fellow", user__email=f"fellow{n}@demo.test")
        for n in range(1, 7)
    ]
    return program, fellows


@time_machine.travel(MID_YEAR, tick=False)
def test_the_demo_year_has_its_findings_and_seeding_again_adds_nothing(demo_fellows):
    program, fellows = demo_fellows
    demo_work_hours_seed(program=program)
    counts = (Shift.objects.count(), ShiftTemplate.objects.count())
    assert counts[1] == 6 * 6
    last = program.localtime(Shift.objects.latest("start").start)
    assert datetime.date(2027, 1, 4) <= last.date() <= datetime.date(2027, 1, 10)
    findings = findings_for_shifts(Shift.objects.values("fellow_id", "start", "end", "kind"))
    by_fellow = {(f.person, f.rule) for f in findings}
    assert (str(fellows[0].pk), rules.RULE_80H) in by_fellow
    assert (str(fellows[1].pk), rules.RULE_24_4) in by_fellow
    assert (str(fellows[2].pk), rules.RULE_8H) in by_fellow
    assert {f.person for f in findings} == {str(f.pk) for f in fellows[:3]}
    explanation = FindingExplanation.objects.get()
    assert explanation.fellow == fellows[1] and explanation.rule == rules.RULE_24_4
    demo_work_hours_seed(program=program)
    assert (Shift.objects.count(), ShiftTemplate.objects.count()) == counts
    assert FindingExplanation.objects.count() == 1


@time_machine.travel(MID_YEAR, tick=False)
def test_a_week_of_the_demo_is_about_58_hours(demo_fellows):
    program, fellows = demo_fellows
    demo_work_hours_seed(program=program)
    hours = sum(
        (s.duration for s in Shift.objects.filter(fellow=fellows[4])), datetime.timedelta(0)
    ) / datetime.timedelta(hours=1)
    weeks = (week_start_of(program.today()) - datetime.date(2026, 7, 1)).days / 7
    assert 50 <= hours / weeks <= 62
