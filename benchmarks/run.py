"""`make bench`: seed the scale data on PostgreSQL (reused when present), then measure.

For each page: server-side time over repeated requests through Django's test client, signed in
as a real user of the large scale program (median and 95th percentile), and the SQL query count
of one request. The CSV export is consumed to the last byte (it is streamed) and its memory is
compared for about 5,000 and 20,000 rows with tracemalloc. The reminder sweep comes from
``benchmarks.reminder_sweep.measure`` when that module exists.

Prints a table and writes ``benchmarks/results.json``: {name: {p50_ms, p95_ms, queries, ...}}.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fellowship_bench python -m benchmarks.run
"""

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/fellowship_bench"
RESULTS = Path(__file__).resolve().parent / "results.json"
TARGETS_MS = {
    "cohort_dashboard": 150,
    "fellow_home": 80,
    "faculty_queue": 80,
    "procedure_log_list": 80,
    "procedure_export_5000": 1000,
    "reminder_sweep_10000": 30_000,
}


def _ensure_database(url: str) -> None:
    """Create the benchmark database when it does not exist yet."""
    import psycopg
    from psycopg import sql

    head, _, name = url.rpartition("/")
    name = name.split("?")[0]
    with psycopg.connect(f"{head}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.")


def _setup(args) -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("make bench runs on PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    _ensure_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    call_command("seed_demo", scale=args.scale)
    # Fresh bulk inserts have no planner statistics until autovacuum gets round to them; a live
    # database has them, so measure with them.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Scale data ready ({time.monotonic() - started:.1f} s).")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _consume(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


class _QueryCounter:
    """Counts every SQL statement, across the pooled connections a request may use."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _measure(client, url: str, repeat: int) -> dict:
    from django.db import connection

    for _ in range(3):  # warm up: templates, URL resolver, PostgreSQL caches
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        _consume(response)
    counter = _QueryCounter()
    with connection.execute_wrapper(counter):
        size = _consume(client.get(url))
    queries = counter.count
    timings, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        _consume(client.get(url))
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(_percentile(timings, 0.95), 1),
        # CPU time of the Django process alone (PostgreSQL's work is not in it): on a busy
        # machine the wall-clock figures include waiting for a core; this one mostly does not.
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "queries": queries,
        "requests": repeat,
        "bytes": size,
    }


def _export_memory(program, cohorts_rows) -> dict:
    """tracemalloc peak while streaming the export for a set of enrolments, per row count."""
    from dashboard.views.director import _procedures_csv

    result = {}
    for label, cohort, enrolments in cohorts_rows:
        response = _procedures_csv(program, cohort, enrolments, program.today())
        tracemalloc.start()
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result[label] = {"rows": lines, "peak_kib": round(peak / 1024)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=20, help="scale programs (default 20)")
    parser.add_argument("--repeat", type=int, default=40, help="timed requests per page")
    parser.add_argument("--no-sweep", action="store_true", help="skip the reminder sweep")
    args = parser.parse_args()
    _setup(args)

    from django.db.models import Count
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from assessments.models import CCCReview
    from curriculum.models import Membership, Program
    from dashboard import selectors as dashboard_selectors
    from demo.scale import SCALE_INSTITUTION, scale_program_name
    from procedures.models import ProcedureLogEntry

    program = Program.objects.get(name=scale_program_name(1), institution=SCALE_INSTITUTION)
    pid = program.pk
    members = Membership.objects.filter(program=program, is_active=True).select_related("user")
    director = members.filter(role="director").first().user
    faculty = (
        members.filter(role="faculty")
        .annotate(waiting=Count("assessments_given", filter=_open_filter()))
        .order_by("-waiting", "pk")
        .first()
        .user
    )
    enrolments = dashboard_selectors.dashboard_enrolments(user=director, program_id=pid)
    cohorts = dashboard_selectors.cohorts_of(enrolments)
    current = dashboard_selectors.default_cohort(cohorts, program.today())
    fellow_membership = next(e.membership for e in enrolments if e.cohort_id == current.pk)
    fellow = fellow_membership.user

    # The export: the newest complete cohort with at least 5,000 entries.
    counts = dict(
        ProcedureLogEntry.objects.filter(program=program)
        .values_list("fellow__enrolments__cohort_id")
        .annotate(n=Count("pk"))
        .values_list("fellow__enrolments__cohort_id", "n")
    )
    export_cohort = next((c for c in cohorts if counts.get(c.pk, 0) >= 5000), None)

    results: dict[str, dict] = {}
    notes: list[str] = []

    def page(name: str, user, url: str, repeat: int = args.repeat) -> None:
        client = Client()
        client.force_login(user)
        results[name] = _measure(client, url, repeat)

    page("cohort_dashboard", director, reverse("dashboard:cohort_dashboard", args=[pid]))
    page("fellow_home", fellow, reverse("dashboard:my_progress", args=[pid]))
    page("faculty_queue", faculty, reverse("dashboard:faculty_queue", args=[pid]))
    page("procedure_log_list", fellow, reverse("procedures:log", args=[pid]))

    review = (
        CCCReview.objects.filter(period__program=program, status="finalised")
        .order_by("-period__ends_on", "pk")
        .first()
    )
    try:
        packet_url = reverse("assessments:ccc_packet", args=[pid, review.pk])
    except NoReverseMatch:
        notes.append("ccc_packet: the URL assessments:ccc_packet does not exist yet; skipped.")
    else:
        page("ccc_packet", director, packet_url)

    if export_cohort is None:
        notes.append("procedure_export_5000: no cohort with 5,000 entries; skipped.")
    else:
        url = reverse("dashboard:panel_export", args=[pid, "procedures"])
        page("procedure_export_5000", director, f"{url}?cohort={export_cohort.pk}", repeat=10)
        results["procedure_export_5000"]["rows"] = counts[export_cohort.pk]
        past = [e for e in enrolments if e.cohort_id != current.pk]
        one = [e for e in enrolments if e.cohort_id == export_cohort.pk]
        memory = _export_memory(
            program, [("5000", export_cohort, one), ("20000", export_cohort, past)]
        )
        results["procedure_export_5000"]["memory"] = memory

    if args.no_sweep:
        notes.append("reminder_sweep_10000: skipped (--no-sweep).")
    elif importlib.util.find_spec("benchmarks.reminder_sweep") is None:
        notes.append(
            "reminder_sweep_10000: benchmarks/reminder_sweep.py is not there yet; skipped."
        )
    else:
        from benchmarks import reminder_sweep

        results["reminder_sweep_10000"] = reminder_sweep.measure(fellows=10_000)

    _print(results, notes)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(f"Wrote {RESULTS}")


def _open_filter():
    from django.db.models import Q

    return Q(assessments_given__status__in=["draft", "returned"])


def _print(results: dict, notes: list[str]) -> None:
    cpus = os.cpu_count()
    print(f"\nMachine: {platform.machine()}, {cpus} CPU(s), Python {platform.python_version()}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Load average (1 min) at the end: {load:.1f}")
    print(
        f"{'measurement':<24} {'p50 ms':>9} {'p95 ms':>9} {'cpu p50':>9} {'queries':>8} "
        f"{'target':>10}"
    )
    for name, row in results.items():
        target = TARGETS_MS.get(name)
        verdict = ""
        if target is not None:
            verdict = f"{'ok' if row['p95_ms'] < target else 'MISSED'} <{target}"
        print(
            f"{name:<24} {row['p50_ms']:>9} {row['p95_ms']:>9} {row.get('cpu_p50_ms', ''):>9} "
            f"{row.get('queries', ''):>8} {verdict:>10}"
        )
        if "memory" in row:
            for memory in row["memory"].values():
                rows, peak = memory["rows"], memory["peak_kib"]
                print(f"  export memory, {rows} rows: tracemalloc peak {peak} KiB")
    for note in notes:
        print(f"Note: {note}")


if __name__ == "__main__":
    main()
