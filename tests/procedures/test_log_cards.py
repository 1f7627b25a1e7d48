"""Phone-first work pages (issue 15 item 7): the log's one table that becomes cards below md,
and the verification queue's "select all" box and sticky bulk bar. The browser test
(tests/browser/test_phone_work.py) checks how both look and behave on a phone."""

import re
from functools import partial
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from procedures.models import ProcedureLogEntry
from tests.conftest import assert_constant_queries, page_ok
from tests.procedures.test_log import log as log  # fixture
from tests.procedures.test_log_views import add_entries, url

Status = ProcedureLogEntry.Status
PROJECT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "project.css"


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr class="entry-row">(.*?)</tr>', page, flags=re.S)


def _cell(row: str, label: str) -> str:
    match = re.search(rf'<(td|th)[^>]*data-label="{label}"[^>]*>(.*?)</\1>', row, flags=re.S)
    assert match, f"no {label} cell in {row}"
    return match.group(2)


def _actions(row: str) -> str:
    match = re.search(r'<td class="[^"]*entry-actions[^"]*">(.*?)</td>', row, flags=re.S)
    assert match, f"no actions cell in {row}"
    return match.group(1)


def test_own_log_rows_are_cards_with_status_reason_and_actions(client, ours, log):
    (returned,) = add_entries(log, 1, status=Status.RETURNED, return_reason="Wrong level logged")
    add_entries(log, 1, status=Status.VERIFIED, verified_at="2026-10-02T10:00:00Z")
    client.force_login(ours.fellow)
    page = page_ok(client, url("log", ours.program)).content.decode()

    assert page.count('class="table table-sm align-middle table-cards"') == 1
    rows = _rows(page)
    assert len(rows) == 2  # one list: each entry is rendered once, not once per layout
    row = next(row for row in rows if ">Returned</span>" in row)
    assert "Oct 1, 2026" in _cell(row, "Date")
    assert log.tfesi.name in _cell(row, "Procedure")
    status = _cell(row, "Status")
    assert ">Returned</span>" in status and "Reason: Wrong level logged" in status
    actions = _actions(row)
    assert url("entry_edit", ours.program, entry_id=returned.pk) in actions
    assert url("entry_delete", ours.program, entry_id=returned.pk) in actions
    verified_row = next(row for row in rows if ">Verified</span>" in row)
    assert _actions(verified_row).strip() == ""  # empty, so the card hides it (:empty)
    assert page.count(url("entry_edit", ours.program, entry_id=returned.pk)) == 1


def test_fellow_log_for_staff_uses_the_same_cards_with_reopen(client, ours, log):
    (verified,) = add_entries(log, 1, status=Status.VERIFIED, verified_at="2026-10-02T10:00:00Z")
    client.force_login(ours.director)
    path = url("fellow_log", ours.program, membership_id=log.fellow.pk)
    (row,) = _rows(page_ok(client, path).content.decode())
    assert log.faculty.user.display_name in _cell(row, "Supervisor")
    assert reverse(
        "procedures:entry_reopen", kwargs={"program_id": ours.program.pk, "entry_id": verified.pk}
    ) in _actions(row)


def test_the_card_layout_is_css_below_md():
    css = PROJECT_CSS.read_text()
    phone = css[css.index("@media (max-width: 767.98px)") :]
    assert ".table-cards tbody tr" in phone
    assert "content: attr(data-label)" in phone
    assert re.search(r"\.bulk-bar \{[^}]*position: sticky; bottom: 0;", css)


def test_queue_has_select_all_and_a_sticky_bar_with_a_count(client, ours, log):
    entries = add_entries(log, 3)
    client.force_login(ours.faculty)
    page = page_ok(client, url("verification_queue", ours.program)).content.decode()
    # Progressive: the box is hidden until select_all.js shows it; each row box works alone.
    assert re.search(r"<div[^>]*data-select-all-box hidden>", page)
    assert 'data-select-all="bulk-form"' in page
    assert "Select all on this page (3)" in page
    for entry in entries:
        assert f'name="entry" value="{entry.pk}" form="bulk-form"' in page
    bar = re.search(r'<form id="bulk-form"[^>]*class="bulk-bar[^"]*"[^>]*>(.*?)</form>', page, re.S)
    assert bar and "Verify selected" in bar.group(1)
    assert 'data-select-count="bulk-form"' in bar.group(1)
    assert re.search(r'<script src="[^"]*js/select_all\.js" defer></script>', page)
    assert (Path(settings.BASE_DIR) / "static" / "js" / "select_all.js").exists()


def test_queue_without_js_still_posts_the_ticked_entries(client, ours, log):
    entries = add_entries(log, 2)
    client.force_login(ours.faculty)
    response = client.post(
        url("entry_verify_bulk", ours.program), {"entry": [e.pk for e in entries]}
    )
    assert response.status_code == 200  # the confirmation page, listing both
    assert {e.pk for e in response.context["entries"]} == {e.pk for e in entries}


def test_queue_query_count_does_not_grow(client, ours, log):
    client.force_login(ours.faculty)
    path = url("verification_queue", ours.program)
    assert_constant_queries(partial(page_ok, client, path), lambda n: add_entries(log, n))


def test_log_cards_query_count_does_not_grow(client, ours, log):
    client.force_login(ours.fellow)
    path = url("log", ours.program)
    grow = lambda n: add_entries(log, n, status=Status.RETURNED, return_reason="Why")  # noqa: E731
    assert_constant_queries(partial(page_ok, client, path), grow, sizes=(2, 30))
