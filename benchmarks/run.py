"""`make bench`: seed the scale data on PostgreSQL (reused when present), then measure.

For each page: server-side time over repeated requests through Django's test client, signed in
as a real user of the large scale program (median and 95th percentile), and the SQL query count
of one request. The CSV export is consumed to the last byte (it is streamed) and its memory is
compared for about 5,000 and 20,000 rows with tracemalloc. The reminder sweep comes from
``benchmarks.reminder_sweep.measure`` when that module exists.

The procedure log's writes (create POST, single and bulk verify), the verification queue, the
fellow's own export and ``--procedures-x4`` come from ``benchmarks.procedures``; the cohort
dashboard is measured interleaved with its hand-written SQL floor (``benchmarks.floor``) and
their ratio is ``dashboard_over_floor``. Whatever a measurement adds or changes is undone.

Prints a table and writes ``benchmarks/results.json``:
{name: {p50_ms, p95_ms, cpu_p50_ms, queries, ...}}.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fellowship_bench python -m benchmarks.run
"""

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

from benchmarks.measure import QueryCounter, consume, percentile

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


_percentile = percentile
_consume = consume
_QueryCounter = QueryCounter


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
    parser.add_argument(
        "--procedures-x4",
        action="store_true",
        help="also measure the log list, create form, dashboard and export with four times the "
        "procedure entries (added in a transaction that is rolled back)",
    )
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

    dashboard_url = reverse("dashboard:cohort_dashboard", args=[pid])

    def dashboard_and_floor(suffix: str = "") -> None:
        client = Client()
        client.force_login(director)
        pair = _measure_with_floor(client, dashboard_url, program, current, args.repeat)
        results[f"cohort_dashboard{suffix}"], results[f"cohort_dashboard_floor{suffix}"] = pair
        results[f"dashboard_over_floor{suffix}"] = _ratio(*pair)

    dashboard_and_floor()
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

    _procedure_pages(args, results, notes, page, program, fellow, fellow_membership)
    if args.procedures_x4:
        _procedures_x4(args, results, page, dashboard_and_floor, program, fellow)

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


def _measure_with_floor(client, url: str, program, cohort, repeat: int) -> tuple[dict, dict]:
    """The cohort dashboard and its SQL floor (``benchmarks.floor``) in one loop, interleaved
    request by request, so both see the same machine load."""
    from django.db import connection

    from benchmarks.floor import dashboard_floor

    def floor():
        return dashboard_floor(program_id=program.pk, cohort_id=cohort.pk, today=program.today())

    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        _consume(response)
        floor()
    page_counter, floor_counter = _QueryCounter(), _QueryCounter()
    with connection.execute_wrapper(page_counter):
        size = _consume(client.get(url))
    with connection.execute_wrapper(floor_counter):
        figures = floor()
    samples: dict[str, tuple[list, list]] = {"page": ([], []), "floor": ([], [])}
    for _ in range(repeat):
        for name, run in (("page", lambda: _consume(client.get(url))), ("floor", floor)):
            started, cpu_started = time.perf_counter(), time.process_time()
            run()
            samples[name][0].append((time.perf_counter() - started) * 1000)
            samples[name][1].append((time.process_time() - cpu_started) * 1000)

    def summary(name: str, queries: int) -> dict:
        timings, cpu = samples[name]
        return {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(_percentile(timings, 0.95), 1),
            "cpu_p50_ms": round(statistics.median(cpu), 2),
            "queries": queries,
            "requests": repeat,
        }

    page, floor_row = summary("page", page_counter.count), summary("floor", floor_counter.count)
    page["bytes"] = size
    floor_row["figures"] = figures
    return page, floor_row


def _ratio(page: dict, floor: dict) -> dict:
    """``dashboard_over_floor``: the page's p50 (wall and CPU) over the floor's, one run."""
    return {
        "p50_ratio": round(page["p50_ms"] / max(floor["p50_ms"], 0.01), 2),
        "cpu_p50_ratio": round(page["cpu_p50_ms"] / max(floor["cpu_p50_ms"], 0.01), 2),
    }


def _procedure_pages(args, results, notes, page, program, fellow_user, fellow) -> None:
    """The create form and POST, the verification queue, single and bulk verify, and the
    fellow's own export of about 1,000 entries."""
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from benchmarks import procedures
    from procedures.models import ProcedureLogEntry

    pid = program.pk
    page("procedure_create_form", fellow_user, reverse("procedures:entry_create", args=[pid]))
    results["procedure_create_post"] = procedures.create_post(
        fellow_user=fellow_user, fellow=fellow, program=program, repeat=args.repeat
    )

    # The faculty member with the most entries waiting for them.
    busiest = (
        ProcedureLogEntry.objects.filter(
            program=program, status="pending", supervisor__is_active=True
        )
        .values("supervisor", "supervisor__user")
        .annotate(n=Count("pk"))
        .order_by("-n", "supervisor")
        .first()
    )
    verifier = User.objects.get(pk=busiest["supervisor__user"])
    page("verification_queue", verifier, reverse("procedures:verification_queue", args=[pid]))
    # Enough pending entries for the largest bulk size: when the seed has fewer, their own
    # pending entries are copied in a transaction rolled back afterwards (the queue above is
    # measured on the data as it is). Otherwise each verify commits, as in production.
    needed = BULK_SIZES[-1] + 10
    short = busiest["n"] < needed
    with procedures.rolled_back() if short else contextlib.nullcontext():
        if short:
            procedures.top_up_pending(supervisor_id=busiest["supervisor"], rows=needed)
        pending = procedures.pending_for(faculty=verifier, program=program)
        results["procedure_verify_one"] = procedures.verify_posts(
            faculty=verifier, program=program, pending=pending, size=None, repeat=args.repeat
        )
        for size in BULK_SIZES:
            name = f"procedure_verify_bulk_{size}"
            if len(pending) < size:
                notes.append(f"{name}: {verifier} has {len(pending)} pending entries; skipped.")
                continue
            repeat = args.repeat if size == 20 else max(5, args.repeat // 4)
            results[name] = procedures.verify_posts(
                faculty=verifier, program=program, pending=pending, size=size, repeat=repeat
            )

    export_url = reverse("procedures:log_export", args=[pid])
    with procedures.rolled_back():
        rows = procedures.top_up(fellow=fellow, rows=1000)
        page("fellow_log_export_1000", fellow_user, export_url, repeat=max(5, args.repeat // 4))
        client = Client()
        client.force_login(fellow_user)
        results["fellow_log_export_1000"]["rows"] = rows
        results["fellow_log_export_1000"]["memory"] = {
            str(rows): procedures.export_memory(client, export_url)
        }


BULK_SIZES = (5, 20, 50)
X4_PAGES = ("procedure_log_list", "procedure_create_form", "cohort_dashboard", "fellow_log_export")


def _procedures_x4(args, results, page, dashboard_and_floor, program, fellow_user) -> None:
    """The same pages with every procedure entry copied three more times, rolled back after."""
    from django.test import Client
    from django.urls import reverse

    from benchmarks import procedures

    pid = program.pk
    export_url = reverse("procedures:log_export", args=[pid])
    export_repeat = max(5, args.repeat // 4)
    client = Client()
    client.force_login(fellow_user)

    def own_export(suffix: str) -> None:
        name = f"fellow_log_export{suffix}"
        page(name, fellow_user, export_url, repeat=export_repeat)
        memory = procedures.export_memory(client, export_url)
        results[name]["rows"] = memory["rows"]
        results[name]["memory"] = {str(memory["rows"]): memory}

    own_export("")

    def measure_pages() -> None:
        page("procedure_log_list_x4", fellow_user, reverse("procedures:log", args=[pid]))
        page(
            "procedure_create_form_x4",
            fellow_user,
            reverse("procedures:entry_create", args=[pid]),
        )
        dashboard_and_floor("_x4")
        own_export("_x4")

    started = time.monotonic()
    with procedures.rolled_back():
        procedures.x4(measure_pages=measure_pages)
    results["procedures_x4_growth"] = {
        name: {
            "p50_pct": _growth(results[name]["p50_ms"], results[f"{name}_x4"]["p50_ms"]),
            "cpu_p50_pct": _growth(
                results[name]["cpu_p50_ms"], results[f"{name}_x4"]["cpu_p50_ms"]
            ),
        }
        for name in X4_PAGES
    }
    print(f"--procedures-x4 done ({time.monotonic() - started:.1f} s, rolled back).")


def _growth(before: float, after: float) -> float:
    return round((after / max(before, 0.01) - 1) * 100, 1)


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
        if "p50_ms" not in row:
            continue
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
    for suffix in ("", "_x4"):
        if ratio := results.get(f"dashboard_over_floor{suffix}"):
            print(
                f"dashboard_over_floor{suffix}: p50 {ratio['p50_ratio']}x, "
                f"cpu p50 {ratio['cpu_p50_ratio']}x (page / hand-written SQL, same loop)"
            )
    if growth := results.get("procedures_x4_growth"):
        print("Growth with four times the procedure entries (p50 / cpu p50):")
        for name, row in growth.items():
            print(f"  {name:<24} {row['p50_pct']:>+7.1f} % {row['cpu_p50_pct']:>+7.1f} %")
    for note in notes:
        print(f"Note: {note}")


if __name__ == "__main__":
    main()
