"""Issue 15 item 7 (charts): on a 390 px phone the charts fit the screen and their axis labels
stay readable: long procedure names wrap into short lines, dates go on two lines, every label
is drawn (none skipped) and none runs into the next."""

import datetime
import itertools

import pytest
from django.utils import timezone

from assessments.models import Assessment, AssessmentTemplate
from curriculum.models import Membership, Program
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from tests.assessments.factories import (
    AssessmentFactory,
    AssessmentTemplateFactory,
    RatingFactory,
)
from tests.browser.conftest import PHONE, SCREENSHOTS
from tests.procedures.factories import ProcedureTargetFactory, ProcedureTypeFactory

pytestmark = pytest.mark.browser
Role = Membership.Role
LONG_NAMES = [
    "Transforaminal epidural steroid injection, lumbar and sacral levels",
    "Intrathecal drug delivery pump refill/reprogramming",
]

# The chart's y axis, read from Chart.js: each tick's label lines, its pixel row, the axis
# width and the chart's, and the canvas box on the page.
AXIS = """([id, axis]) => {
  const canvas = document.getElementById(id);
  const chart = window.Chart.getChart(canvas);
  const scale = chart.scales[axis];
  const box = canvas.getBoundingClientRect();
  return {
    ticks: scale.ticks.map((t, i) => ({
      lines: [].concat(t.label), pixel: scale.getPixelForTick(i)
    })),
    labels: chart.data.labels || [],
    axisWidth: scale.width,
    chartWidth: chart.width,
    lineHeight: scale._resolveTickFontOptions(0).lineHeight,
    left: box.left,
    right: box.right
  };
}"""


def _fits(axis) -> None:
    assert axis["left"] >= 0 and axis["right"] <= PHONE["width"], axis


def test_procedure_names_wrap_into_lines_on_a_phone(demo, phone):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    for name in LONG_NAMES:
        ProcedureTargetFactory(
            program=program, procedure_type=ProcedureTypeFactory(program=program, name=name)
        )
    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    phone.goto(f"/programs/{program.pk}/procedures/progress/")
    phone.page.locator("#progress-chart").wait_for()
    phone.page.wait_for_function("window.Chart && window.Chart.getChart('progress-chart')")
    axis = phone.page.evaluate(AXIS, ["progress-chart", "y"])

    _fits(axis)
    assert len(axis["ticks"]) == len(axis["labels"]) >= len(LONG_NAMES)  # none skipped
    for tick, label in zip(axis["ticks"], axis["labels"], strict=True):
        assert all(len(line) <= 20 for line in tick["lines"]), tick
        # Wrapping loses no word: the lines put back together are the full name.
        assert "".join(tick["lines"]).replace(" ", "") == label.replace(" ", "")
    wrapped = [
        t for t, label in zip(axis["ticks"], axis["labels"], strict=True) if label in LONG_NAMES
    ]
    assert all(len(t["lines"]) >= 3 for t in wrapped)
    # Each label's lines fit in its own row: no label runs into the next one.
    rows = sorted(axis["ticks"], key=lambda t: t["pixel"])
    for upper, lower in itertools.pairwise(rows):
        half = (len(upper["lines"]) + len(lower["lines"])) * axis["lineHeight"] / 2
        assert lower["pixel"] - upper["pixel"] >= half, (upper, lower)
    assert axis["axisWidth"] < axis["chartWidth"] * 0.5  # the bars keep most of the width
    phone.screenshot("procedure-progress-chart-phone")
    phone.assert_accessible()
    phone.assert_no_console_errors()


def test_milestone_chart_dates_go_on_two_lines_on_a_phone(demo, phone):
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    milestone_set = program.milestone_sets.get()
    sub = milestone_set.subcompetencies.order_by("code").first()
    template = AssessmentTemplateFactory(
        program=program,
        milestone_set=milestone_set,
        kind=AssessmentTemplate.Kind.DIRECT_OBSERVATION,
    )
    template.subcompetencies.set([sub])
    fellow = Membership.objects.get(
        program=program, user__email="fellow1@demo.test", role=Role.FELLOW
    )
    assessor = Membership.objects.get(
        program=program, user__email="faculty1@demo.test", role=Role.FACULTY
    )
    for observed_on, level in (
        (datetime.date(2026, 8, 3), "2.5"),
        (datetime.date(2026, 10, 12), "3.5"),
    ):
        assessment = AssessmentFactory(
            program=program,
            template=template,
            fellow=fellow,
            assessor=assessor,
            observed_on=observed_on,
            status=Assessment.Status.SIGNED,
            signed_at=timezone.now(),
        )
        RatingFactory(assessment=assessment, subcompetency=sub, level=level)

    phone.sign_in("fellow1@demo.test", DEMO_PASSWORD)
    phone.goto(f"/programs/{program.pk}/milestones/progress/")
    phone.page.locator("#trajectory-chart-0").wait_for()
    phone.page.wait_for_function("window.Chart && window.Chart.getChart('trajectory-chart-0')")
    axis = phone.page.evaluate(AXIS, ["trajectory-chart-0", "x"])

    _fits(axis)
    assert axis["chartWidth"] < 480
    assert 2 <= len(axis["ticks"]) <= 4
    for tick in axis["ticks"]:
        month_day, year = tick["lines"]  # "Aug 3" over "2026"
        assert len(month_day) <= 6 and len(year) == 4, tick
    pixels = [t["pixel"] for t in axis["ticks"]]
    assert all(b - a > 40 for a, b in itertools.pairwise(pixels))  # room for "Aug 31"
    phone.screenshot("milestone-chart-phone")
    figure = phone.page.locator(".trajectory-figure").first
    figure.screenshot(path=str(SCREENSHOTS / "milestone-chart-phone-first-figure.png"))
    phone.assert_accessible()
    phone.assert_no_console_errors()
