"""The demo program, seeded once per test session and copied back for each browser test.

Seeding takes seconds (services, validation, signatures); a browser test's database is flushed
after it (the live server needs committed rows), so seeding each time cost about 5 s a test.
After the first seeding every table's rows are copied out (PostgreSQL ``COPY``) and, for later
tests, copied back in with foreign-key triggers off (the rows were consistent when copied),
then every sequence is set past the highest id. The copy is keyed by the date, so a session
that runs past midnight (or a test on another clock) seeds afresh: the demo is dated from today.
Django's content types and permissions are left out: a flush re-creates them, and no demo row
points at them. Elsewhere than PostgreSQL the demo is simply seeded each time.
"""

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

LEFT_OUT = {"django_content_type", "auth_permission", "django_migrations"}
_copied: dict = {}  # {"day": date, "tables": {table: bytes}}


def _tables() -> list[str]:
    return [
        table
        for table in connection.introspection.django_table_names(only_existing=True)
        if table not in LEFT_OUT
    ]


def _copy_out() -> dict[str, bytes]:
    rows = {}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for table in _tables():
            with raw.copy(f'COPY "{table}" TO STDOUT') as copy:
                data = b"".join(bytes(block) for block in copy)
            if data:
                rows[table] = data
    return rows


def _copy_in(rows: dict[str, bytes]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("SET session_replication_role = replica")
        try:
            for table, data in rows.items():
                with raw.copy(f'COPY "{table}" FROM STDIN') as copy:
                    copy.write(data)
        finally:
            raw.execute("SET session_replication_role = DEFAULT")
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)


def demo_load() -> None:
    """The demo program exactly as ``seed_demo`` leaves it, in an empty (flushed) database."""
    today = timezone.localdate()
    if connection.vendor != "postgresql":
        call_command("seed_demo", verbosity=0)
        return
    if _copied.get("day") == today:
        _copy_in(_copied["tables"])
        return
    call_command("seed_demo", verbosity=0)
    _copied.update(day=today, tables=_copy_out())
