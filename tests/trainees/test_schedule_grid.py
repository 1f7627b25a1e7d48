from datetime import UTC, date, datetime

import time_machine

from tests.curriculum.factories import RotationFactory
from trainees.schedule import Span, find_gaps, find_overlaps, grid_row, weeks_between
from trainees.services.schedule import schedule_block_create

JULY_1 = date(2026, 7, 1)  # a Wednesday
JUNE_30 = date(2027, 6, 30)


def test_weeks_start_on_the_monday_before_and_cover_the_year():
    weeks = weeks_between(JULY_1, JUNE_30)
    assert weeks[0].start == date(2026, 6, 29)
    assert weeks[-1].start <= JUNE_30 <= weeks[-1].end
    assert len(weeks) == 53


def test_overlapping_main_blocks_are_found_but_longitudinal_clinics_are_not():
    clinic = Span(JULY_1, JUNE_30, "Clinic", longitudinal=True)
    a = Span(date(2026, 7, 1), date(2026, 8, 31), "Acute pain")
    b = Span(date(2026, 8, 15), date(2026, 9, 30), "Cancer pain")
    c = Span(date(2026, 10, 1), date(2026, 10, 31), "Neurology")
    assert find_overlaps([clinic, c, b, a]) == [(a, b)]


def test_adjacent_blocks_do_not_overlap():
    a = Span(date(2026, 7, 1), date(2026, 7, 31))
    b = Span(date(2026, 8, 1), date(2026, 8, 31))
    assert find_overlaps([a, b]) == []


def test_gaps_are_the_uncovered_days_of_the_period():
    spans = [
        Span(date(2026, 7, 1), date(2026, 7, 31)),
        Span(date(2026, 9, 1), date(2027, 5, 31)),
        Span(JULY_1, JUNE_30, longitudinal=True),
    ]
    assert find_gaps(spans, JULY_1, JUNE_30) == [
        (date(2026, 8, 1), date(2026, 8, 31)),
        (date(2027, 6, 1), JUNE_30),
    ]
    assert find_gaps([], JULY_1, JUNE_30) == [(JULY_1, JUNE_30)]
    assert find_gaps([Span(date(2026, 6, 1), date(2027, 7, 31))], JULY_1, JUNE_30) == []


def test_grid_row_marks_gaps_and_conflicts_within_the_enrolment_only():
    weeks = weeks_between(JULY_1, date(2026, 8, 2))
    spans = [
        Span(date(2026, 7, 6), date(2026, 7, 19), "Acute"),
        Span(date(2026, 7, 13), date(2026, 7, 26), "Cancer"),
    ]
    cells = grid_row(spans, weeks, enrolled_from=date(2026, 7, 6), enrolled_to=date(2026, 8, 2))
    assert [c.in_enrolment for c in cells] == [False, True, True, True, True]
    assert [c.is_gap for c in cells] == [False, False, False, False, True]
    assert [c.is_conflict for c in cells] == [False, False, True, False, False]
    assert [s.label for s in cells[2].spans] == ["Acute", "Cancer"]


def test_a_hand_over_mid_week_is_not_a_conflict():
    weeks = weeks_between(date(2026, 7, 27), date(2026, 8, 2))
    spans = [
        Span(date(2026, 7, 1), date(2026, 7, 28), "IPP"),
        Span(date(2026, 7, 29), date(2026, 8, 25), "APS"),
        Span(date(2026, 7, 1), date(2027, 6, 30), "CLIN", longitudinal=True),
    ]
    [cell] = grid_row(spans, weeks, enrolled_from=JULY_1, enrolled_to=JUNE_30)
    assert not cell.is_conflict and not cell.is_gap
    assert [s.label for s in cell.main_spans] == ["IPP", "APS"]
    assert [s.label for s in cell.longitudinal_spans] == ["CLIN"]


# --- The page: it opens at this week and explains its codes ------------------------------------


def _grid(client, program) -> str:
    return client.get(f"/programs/{program.pk}/schedule/").content.decode()


def test_the_grid_marks_the_week_containing_the_programs_today(client, ours, enrolment):
    # 03:00 UTC on Monday Oct 12 is still Sunday Oct 11 in Chicago: that week starts Oct 5.
    ours.program.timezone = "America/Chicago"
    ours.program.save()
    with time_machine.travel(datetime(2026, 10, 12, 3, tzinfo=UTC), tick=False):
        client.force_login(ours.faculty)
        page = _grid(client, ours.program)
    assert page.count('id="this-week"') == 1 and page.count("This week") == 1
    header = page.split('id="this-week">', 1)[1]
    assert header.startswith("Oct 5<")
    assert 'href="#this-week"' in page and "js/schedule_grid.js" in page


def test_another_years_grid_has_no_this_week(client, ours, enrolment):
    with time_machine.travel(datetime(2028, 1, 12, 12, tzinfo=UTC), tick=False):
        client.force_login(ours.director)
        page = client.get(
            f"/programs/{ours.program.pk}/schedule/?year={enrolment.cohort.academic_year_id}"
        ).content.decode()
    assert 'id="this-week"' not in page and "Go to this week" not in page


def test_the_legend_lists_each_rotation_code_shown_with_its_name(client, ours, enrolment):
    acute = RotationFactory(program=ours.program, name="Acute pain service", short_name="APS")
    clinic = RotationFactory(
        program=ours.program, name="Continuity clinic", short_name="CLN", is_longitudinal=True
    )
    RotationFactory(program=ours.program, name="Neurology", short_name="NEU")  # not scheduled
    for rotation, end in ((acute, date(2026, 7, 28)), (clinic, date(2027, 6, 30))):
        schedule_block_create(
            actor=None,
            enrolment=enrolment,
            rotation=rotation,
            start_date=date(2026, 7, 1),
            end_date=end,
        )
    client.force_login(ours.faculty)
    page = _grid(client, ours.program)
    legend = page.split('id="legend-heading"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>APS</dt><dd" in legend and "Acute pain service" in legend
    assert "<dt>CLN</dt>" in legend and "Continuity clinic (longitudinal)" in legend
    assert "NEU" not in legend
    assert legend.index("APS") < legend.index("CLN")


def test_scheduled_cells_open_their_block_for_editing(client, ours, enrolment):
    acute = RotationFactory(program=ours.program, short_name="APS")
    block = schedule_block_create(
        actor=None,
        enrolment=enrolment,
        rotation=acute,
        start_date=date(2026, 7, 1),
        end_date=date(2026, 7, 28),
    )
    edit = f"/programs/{ours.program.pk}/schedule/blocks/{block.pk}/edit/"
    client.force_login(ours.coordinator)
    assert f'href="{edit}"' in _grid(client, ours.program)
    client.force_login(ours.faculty)  # sees the grid, may not edit it
    assert edit not in _grid(client, ours.program)
