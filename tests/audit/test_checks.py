"""The database-role deploy check, and the audit table refusing TRUNCATE (PostgreSQL)."""

import uuid

import pytest
from django.core.checks.registry import registry
from django.db import DatabaseError, connection, transaction
from django.db.utils import ConnectionHandler

from audit.checks import check_database_role, database_role_warnings
from audit.models import AuditEvent
from tests.conftest import is_postgres
from tests.integration.test_faults import _free_port

TABLE = AuditEvent._meta.db_table

needs_postgres = pytest.mark.skipif("not is_postgres()", reason="PostgreSQL only")


def _ids(warnings) -> set[str]:
    return {warning.id for warning in warnings}


def test_the_role_check_runs_with_deploy_only():
    assert check_database_role in registry.get_checks(include_deployment_checks=True)
    assert check_database_role not in registry.get_checks(include_deployment_checks=False)


@pytest.mark.django_db
def test_nothing_to_check_on_sqlite():
    if is_postgres():
        pytest.skip("SQLite only")
    assert check_database_role() == []


@pytest.mark.django_db
@pytest.mark.parametrize("server", ["nothing listening", "no such role"])
def test_an_unreachable_database_is_skipped_quietly(server):
    # What `make deploy-check` meets: production settings naming a database it cannot reach.
    port = _free_port() if server == "nothing listening" else 5432
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "fellowship",
                "USER": f"nobody_{uuid.uuid4().hex[:8]}",
                "HOST": "127.0.0.1",
                "PORT": port,
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )
    assert database_role_warnings(handler["default"]) == []


@needs_postgres
@pytest.mark.django_db
def test_the_owner_of_the_audit_table_is_warned():
    # The test database was migrated by the role the tests connect as: it owns the table.
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
    expected = {"audit.W002", "audit.W001"} if superuser else {"audit.W002"}
    assert _ids(check_database_role()) == expected


@pytest.fixture
def app_role(db):
    """A login role of its own that does not own the audit table (committed: the check connects
    on a connection of its own), dropped afterwards."""
    if not is_postgres():
        pytest.skip("PostgreSQL only")
    name = f"fellowship_app_{uuid.uuid4().hex[:8]}"
    admin = connection.copy()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE ROLE "{name}" LOGIN NOSUPERUSER')
        probe = connection.copy()
        probe.settings_dict["USER"], probe.settings_dict["PASSWORD"] = name, ""
        yield name, admin, probe
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP ROLE IF EXISTS "{name}"')
        admin.close()


def test_a_role_that_does_not_own_the_audit_table_is_not_warned(app_role):
    name, _admin, probe = app_role
    with probe.cursor() as cursor:  # the check's silence is not a failure to connect
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == name
    probe.close()
    assert database_role_warnings(probe) == []


def test_a_member_of_the_owner_role_is_warned_as_owner(app_role):
    name, admin, probe = app_role
    with admin.cursor() as cursor:
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [TABLE])
        owner = cursor.fetchone()[0]
        cursor.execute(f'GRANT "{owner}" TO "{name}"')
    try:
        assert _ids(database_role_warnings(probe)) == {"audit.W002"}
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'REVOKE "{owner}" FROM "{name}"')


@needs_postgres
@pytest.mark.django_db
def test_truncate_of_the_audit_table_is_refused():
    with connection.cursor() as cursor:
        # The test settings opt every connection out (pytest-django empties tables with
        # TRUNCATE); this transaction opts back in, as every other connection is.
        cursor.execute("SET LOCAL fellowship.audit_truncate = 'refuse'")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute(f"TRUNCATE {TABLE}")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("TRUNCATE accounts_user CASCADE")  # reaching it by cascade, too
