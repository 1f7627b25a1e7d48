"""The fellow's work-hour pages: scoping (other fellows and other programs get a 404; staff
read, never write), the one-tap fills, adding and editing, findings with their explanations,
query counts that do not grow with the shifts."""

import datetime

import pytest
from django.urls import reverse

from curriculum.models import Membership
from tests.conftest import assert_constant_queries, assert_nothing_changed, page_ok
from tests.curriculum.factories import MembershipFactory
from tests.workhours.factories import FindingExplanationFactory, ShiftFactory
from workhours.models import FindingExplanation, Shift, ShiftTemplate

UTC = datetime.UTC
H = datetime.timedelta(hours=1)
MONDAY = datetime.date(2026, 7, 6)
WEEK = {"week": MONDAY.isoformat()}


@pytest.fixture
def fellow(ours):
    return Membership.objects.get(user=ours.fellow, program=ours.program, role="fellow")


def _url(name, people, **kwargs):
    return reverse(f"workhours:{name}", kwargs={"program_id": people.program.pk, **kwargs})


def _day(fellow, day, hour=7, hours=10, kind="clinical"):
    """A shift starting at ``hour`` local (New York, UTC-4 in July) on ``day``."""
    start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=fellow.program.zone)
    return ShiftFactory(
        program=fellow.program, fellow=fellow, start=start, end=start + hours * H, kind=kind
    )


def test_the_fellow_sees_their_week_with_days_shifts_and_total(client, ours, fellow):
    _day(fellow, MONDAY)
    _day(fellow, MONDAY + datetime.timedelta(days=3), hour=19, hours=12, kind="in-house-call")
    _day(fellow, MONDAY + datetime.timedelta(days=7))  # next week: not shown
    client.force_login(ours.fellow)
    page = page_ok(client, _url("my_week", ours), WEEK).content.decode()
    assert "22 h</strong> this week" in page
    assert "07:00\N{EN DASH}17:00 · Clinical" in page
    assert "19:00\N{EN DASH}07:00 (next day) · In-house call" in page
    assert "Same as last week" in page and "Add shift" in page
    assert "?week=2026-06-29" in page and "?week=2026-07-13" in page


@pytest.mark.parametrize("role", ["director", "coordinator", "faculty"])
def test_only_fellows_have_a_my_week_page(client, ours, role):
    client.force_login(ours.user(role))
    assert client.get(_url("my_week", ours)).status_code == 404


def test_staff_read_a_fellows_week_without_the_buttons(client, ours, fellow):
    _day(fellow, MONDAY)
    for role in ("director", "coordinator"):
        client.force_login(ours.user(role))
        page = page_ok(client, _url("fellow_week", ours, membership_id=fellow.pk), WEEK)
        text = page.content.decode()
        assert "10 h</strong> this week" in text and ours.fellow.display_name in text
        assert "Same as last week" not in text and "Add shift" not in text


def test_faculty_other_fellows_and_other_programs_get_404(client, ours, theirs, fellow):
    other = MembershipFactory(program=ours.program, role="fellow")
    url = _url("fellow_week", ours, membership_id=other.pk)
    client.force_login(ours.fellow)
    assert client.get(url).status_code == 404
    client.force_login(ours.faculty)
    assert client.get(url).status_code == 404
    client.force_login(theirs.director)
    assert client.get(url).status_code == 404
    # A fellow opening their own id goes to their own page.
    client.force_login(ours.fellow)
    own = client.get(_url("fellow_week", ours, membership_id=fellow.pk))
    assert own.status_code == 302 and own["Location"].startswith(_url("my_week", ours))


def test_a_fellow_cannot_edit_or_delete_another_fellows_shift(client, ours, fellow):
    other = MembershipFactory(program=ours.program, role="fellow")
    shift = _day(other, MONDAY)
    client.force_login(ours.fellow)
    with assert_nothing_changed():
        assert client.get(_url("shift_edit", ours, shift_id=shift.pk)).status_code == 404
        assert client.post(_url("shift_delete", ours, shift_id=shift.pk)).status_code == 404


def test_staff_cannot_write(client, ours, fellow):
    shift = _day(fellow, MONDAY)
    client.force_login(ours.director)
    with assert_nothing_changed():
        for name, kwargs in [
            ("shift_add", {}),
            ("week_copy", {}),
            ("week_template_apply", {}),
            ("explanation_save", {}),
            ("shift_delete", {"shift_id": shift.pk}),
        ]:
            assert client.post(_url(name, ours, **kwargs), WEEK).status_code == 404, name


def test_same_as_last_week_is_one_tap_and_a_second_tap_adds_nothing(client, ours, fellow):
    for day in range(5):
        _day(fellow, MONDAY - datetime.timedelta(days=7 - day))
    client.force_login(ours.fellow)
    response = client.post(_url("week_copy", ours), WEEK, follow=True)
    page = response.content.decode()
    assert "5 shifts added from last week" in page
    assert "50 h</strong> this week" in page
    response = client.post(_url("week_copy", ours), WEEK, follow=True)
    assert "No shifts added from last week" in response.content.decode()
    assert Shift.objects.filter(fellow=fellow).count() == 10


def test_add_a_night_shift_from_local_date_and_times(client, ours, fellow):
    client.force_login(ours.fellow)
    data = {
        "date": "2026-07-09",
        "start_time": "19:00",
        "end_time": "07:00",
        "kind": "in-house-call",
    }
    response = client.post(_url("shift_add", ours), data)
    assert response.status_code == 302 and response["Location"].endswith("?week=2026-07-06")
    shift = Shift.objects.get(fellow=fellow)
    assert shift.start == datetime.datetime(2026, 7, 9, 23, tzinfo=UTC)
    assert shift.duration == 12 * H


def test_an_overlapping_shift_comes_back_with_the_message(client, ours, fellow):
    _day(fellow, MONDAY)
    client.force_login(ours.fellow)
    data = {"date": "2026-07-06", "start_time": "16:00", "end_time": "18:00", "kind": "clinical"}
    with assert_nothing_changed():
        response = client.post(_url("shift_add", ours), {**data, **WEEK})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="error-summary"' in page and "overlaps your clinical shift" in page


def test_the_add_form_defaults_to_the_last_kind_used(client, ours, fellow):
    _day(fellow, MONDAY, kind="moonlighting")
    client.force_login(ours.fellow)
    page = page_ok(client, _url("my_week", ours), WEEK).content.decode()
    assert '<option value="moonlighting" selected>' in page


def test_edit_and_delete_a_shift(client, ours, fellow):
    shift = _day(fellow, MONDAY)
    client.force_login(ours.fellow)
    url = _url("shift_edit", ours, shift_id=shift.pk)
    assert 'value="07:00"' in page_ok(client, url).content.decode()
    data = {"date": "2026-07-06", "start_time": "08:00", "end_time": "18:00", "kind": "education"}
    assert client.post(url, data).status_code == 302
    shift.refresh_from_db()
    assert shift.kind == "education" and shift.start.hour == 12
    assert client.post(_url("shift_delete", ours, shift_id=shift.pk)).status_code == 302
    assert not Shift.objects.exists()


def test_the_template_page_saves_rows_and_apply_fills_the_week(client, ours, fellow):
    client.force_login(ours.fellow)
    page_ok(client, _url("template", ours))
    data = {
        "rows-TOTAL_FORMS": "3",
        "rows-INITIAL_FORMS": "0",
        "rows-0-weekday": "0",
        "rows-0-start_time": "07:00",
        "rows-0-end_time": "17:00",
        "rows-0-kind": "clinical",
        "rows-1-weekday": "2",
        "rows-1-start_time": "19:00",
        "rows-1-end_time": "07:00",
        "rows-1-kind": "in-house-call",
        "rows-2-weekday": "",
        "rows-2-start_time": "",
        "rows-2-end_time": "",
        "rows-2-kind": "",
    }
    assert client.post(_url("template", ours), data).status_code == 302
    assert ShiftTemplate.objects.filter(fellow=fellow).count() == 2
    page = client.post(_url("week_template_apply", ours), WEEK, follow=True).content.decode()
    assert "2 shifts added from your template" in page and "22 h</strong> this week" in page


def test_overlapping_template_rows_are_refused_on_the_page(client, ours, fellow):
    client.force_login(ours.fellow)
    data = {
        "rows-TOTAL_FORMS": "2",
        "rows-INITIAL_FORMS": "0",
        "rows-0-weekday": "0",
        "rows-0-start_time": "07:00",
        "rows-0-end_time": "17:00",
        "rows-0-kind": "clinical",
        "rows-1-weekday": "0",
        "rows-1-start_time": "16:00",
        "rows-1-end_time": "18:00",
        "rows-1-kind": "education",
    }
    response = client.post(_url("template", ours), data)
    assert response.status_code == 200 and "Rows 1 and 2 overlap" in response.content.decode()
    assert not ShiftTemplate.objects.exists()


def test_findings_show_red_and_amber_with_the_explanation_form(client, ours, fellow):
    _day(fellow, MONDAY, hour=7, hours=30, kind="in-house-call")  # 24 + 4 violation
    _day(fellow, MONDAY + datetime.timedelta(days=2), hour=7, hours=10)  # 8 h rest: fine
    _day(fellow, MONDAY + datetime.timedelta(days=3), hour=0, hours=5)  # 7 h after: warning
    client.force_login(ours.fellow)
    page = page_ok(client, _url("my_week", ours), WEEK).content.decode()
    assert 'alert-danger finding" data-rule="24+4"' in page
    assert 'alert-warning finding" data-rule="8h-rest"' in page
    assert "Add an explanation" in page


def test_an_explanation_is_saved_from_the_page_and_shown(client, ours, fellow):
    shift = _day(fellow, MONDAY, hour=7, hours=30, kind="in-house-call")
    client.force_login(ours.fellow)
    prefix = f"x24+4-{shift.start:%Y%m%d%H%M}"
    data = {
        **WEEK,
        "prefix": prefix,
        f"{prefix}-rule": "24+4",
        f"{prefix}-period_start": shift.start.isoformat(),
        f"{prefix}-period_end": shift.end.isoformat(),
        f"{prefix}-text": "Two emergencies at handover.",
    }
    page = client.post(_url("explanation_save", ours), data, follow=True).content.decode()
    assert "Explanation saved." in page
    assert "<strong>Explanation:</strong> Two emergencies at handover." in page
    assert FindingExplanation.objects.get().fellow == fellow


def test_staff_see_the_explanation_but_no_form(client, ours, fellow):
    shift = _day(fellow, MONDAY, hour=7, hours=30, kind="in-house-call")
    FindingExplanationFactory(
        program=ours.program,
        fellow=fellow,
        rule="24+4",
        period_start=shift.start,
        period_end=shift.end,
        text="Two emergencies at handover.",
    )
    client.force_login(ours.coordinator)
    page = page_ok(client, _url("fellow_week", ours, membership_id=fellow.pk), WEEK)
    text = page.content.decode()
    assert "Two emergencies at handover." in text and "Save explanation" not in text


def test_my_week_queries_do_not_grow_with_shifts_or_findings(client, ours, fellow):
    client.force_login(ours.fellow)
    url = _url("my_week", ours)
    day = iter(range(100))

    def grow(n):
        for _ in range(n):
            d = next(day)
            # Long days every day: findings appear as the shifts grow.
            _day(
                fellow,
                MONDAY - datetime.timedelta(days=20) + datetime.timedelta(days=d % 27),
                hour=(d // 27) * 8 % 24,
                hours=7,
            )

    assert_constant_queries(lambda: page_ok(client, url, WEEK), grow, sizes=(1, 12))


def test_staff_week_queries_are_bounded(client, ours, fellow, django_assert_max_num_queries):
    for d in range(7):
        _day(fellow, MONDAY + datetime.timedelta(days=d), hours=13)
    client.force_login(ours.director)
    with django_assert_max_num_queries(15):
        page_ok(client, _url("fellow_week", ours, membership_id=fellow.pk), WEEK)


def test_the_explanation_form_the_page_renders_saves(client, ours, fellow):
    from tests.hostile import page_forms

    _day(fellow, MONDAY, hour=7, hours=30, kind="in-house-call")
    client.force_login(ours.fellow)
    page = page_ok(client, _url("my_week", ours), WEEK).content.decode()
    [form] = [f for f in page_forms(page) if f.action == _url("explanation_save", ours)]
    prefix = form.hidden["prefix"]
    data = {**form.hidden, f"{prefix}-text": "Handover ran late."}
    response = client.post(form.action, data, follow=True)
    assert "Explanation saved." in response.content.decode()
    assert FindingExplanation.objects.get().period_start == datetime.datetime(
        2026, 7, 6, 11, tzinfo=UTC
    )
