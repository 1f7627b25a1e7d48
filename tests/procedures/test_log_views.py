"""Views of the case log: access matrix, 404 out of scope, filters, export, query counts."""

import csv
import io
from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from curriculum.models import Membership
from procedures.models import ProcedureLogEntry
from tests.conftest import assert_constant_queries, page_ok
from tests.curriculum.factories import MembershipFactory
from tests.procedures.factories import (
    ProcedureCategoryFactory,
    ProcedureLogEntryFactory,
    ProcedureTypeFactory,
)
from tests.procedures.test_log import csv_bytes, good_row, membership
from tests.procedures.test_log import log as log  # fixture
from tests.role_pages import assert_role_page_access

Entry = ProcedureLogEntry
Role = Membership.Role


def url(name, program, **kwargs):
    return reverse(f"procedures:{name}", kwargs={"program_id": program.pk, **kwargs})


def add_entries(log, count, **fields):
    return ProcedureLogEntryFactory.create_batch(
        count,
        program=log.fellow.program,
        fellow=log.fellow,
        supervisor=log.faculty,
        procedure_type=log.tfesi,
        **fields,
    )


def test_log_page_is_for_the_fellow_only(client, ours, theirs, log):
    assert_role_page_access(client, ours, theirs, url("log", ours.program), {Role.FELLOW})


def test_fellow_log_is_for_staff_faculty_and_the_fellow(client, ours, theirs, log):
    add_entries(log, 2)
    path = url("fellow_log", ours.program, membership_id=log.fellow.pk)
    assert_role_page_access(
        client, ours, theirs, path, {Role.DIRECTOR, Role.COORDINATOR, Role.FACULTY, Role.FELLOW}
    )
    export = url("fellow_log_export", ours.program, membership_id=log.fellow.pk)
    assert_role_page_access(
        client, ours, theirs, export, {Role.DIRECTOR, Role.COORDINATOR, Role.FACULTY, Role.FELLOW}
    )


def test_another_fellow_cannot_see_or_change_a_fellows_entries(client, ours, log):
    (entry,) = add_entries(log, 1)
    other = MembershipFactory(program=ours.program, role=Role.FELLOW)
    client.force_login(other.user)
    assert (
        client.get(url("fellow_log", ours.program, membership_id=log.fellow.pk)).status_code == 404
    )
    for name in ("entry_edit", "entry_delete"):
        path = url(name, ours.program, entry_id=entry.pk)
        assert client.get(path).status_code == 404
        assert client.post(path, {}).status_code == 404
    assert Entry.objects.filter(pk=entry.pk).exists()
    assert client.get(url("log", ours.program)).context["entry_page"].paginator.count == 0


def test_fellow_of_another_program_gets_404_for_our_pages(client, ours, theirs, log):
    (entry,) = add_entries(log, 1)
    client.force_login(theirs.fellow)
    for path in (
        url("entry_create", ours.program),
        url("entry_edit", ours.program, entry_id=entry.pk),
        url("log_import", ours.program),
        url("log_export", ours.program),
    ):
        assert client.get(path).status_code == 404


def test_create_prefills_a_repeat_and_saves(client, ours, log):
    add_entries(log, 1, level="L4-L5", laterality="left", age_band="65_79")
    client.force_login(ours.fellow)
    response = client.get(url("entry_create", ours.program) + "?repeat=1")
    initial = response.context["form"].initial
    assert initial["procedure_type"] == log.tfesi.pk
    assert initial["age_band"] == "65_79"
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["performed_on"] = initial["performed_on"].isoformat()
    response = client.post(url("entry_create", ours.program), data, follow=True)
    assert response.redirect_chain[-1][0] == url("log", ours.program)
    assert "Logged: Lumbar transforaminal epidural on" in response.content.decode()
    assert Entry.objects.count() == 2


def test_an_mrn_in_the_note_is_shown_on_the_form_and_nothing_saved(client, ours, log):
    client.force_login(ours.fellow)
    data = {
        "performed_on": "2026-01-05",
        "procedure_type": log.tfesi.pk,
        "guidance": "fluoroscopy",
        "role": "performed",
        "supervisor": log.faculty.pk,
        "supervision_level": "direct",
        "complication": "none",
        "age_band": "40_64",
        "note": "MRN 12345678",
    }
    response = client.post(url("entry_create", ours.program), data)
    assert response.status_code == 200
    assert "looks like it contains a medical record number" in response.content.decode()
    assert not Entry.objects.exists()


def test_edit_and_delete_own_entry(client, ours, log):
    (entry,) = add_entries(log, 1, level="L4-L5", laterality="left")
    client.force_login(ours.fellow)
    response = client.get(url("entry_edit", ours.program, entry_id=entry.pk))
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(performed_on="2026-09-30", level="L5-S1")
    assert client.post(url("entry_edit", ours.program, entry_id=entry.pk), data).status_code == 302
    entry.refresh_from_db()
    assert entry.level == "L5-S1"
    path = url("entry_delete", ours.program, entry_id=entry.pk)
    assert "Delete this entry?" in client.get(path).content.decode()
    assert client.post(path).status_code == 302
    assert not Entry.objects.exists()


def test_favourite_toggle_htmx_swaps_the_button(client, ours, log):
    client.force_login(ours.fellow)
    path = url("favourite_toggle", ours.program, type_id=log.tfesi.pk)
    response = client.post(path, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Remove" in body and "<html" not in body
    assert client.post(path).status_code == 302
    assert client.get(path).status_code == 405


def test_filters_and_htmx_partial(client, ours, log):
    other_type = ProcedureTypeFactory(
        program=ours.program, category=ProcedureCategoryFactory(program=ours.program)
    )
    add_entries(log, 2)
    ProcedureLogEntryFactory(
        program=ours.program,
        fellow=log.fellow,
        supervisor=log.faculty,
        procedure_type=other_type,
        role="observed",
    )
    client.force_login(ours.fellow)
    response = client.get(url("log", ours.program), {"category": other_type.category_id})
    assert response.context["entry_page"].paginator.count == 1
    response = client.get(url("log", ours.program), {"role": "performed"})
    assert response.context["entry_page"].paginator.count == 2
    response = client.get(url("log", ours.program), {"role": "nonsense", "status": "pending"})
    assert response.context["entry_page"].paginator.count == 3
    response = client.get(url("log", ours.program), {"date_from": "2026-10-02"})
    assert response.context["entry_page"].paginator.count == 0
    response = client.get(
        url("log", ours.program), {"role": "observed"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and 'id="entries"' in body and other_type.name in body


def test_pagination_keeps_filters(client, ours, log):
    add_entries(log, 30)
    client.force_login(ours.fellow)
    response = client.get(url("log", ours.program), {"role": "performed"})
    assert len(response.context["entry_page"].object_list) == 25
    assert "role=performed&amp;page=2" in response.content.decode()


def test_export_csv_keeps_the_filters(client, ours, log):
    add_entries(log, 2, level="L4-L5", note="=cmd")
    add_entries(log, 1, role="assisted")
    client.force_login(ours.fellow)
    response = client.get(url("log_export", ours.program), {"role": "performed"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming  # memory stays flat however long the log (issue 18)
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert len(rows) == 2
    assert rows[0]["procedure"] == "Lumbar transforaminal epidural"
    assert rows[0]["supervisor_email"] == log.faculty.user.email
    assert rows[0]["status"] == "pending"
    assert rows[0]["note"] == "'=cmd"
    client.force_login(ours.director)
    response = client.get(url("fellow_log_export", ours.program, membership_id=log.fellow.pk))
    assert len(list(csv.DictReader(io.StringIO(response.getvalue().decode())))) == 3


@pytest.mark.parametrize("view", ["log", "fellow_log"])
def test_log_list_query_count_does_not_grow(client, ours, log, view):
    client.force_login(ours.fellow if view == "log" else ours.director)
    path = (
        url("log", ours.program)
        if view == "log"
        else url("fellow_log", ours.program, membership_id=log.fellow.pk)
    )
    grow = lambda n: add_entries(log, n)  # noqa: E731
    assert_constant_queries(partial(page_ok, client, path), grow, sizes=(3, 60))


def test_import_preview_then_confirm(client, ours, log):
    client.force_login(ours.fellow)
    path = url("log_import", ours.program)
    bad = csv_bytes(log, good_row(log), good_row(log, guidance="xray"))
    response = client.post(path, {"step": "preview", "file": SimpleUploadedFile("log.csv", bad)})
    body = response.content.decode()
    assert (
        "Row 3 (guidance): &#x27;xray&#x27; is not one of fluoroscopy, ultrasound, ct, landmark"
        in body
    )
    assert "Nothing was imported." in body
    assert client.post(path, {"step": "confirm", "digest": "x"}).status_code == 200
    assert not Entry.objects.exists()

    good = csv_bytes(log, good_row(log), good_row(log, date="2026-09-16"))
    response = client.post(path, {"step": "preview", "file": SimpleUploadedFile("log.csv", good)})
    assert "2 rows ready, 0 with problems" in response.content.decode()
    digest = response.context["digest"]
    response = client.post(path, {"step": "confirm", "digest": digest}, follow=True)
    assert "2 entries imported" in response.content.decode()
    assert Entry.objects.filter(status="pending").count() == 2


def test_import_template_downloads(client, ours, log):
    client.force_login(ours.fellow)
    response = client.get(url("log_import_template", ours.program))
    assert response.content.decode().startswith("date,procedure,guidance")
    assert membership(ours, Role.FELLOW) == log.fellow


def test_director_sees_reopen_on_verified_entries_and_others_do_not(client, ours):
    from django.utils import timezone

    from tests.procedures.factories import ProcedureLogEntryFactory

    entry = ProcedureLogEntryFactory(
        program=ours.program,
        fellow=ours.fellow.memberships.get(program=ours.program),
        status="verified",
        verified_at=timezone.now(),
    )
    url = f"/programs/{ours.program.pk}/procedures/fellows/{entry.fellow_id}/"
    reopen = f"/programs/{ours.program.pk}/procedures/entries/{entry.pk}/reopen/"
    client.force_login(ours.director)
    assert reopen in client.get(url).content.decode()
    for role in ("coordinator", "faculty", "fellow"):
        client.force_login(ours.user(role))
        assert reopen not in client.get(url).content.decode(), role


def test_favourites_catalogue_loads_only_when_the_panel_is_opened(client, ours, log):
    client.force_login(ours.fellow)
    toggle = url("favourite_toggle", ours.program, type_id=log.tfesi.pk)
    page = client.get(url("log", ours.program)).content.decode()
    assert toggle not in page and "Show the procedure list" in page

    # htmx fetches the list when the panel opens ...
    panel = client.get(
        url("log", ours.program),
        {"panel": "favourites"},
        headers={"HX-Request": "true", "HX-Target": "favourite-list"},
    ).content.decode()
    assert toggle in panel and "<html" not in panel
    # ... and without JavaScript the link reloads the page with the panel open.
    full = client.get(url("log", ours.program), {"panel": "favourites"}).content.decode()
    assert toggle in full and 'id="favourites-panel" open' in full
