from functools import partial

import pytest

from curriculum.models import Membership
from procedures.models import ProcedureEntryEvent, ProcedureLogEntry
from tests.conftest import assert_constant_queries, page_ok
from tests.curriculum.factories import MembershipFactory
from tests.procedures.factories import (
    ProcedureLogEntryFactory,
    ProcedureTargetFactory,
    ProcedureTypeFactory,
)
from tests.role_pages import assert_role_page_access

Status = ProcedureLogEntry.Status


def _url(people, suffix: str) -> str:
    return f"/programs/{people.program.pk}/procedures/{suffix}"


def _entry(people, **fields):
    fields.setdefault(
        "supervisor", Membership.objects.get(program=people.program, user=people.faculty)
    )
    fellow = Membership.objects.get(program=people.program, user=people.fellow)
    return ProcedureLogEntryFactory(program=people.program, fellow=fellow, **fields)


def test_queue_access_matrix(client, ours, theirs):
    assert_role_page_access(client, ours, theirs, _url(ours, "verify/"), {"faculty", "director"})


def test_my_progress_access_matrix(client, ours, theirs):
    assert_role_page_access(client, ours, theirs, _url(ours, "progress/"), {"fellow"})


def test_cohort_progress_access_matrix(client, ours, theirs):
    allowed = {"director", "coordinator", "faculty"}
    assert_role_page_access(client, ours, theirs, _url(ours, "cohort-progress/"), allowed)
    assert_role_page_access(client, ours, theirs, _url(ours, "cohort-progress/export.csv"), allowed)


def test_reopen_page_director_only(client, ours, theirs):
    entry = _entry(ours, status=Status.VERIFIED, verified_at="2026-10-02T10:00:00Z")
    assert_role_page_access(
        client, ours, theirs, _url(ours, f"entries/{entry.pk}/reopen/"), {"director"}
    )


def test_queue_shows_only_the_supervisors_entries_oldest_first(client, ours):
    import datetime

    newer = _entry(ours, performed_on=datetime.date(2026, 10, 5))
    older = _entry(ours, performed_on=datetime.date(2026, 9, 5))
    other = _entry(ours, supervisor=MembershipFactory(program=ours.program))
    _entry(ours, status=Status.RETURNED, return_reason="x")
    client.force_login(ours.faculty)
    page = client.get(_url(ours, "verify/")).content.decode()
    assert page.index(f'id="select-{older.pk}"') < page.index(f'id="select-{newer.pk}"')
    assert f'id="select-{other.pk}"' not in page
    assert page.count('name="entry"') == 2
    client.force_login(ours.director)
    assert client.get(_url(ours, "verify/")).content.decode().count('name="entry"') == 3


def test_queue_empty_state(client, ours):
    client.force_login(ours.faculty)
    assert "Nothing to verify" in client.get(_url(ours, "verify/")).content.decode()


def test_verify_one(client, ours):
    entry = _entry(ours)
    client.force_login(ours.faculty)
    response = client.post(_url(ours, f"verify/{entry.pk}/"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == Status.VERIFIED


@pytest.mark.parametrize("who", ["other_faculty", "fellow", "coordinator", "their_director"])
def test_post_endpoints_by_wrong_users_are_404_and_change_nothing(client, ours, theirs, who):
    entry = _entry(ours)
    users = {
        "other_faculty": MembershipFactory(program=ours.program, role=Membership.Role.FACULTY).user,
        "fellow": ours.fellow,
        "coordinator": ours.coordinator,
        "their_director": theirs.director,
    }
    client.force_login(users[who])
    assert client.post(_url(ours, f"verify/{entry.pk}/")).status_code == 404
    assert client.post(_url(ours, "verify/bulk/"), {"entry": [entry.pk]}).status_code == 404
    assert (
        client.post(_url(ours, "verify/bulk/"), {"entry": [entry.pk], "confirm": "1"}).status_code
        == 404
    )
    assert (
        client.post(_url(ours, f"entries/{entry.pk}/return/"), {f"return-{entry.pk}-reason": "x"})
    ).status_code == 404
    assert client.get(_url(ours, f"entries/{entry.pk}/return/")).status_code == 404
    entry.status = Status.VERIFIED
    entry.verified_at = "2026-10-02T10:00:00Z"
    entry.save()
    response = client.post(_url(ours, f"entries/{entry.pk}/reopen/"), {"reason": "x"})
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.status == Status.VERIFIED
    assert not ProcedureEntryEvent.objects.exists()


def test_faculty_cannot_reopen(client, ours):
    entry = _entry(ours, status=Status.VERIFIED, verified_at="2026-10-02T10:00:00Z")
    client.force_login(ours.faculty)
    assert (
        client.post(_url(ours, f"entries/{entry.pk}/reopen/"), {"reason": "x"}).status_code == 404
    )


def test_director_reopens(client, ours):
    entry = _entry(ours, status=Status.VERIFIED, verified_at="2026-10-02T10:00:00Z")
    client.force_login(ours.director)
    response = client.post(_url(ours, f"entries/{entry.pk}/reopen/"), {"reason": "Wrong type"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == Status.PENDING
    assert entry.events.get().reason == "Wrong type"


def test_bulk_confirm_lists_exactly_the_selected_entries_then_verifies(client, ours):
    entries = [_entry(ours) for _ in range(3)]
    untouched = _entry(ours)
    client.force_login(ours.faculty)
    ids = [e.pk for e in entries]
    response = client.post(_url(ours, "verify/bulk/"), {"entry": ids})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="card mb-2 bulk-entry"') == 3
    for entry in entries:
        assert f'name="entry" value="{entry.pk}"' in page
    assert f'value="{untouched.pk}"' not in page
    assert not ProcedureLogEntry.objects.filter(status=Status.VERIFIED).exists()

    response = client.post(_url(ours, "verify/bulk/"), {"entry": ids, "confirm": "1"})
    assert response.status_code == 302
    assert set(
        ProcedureLogEntry.objects.filter(status=Status.VERIFIED).values_list("pk", flat=True)
    ) == set(ids)
    untouched.refresh_from_db()
    assert untouched.status == Status.PENDING


def test_bulk_with_an_entry_no_longer_pending_changes_nothing(client, ours):
    pending = _entry(ours)
    done = _entry(ours, status=Status.VERIFIED, verified_at="2026-10-02T10:00:00Z")
    client.force_login(ours.faculty)
    response = client.post(
        _url(ours, "verify/bulk/"), {"entry": [pending.pk, done.pk], "confirm": "1"}, follow=True
    )
    assert "no longer pending" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Status.PENDING


def test_return_form_page_htmx_partial_and_post(client, ours):
    entry = _entry(ours)
    client.force_login(ours.faculty)
    url = _url(ours, f"entries/{entry.pk}/return/")
    assert "<html" in client.get(url).content.decode()
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and "Reason the fellow will see" in partial
    response = client.post(url, {f"return-{entry.pk}-reason": ""})
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.status == Status.PENDING
    response = client.post(url, {f"return-{entry.pk}-reason": "Level missing"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.return_reason) == (Status.RETURNED, "Level missing")


def test_my_progress_shows_counts_and_chart_data(client, ours):
    procedure_type = ProcedureTypeFactory(program=ours.program, name="Stellate ganglion")
    ProcedureTargetFactory(program=ours.program, procedure_type=procedure_type, minimum=5)
    for _ in range(2):
        _entry(ours, procedure_type=procedure_type)
    client.force_login(ours.fellow)
    page = client.get(_url(ours, "progress/")).content.decode()
    assert "Short by 5" in page
    assert 'id="progress-data"' in page and "procedure_progress.js" in page
    assert "<script>" not in page and "style=" not in page


def test_cohort_progress_marks_shortfalls_in_words(client, ours):
    procedure_type = ProcedureTypeFactory(program=ours.program, name="Stellate ganglion")
    ProcedureTargetFactory(program=ours.program, procedure_type=procedure_type, minimum=7)
    _entry(ours, procedure_type=procedure_type)
    client.force_login(ours.director)
    page = client.get(_url(ours, "cohort-progress/")).content.decode()
    assert "0/7 (1 pending)" in page and "short 7" in page and "table-warning" in page
    csv_text = client.get(_url(ours, "cohort-progress/export.csv")).content.decode()
    assert "Stellate ganglion: verified" in csv_text


def test_faculty_home_counts_entries_waiting(client, ours):
    for _ in range(2):
        _entry(ours)
    client.force_login(ours.faculty)
    page = client.get(f"/programs/{ours.program.pk}/waiting/").content.decode()
    assert "2 procedure entries are waiting for your verification" in page
    assert _url(ours, "verify/") in page


def test_queue_query_count_does_not_grow(client, ours):
    client.force_login(ours.faculty)
    for _ in range(3):
        _entry(ours)
    supervisor = Membership.objects.get(program=ours.program, user=ours.faculty)

    def add_entries(n):  # of five more fellows, in five more procedures
        types = [ProcedureTypeFactory(program=ours.program) for _ in range(5)]
        fellows = [MembershipFactory(program=ours.program, role="fellow") for _ in range(5)]
        for index in range(n):
            ProcedureLogEntryFactory(
                program=ours.program,
                fellow=fellows[index % 5],
                procedure_type=types[index % 5],
                supervisor=supervisor,
            )

    queue = partial(page_ok, client, _url(ours, "verify/"))
    assert_constant_queries(queue, add_entries, sizes=(3, 60))


def test_cohort_progress_query_count_does_not_grow(client, ours):
    types = [ProcedureTypeFactory(program=ours.program) for _ in range(4)]
    for procedure_type in types:
        ProcedureTargetFactory(program=ours.program, procedure_type=procedure_type, minimum=3)
    client.force_login(ours.director)
    supervisor = Membership.objects.get(program=ours.program, user=ours.faculty)

    def add_fellows(n):  # each with five entries
        for index in range(n):
            fellow = MembershipFactory(program=ours.program, role="fellow")
            for k in range(5):
                ProcedureLogEntryFactory(
                    program=ours.program,
                    fellow=fellow,
                    procedure_type=types[(index + k) % 4],
                    supervisor=supervisor,
                )

    MembershipFactory(program=ours.program, role="fellow")
    progress = partial(page_ok, client, _url(ours, "cohort-progress/"))
    assert_constant_queries(progress, add_fellows, sizes=(0, 28))
