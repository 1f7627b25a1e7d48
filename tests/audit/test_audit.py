import csv
import datetime
import io
from decimal import Decimal
from functools import partial

import pytest
from django.db import DatabaseError, transaction
from django.test import RequestFactory
from django.urls import reverse

from audit.context import AuditContextMiddleware
from audit.models import AuditEvent
from audit.selectors import audit_event_list
from audit.services import audit_record, changes_between, field_values
from tests.conftest import assert_constant_queries, is_postgres, page_ok, require_service
from tests.role_pages import assert_role_page_access

pytestmark = pytest.mark.django_db


def test_changes_between_lists_only_changed_fields_as_json_safe_values():
    before = {"status": "pending", "count": 2, "when": datetime.date(2026, 7, 1), "level": None}
    after = {
        "status": "verified",
        "count": 2,
        "when": datetime.date(2026, 7, 2),
        "level": Decimal("3.5"),
    }
    assert changes_between(before, after) == {
        "level": [None, "3.5"],
        "status": ["pending", "verified"],
        "when": ["2026-07-01", "2026-07-02"],
    }


def test_field_values_reads_foreign_keys_by_id(ours):
    membership = ours.program.memberships.get(user=ours.fellow)
    assert field_values(membership, ["program", "role"]) == {
        "program": ours.program.pk,
        "role": "fellow",
    }


def test_record_outside_a_request_has_no_request_details(ours):
    event = audit_record(actor=None, action="reminder.send", obj=ours.program, program=ours.program)
    assert event.actor is None
    assert event.request_id == ""
    assert event.ip_address is None
    assert event.object_type == "curriculum.program"
    assert event.object_id == str(ours.program.pk)


def test_record_inside_a_request_names_the_request(ours):
    recorded = {}

    def view(request):
        recorded["event"] = audit_record(
            actor=ours.director, action="target.update", obj=ours.program, changes={"a": [1, 2]}
        )
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = RequestFactory().post("/programs/1/targets/", REMOTE_ADDR="10.1.2.3")
    response = AuditContextMiddleware(view)(request)
    event = recorded["event"]
    assert event.request_method == "POST"
    assert event.request_path == "/programs/1/targets/"
    assert event.ip_address == "10.1.2.3"
    assert event.request_id and response["X-Request-ID"] == event.request_id
    assert event.program_id == ours.program.pk  # taken from the object
    assert event.changes == {"a": [1, 2]}


def test_events_cannot_be_changed_or_deleted_in_the_database(ours):
    if not is_postgres():
        require_service("the append-only trigger exists on PostgreSQL only")
    event = audit_record(actor=ours.director, action="x.y", obj=ours.program)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "x.y"


def test_only_the_director_sees_the_trail(ours, theirs):
    audit_record(actor=ours.director, action="x.y", obj=ours.program)
    audit_record(actor=theirs.director, action="x.y", obj=theirs.program)
    assert audit_event_list(user=ours.director, program=ours.program).count() == 1
    for role in ("coordinator", "faculty", "fellow"):
        assert not audit_event_list(user=ours.user(role), program=ours.program).exists()
    assert not audit_event_list(user=theirs.director, program=ours.program).exists()


def test_trail_page_access(client, ours, theirs):
    path = reverse("audit:event_list", kwargs={"program_id": ours.program.pk})
    assert_role_page_access(client, ours, theirs, path, allowed={"director"})
    export = reverse("audit:event_export", kwargs={"program_id": ours.program.pk})
    assert_role_page_access(client, ours, theirs, export, allowed={"director"})


def test_trail_page_filters_and_its_query_count_does_not_grow(client, ours):
    for _ in range(3):
        audit_record(actor=ours.director, action="procedure_entry.verify", obj=ours.program)
    audit_record(actor=None, action="reminder.send", obj=ours.program)
    client.force_login(ours.director)
    path = reverse("audit:event_list", kwargs={"program_id": ours.program.pk})
    response = client.get(path, {"action": "reminder.send"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
    assert "System" in response.content.decode()

    def add_events(n):
        for _ in range(n):
            audit_record(actor=ours.coordinator, action="membership.deactivate", obj=ours.program)

    assert_constant_queries(partial(page_ok, client, path), add_events, sizes=(0, 40))


def test_bad_dates_say_so_and_show_everything(client, ours):
    audit_record(actor=ours.director, action="x.y", obj=ours.program)
    client.force_login(ours.director)
    path = reverse("audit:event_list", kwargs={"program_id": ours.program.pk})
    response = client.get(path, {"since": "2026-12-02", "until": "2026-12-01"})
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()


def test_export_streams_every_event_as_safe_csv(client, ours):
    ours.program.name = "=HYPERLINK(1)"  # what a hostile name would do in a spreadsheet
    audit_record(actor=ours.director, action="assessment.sign", obj=ours.program)
    client.force_login(ours.director)
    response = client.get(reverse("audit:event_export", kwargs={"program_id": ours.program.pk}))
    assert response.status_code == 200
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == f"when ({ours.program.timezone})"
    assert rows[1][1] == ours.director.email
    assert rows[1][2] == "assessment.sign"
    assert rows[1][5] == "'=HYPERLINK(1)"


def test_program_overview_links_the_trail_for_the_director_only(client, ours):
    path = reverse("curriculum:program_overview", kwargs={"program_id": ours.program.pk})
    trail = reverse("audit:event_list", kwargs={"program_id": ours.program.pk})
    client.force_login(ours.director)
    assert trail in client.get(path).content.decode()
    client.force_login(ours.coordinator)
    assert trail not in client.get(path).content.decode()
