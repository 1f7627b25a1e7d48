"""The procedure log's writes, the verification queue, the fellow's own export, the dashboard's
SQL floor and the ``--procedures-x4`` growth run, for ``benchmarks.run``.

Every write is timed around the request alone: the form token, the POST data and the clean-up
(deleting the created entry, putting a verified entry back to pending) happen outside the timed
part, so each timed request does the same work on the same data. Data added for a measurement
(entries topped up for the 1,000-row export, the 3x copies of ``--procedures-x4``) lives inside a
transaction that is rolled back, so the bench database is left as it was.
"""

import datetime
import statistics
import time
import tracemalloc
from contextlib import contextmanager

from benchmarks.measure import QueryCounter, consume, percentile


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Run the block in a transaction that is always rolled back. The test client keeps its
    connection between requests (it disconnects ``close_old_connections``), so requests made
    inside see the added rows and their writes are undone with them."""
    from django.db import transaction

    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def _summary(timings: list[float], cpu: list[float], queries: int) -> dict:
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "queries": queries,
        "requests": len(timings),
    }


def measure_posts(client, prepare, check, cleanup, repeat: int) -> dict:
    """``prepare(i) -> (url, data)`` and ``cleanup(i, response)`` run outside the timing;
    ``check(i, response)`` asserts the write happened. Two warm-ups, one counted request."""
    from django.db import connection

    def one(i, counter=None):
        url, data = prepare(i)
        started, cpu_started = time.perf_counter(), time.process_time()
        if counter is None:
            response = client.post(url, data)
        else:
            with connection.execute_wrapper(counter):
                response = client.post(url, data)
        wall = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - cpu_started) * 1000
        check(i, response)
        cleanup(i, response)
        return wall, cpu

    one(0)
    one(1)
    counter = QueryCounter()
    one(2, counter)
    timings, cpu = [], []
    for i in range(3, 3 + repeat):
        wall, used = one(i)
        timings.append(wall)
        cpu.append(used)
    return _summary(timings, cpu, counter.count)


# --- The create POST ---------------------------------------------------------------------------


def create_post(*, fellow_user, fellow, program, repeat: int) -> dict:
    """A fellow saves a valid new entry (the fields of their latest one, a new form token)."""
    from django.test import Client
    from django.urls import reverse

    from core.once import FIELD, new_token
    from procedures.models import ProcedureEntryEvent, ProcedureLogEntry

    one_day = datetime.timedelta(days=1)
    latest = ProcedureLogEntry.objects.filter(fellow=fellow).order_by("-performed_on", "-pk")[0]
    data = {
        # Not in the program's future (the seed may have logged "today" in UTC).
        "performed_on": min(latest.performed_on, program.today() - one_day).isoformat(),
        "procedure_type": latest.procedure_type_id,
        "guidance": latest.guidance,
        "role": latest.role,
        "supervisor": latest.supervisor_id,
        "supervision_level": latest.supervision_level,
        "complication": latest.complication,
        "age_band": latest.age_band,
        "level": latest.level,
        "laterality": latest.laterality,
    }
    url = reverse("procedures:entry_create", args=[program.pk])
    client = Client()
    client.force_login(fellow_user)
    newest = {"pk": ProcedureLogEntry.objects.order_by("-pk").values_list("pk", flat=True)[0]}

    def prepare(i):
        return url, {**data, "note": f"bench entry {i}", FIELD: new_token()}

    def check(i, response):
        assert response.status_code == 302, (url, response.status_code, _errors(response))

    def cleanup(i, response):
        created = list(
            ProcedureLogEntry.objects.filter(fellow=fellow, pk__gt=newest["pk"]).values_list(
                "pk", flat=True
            )
        )
        assert len(created) == 1, created
        ProcedureEntryEvent.objects.filter(entry_id__in=created).delete()
        ProcedureLogEntry.objects.filter(pk__in=created).delete()

    return measure_posts(client, prepare, check, cleanup, repeat)


def _errors(response) -> list[str]:
    """The error messages a re-rendered form shows (for the assertion's message)."""
    import re

    text = response.content.decode()
    return re.findall(r'class="alert-link">([^<]+)</a>:\s*([^<]+)', text)


# --- Verification --------------------------------------------------------------------------------


def pending_for(*, faculty, program) -> list[int]:
    from procedures.selectors.verification import verifiable_entry_list

    return list(
        verifiable_entry_list(user=faculty, program=program)
        .filter(status="pending")
        .order_by("performed_on", "pk")
        .values_list("pk", flat=True)
    )


def verify_posts(*, faculty, program, pending: list[int], size: int | None, repeat: int) -> dict:
    """Verify one entry (``size`` None: the single-entry URL) or ``size`` entries at once
    (the bulk URL with ``confirm=1``); every entry is put back to pending after each request."""
    from django.test import Client
    from django.urls import reverse

    from procedures.models import ProcedureEntryEvent, ProcedureLogEntry

    count = size or 1
    assert len(pending) >= count, f"{faculty} has {len(pending)} pending entries, need {count}"
    fields = ["status", "verified_by_id", "verified_at", "return_reason", "updated_at"]
    client = Client()
    client.force_login(faculty)
    bulk_url = reverse("procedures:entry_verify_bulk", args=[program.pk])
    chosen: dict[int, list[int]] = {}

    def prepare(i):
        start = (i * count) % (len(pending) - count + 1)
        ids = pending[start : start + count]
        chosen[i] = ids
        chosen[-1] = list(
            ProcedureEntryEvent.objects.order_by("-pk").values_list("pk", flat=True)[:1]
        )
        chosen[-2] = list(ProcedureLogEntry.objects.filter(pk__in=ids).values("pk", *fields))
        if size is None:
            return reverse("procedures:entry_verify", args=[program.pk, ids[0]]), {}
        return bulk_url, {"entry": ids, "confirm": "1"}

    def check(i, response):
        assert response.status_code == 302, response.status_code
        verified = ProcedureLogEntry.objects.filter(pk__in=chosen[i], status="verified").count()
        assert verified == count, (verified, count)

    def cleanup(i, response):
        last_event = (chosen[-1] or [0])[0]
        ProcedureEntryEvent.objects.filter(entry_id__in=chosen[i], pk__gt=last_event).delete()
        for row in chosen[-2]:
            pk = row.pop("pk")
            ProcedureLogEntry.objects.filter(pk=pk).update(**row)

    return measure_posts(client, prepare, check, cleanup, repeat)


# --- The fellow's own export ----------------------------------------------------------------------


def top_up(*, fellow, rows: int) -> int:
    """Copy the fellow's entries (inside the caller's transaction) until they have ``rows``;
    returns how many they have."""
    from procedures.models import ProcedureLogEntry

    have = ProcedureLogEntry.objects.filter(fellow=fellow).count()
    if have and have < rows:
        _copy(copies=-(-(rows - have) // have), fellow_id=fellow.pk, limit=rows - have)
    return ProcedureLogEntry.objects.filter(fellow=fellow).count()


def top_up_pending(*, supervisor_id: int, rows: int) -> None:
    """Copy the pending entries a faculty member supervises (inside the caller's transaction)
    until there are at least ``rows``, for the bulk sizes the seed data cannot fill."""
    from procedures.models import ProcedureLogEntry

    have = ProcedureLogEntry.objects.filter(supervisor_id=supervisor_id, status="pending").count()
    if have and have < rows:
        _copy(copies=-(-(rows - have) // have), supervisor_id=supervisor_id, limit=rows - have)


def _copy(
    *,
    copies: int,
    fellow_id: int | None = None,
    supervisor_id: int | None = None,
    limit: int | None = None,
) -> None:
    """``copies`` more copies of the entries (one fellow's, one supervisor's pending ones, or
    all; at most ``limit`` rows): the same values with new ids; then ANALYZE, as a live database
    would have statistics."""
    from django.db import connection

    from procedures.models import ProcedureLogEntry

    table = ProcedureLogEntry._meta.db_table
    fields = ProcedureLogEntry._meta.concrete_fields
    names = ", ".join(f'"{f.column}"' for f in fields if not f.primary_key)
    with connection.cursor() as cursor:
        # The table and column names come from the model; every value is a parameter.
        insert = f"INSERT INTO {table} ({names}) SELECT {names} FROM {table} "  # noqa: S608
        cursor.execute(
            insert + "CROSS JOIN generate_series(1, %s) "
            "WHERE (%s::bigint IS NULL OR fellow_id = %s) AND (%s::bigint IS NULL "
            "OR (supervisor_id = %s AND status = 'pending')) ORDER BY id LIMIT %s",
            [copies, fellow_id, fellow_id, supervisor_id, supervisor_id, limit],
        )
        cursor.execute(f"ANALYZE {table}")


def export_memory(client, url: str) -> dict:
    """Rows and tracemalloc peak of one export, consumed to the last byte."""
    response = client.get(url)
    tracemalloc.start()
    if response.streaming:
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    else:
        lines = response.content.count(b"\n")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rows": lines - 1, "peak_kib": round(peak / 1024)}


def x4(*, measure_pages) -> None:
    """Three more copies of every procedure entry (the table four times as big), ANALYZE, then
    ``measure_pages()``; run by the caller inside ``rolled_back()``."""
    _copy(copies=3)
    measure_pages()


__all__ = ["consume", "rolled_back"]
