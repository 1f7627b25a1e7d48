"""Shared fixtures: two programs with every role, so each view is tried from inside and outside."""

import hashlib
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import factory.random
import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from curriculum.models import Membership, Program
from tests.accounts.factories import UserFactory
from tests.curriculum.factories import MembershipFactory, ProgramFactory

Role = Membership.Role
# Factory data (names from Faker) is the same on every run: a run must not pass or fail by the
# names it happened to draw.
factory.random.reseed_random("fellowship")


def pytest_sessionstart(session) -> None:
    """In CI the suite runs on PostgreSQL or not at all: a silent SQLite run would prove nothing."""
    if settings.RUNNING_IN_CI and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        pytest.exit("CI=true but DATABASE_URL is not a PostgreSQL URL", returncode=2)


SERVICE_MISSING = "needs a missing service: "


def require_service(reason: str) -> None:
    """Fail in CI, skip on a developer machine, when a real service a test needs is missing."""
    if settings.RUNNING_IN_CI:
        pytest.fail(f"{reason} (CI requires it)")
    pytest.skip(SERVICE_MISSING + reason)


def pytest_terminal_summary(terminalreporter, config) -> None:
    """One line naming what a machine without PostgreSQL, Redis or Chromium did not run."""
    _hostile_summary_under_xdist(terminalreporter, config)
    reasons: Counter = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        message = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else ""
        if SERVICE_MISSING in message:
            reasons[message.split(SERVICE_MISSING, 1)[1]] += 1
    if reasons:
        listed = "; ".join(f"{reason} ({count})" for reason, count in sorted(reasons.items()))
        terminalreporter.write_line(
            f"skipped {sum(reasons.values())} tests needing a service this machine lacks: {listed}"
        )


# Under pytest-xdist each worker counts its own hostile inputs; the controller adds them up so the
# total is still reported (tests/hostile/conftest.py prints it).
def pytest_sessionfinish(session) -> None:
    if hasattr(session.config, "workeroutput"):
        from tests.hostile import TRIED

        session.config.workeroutput["hostile_tried"] = dict(TRIED)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    from tests.hostile import TRIED

    TRIED.update(getattr(node, "workeroutput", {}).get("hostile_tried", {}))


def _hostile_summary_under_xdist(terminalreporter, config) -> None:
    """The xdist controller collects nothing, so tests/hostile/conftest.py is not loaded there."""
    from tests.hostile import TRIED

    loaded = any(
        str(getattr(plugin, "__file__", "")).endswith("hostile/conftest.py")
        for plugin in config.pluginmanager.get_plugins()
    )
    if TRIED and not loaded:
        from tests.hostile.conftest import pytest_terminal_summary as hostile_summary

        hostile_summary(terminalreporter)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # allauth's login rate limits live in the cache; one test's failures must not throttle the next.
    cache.clear()


@dataclass
class ProgramPeople:
    program: Program
    director: object
    coordinator: object
    faculty: object
    fellow: object

    def user(self, role: str):
        return getattr(self, role)


def make_program_people(**program_fields) -> ProgramPeople:
    program = ProgramFactory(**program_fields)
    people = {}
    for role in Role.values:
        people[role] = UserFactory()
        MembershipFactory(program=program, user=people[role], role=role)
    return ProgramPeople(program=program, **people)


@pytest.fixture
def ours(db) -> ProgramPeople:
    return make_program_people(name="Pain Medicine Fellowship")


@pytest.fixture
def theirs(db) -> ProgramPeople:
    return make_program_people(name="Other Pain Fellowship", institution="Other Hospital")


@pytest.fixture
def enrolment(ours):
    """A fellow of ``ours`` enrolled for the 2026-2027 academic year (July 1 to June 30)."""
    from datetime import date

    from tests.trainees.factories import AcademicYearFactory, CohortFactory, EnrolmentFactory

    year = AcademicYearFactory(
        program=ours.program, start_date=date(2026, 7, 1), end_date=date(2027, 6, 30)
    )
    cohort = CohortFactory(program=ours.program, academic_year=year)
    return EnrolmentFactory(cohort=cohort, membership__program=ours.program)


# --- Migration tests ------------------------------------------------------------------------------


def migrate_to_latest() -> None:
    """After a test that migrated an app back to try a data migration: forward to every app's
    latest migration (not only the one under test), so later tests on this database see today's
    schema."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


# --- Query counts ---------------------------------------------------------------------------------


def assert_constant_queries(
    run: Callable | dict[str, Callable],
    grow: Callable[[int], None],
    *,
    sizes: tuple[int, ...] = (1, 10),
    exactly: int | dict[str, int] | None = None,
    fresh: bool = False,
):
    """Count the queries of ``run`` with few rows and with many: the same count, or an N+1 crept in.

    For each of ``sizes``, ``grow(n)`` adds rows to reach ``n`` (it is given the difference from
    the previous size; with ``fresh`` it builds a world of ``n`` rows in a savepoint rolled back
    once measured), then the queries of ``run()`` are counted. ``run`` may be a dict of named
    calls, each counted on its own; ``exactly`` pins the count too. Returns the count (or counts).
    """
    calls = run if isinstance(run, dict) else {"": run}
    measured: list[dict[str, list[str]]] = []
    previous = 0
    for size in sizes:
        with transaction.atomic() if fresh else nullcontext():
            grow(size if fresh else size - previous)
            queries = {}
            for name, call in calls.items():
                with CaptureQueriesContext(connection) as captured:
                    call()
                queries[name] = [query["sql"] for query in captured.captured_queries]
            if fresh:
                transaction.set_rollback(True)
        measured.append(queries)
        previous = size
    counts = {name: [len(queries[name]) for queries in measured] for name in calls}
    for name, by_size in counts.items():
        if len(set(by_size)) > 1:
            extra = Counter(measured[-1][name]) - Counter(measured[0][name])
            lines = "\n".join(f"  {n}x {sql[:300]}" for sql, n in extra.most_common(5))
            raise AssertionError(
                f"{name or 'queries'}: {by_size} queries for {list(sizes)} rows; "
                f"the largest run repeats:\n{lines}"
            )
    result = {name: by_size[0] for name, by_size in counts.items()}
    if exactly is not None:
        expected = exactly if isinstance(exactly, dict) else {"": exactly}
        assert result == expected, f"{result} queries, expected {expected}"
    return result if isinstance(run, dict) else result[""]


def page_ok(client, path: str, data=None, **extra):
    """GET a page that must answer 200: the query count of an error page proves nothing."""
    response = client.get(path, data, **extra)
    assert response.status_code == 200, (path, response.status_code)
    return response


# --- Refusals change nothing ----------------------------------------------------------------------


def _project_tables() -> list[str]:
    """Every table of the project's own apps (the audit trail included), m2m tables too."""
    tables = set()
    for app_config in apps.get_app_configs():
        if app_config.name not in (*settings.LOCAL_APPS, "demo"):
            continue
        for model in app_config.get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                tables.add(model._meta.db_table)
    return sorted(tables)


def table_fingerprints() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row (``updated_at`` included) of each project table."""
    tables = _project_tables()
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        # Table names come from the models, not from input.
        select = "SELECT %s, count(*), md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), ''))"
        sql = " UNION ALL ".join(f"{select} FROM {quote(table)} r" for table in tables)
        with connection.cursor() as cursor:
            cursor.execute(sql, tables)
            return {table: (count, digest) for table, count, digest in cursor.fetchall()}
    fingerprints = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - names from the models
            rows = sorted(repr(row) for row in cursor.fetchall())
            digest = hashlib.md5("|".join(rows).encode(), usedforsecurity=False).hexdigest()
            fingerprints[table] = (len(rows), digest)
    return fingerprints


@contextmanager
def assert_nothing_changed(what: str = "a refused request"):
    """A refusal leaves every row as it was: a 404 alone does not prove that nothing was written."""
    before = table_fingerprints()
    yield
    after = table_fingerprints()
    changed = sorted(
        table for table in before.keys() | after.keys() if before.get(table) != after.get(table)
    )
    assert not changed, f"{what} changed {changed}"
