"""Deployment checks (``manage.py check --deploy``) about the database the app connects to.

The audit trail is append-only because triggers refuse UPDATE, DELETE and TRUNCATE. A superuser
or the audit table's owner can drop those triggers, so the app must run under a role that is
neither (README, "Database roles"). These checks connect to the database, so they run only with
``--deploy``; when it cannot be reached (``make deploy-check`` runs without a server for its role)
there is nothing to check and they stay silent.
"""

from django.apps import apps
from django.core.checks import CheckMessage, Warning, register
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

# session_user: Django's ``assume_role`` option switches current_user, but a superuser session
# can switch back. pg_has_role(..., 'MEMBER') also catches a role granted the owner role.
ROLE_QUERY = """
SELECT session_user,
       (SELECT rolsuper FROM pg_roles WHERE rolname = session_user),
       current_user,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
       (SELECT pg_has_role(current_user, relowner, 'MEMBER')
          FROM pg_class WHERE oid = to_regclass(%s))
"""


def database_role_warnings(connection) -> list[CheckMessage]:
    """Warnings when ``connection`` (a Django connection wrapper) could rewrite the audit trail."""
    if connection.vendor != "postgresql":
        return []  # SQLite (development): no roles, no triggers
    table = apps.get_model("audit", "AuditEvent")._meta.db_table
    # A connection of its own, outside the pool: an unreachable server then fails at once (or
    # after connect_timeout) instead of after the pool's wait and its retry log lines.
    probe = connection.copy()
    probe.settings_dict["OPTIONS"].pop("pool", None)
    try:
        with probe.cursor() as cursor:
            cursor.execute(ROLE_QUERY, [table])
            session_user, session_super, current_user, current_super, owns = cursor.fetchone()
    except DatabaseError:
        return []  # not reachable from here: nothing to check
    finally:
        probe.close()
    warnings = []
    if session_super or current_super:
        role = current_user if current_super else session_user
        warnings.append(
            Warning(
                f"The app connects to PostgreSQL as the superuser {role!r}.",
                hint="Run the app as a role with only the privileges it needs; see "
                '"Database roles" in the README.',
                id="audit.W001",
            )
        )
    if owns:
        warnings.append(
            Warning(
                f"The app's database role {current_user!r} owns the audit table {table!r} (or "
                "is a member of its owner), so it could drop the triggers that keep it "
                "append-only.",
                hint="Migrate as the owner role and run the app as another role with only "
                'SELECT and INSERT on the audit table; see "Database roles" in the README.',
                id="audit.W002",
            )
        )
    return warnings


@register("database_role", deploy=True)
def check_database_role(app_configs=None, databases=None, **kwargs) -> list[CheckMessage]:
    # `check --deploy` names no database; the default one is the one the app runs on.
    return [
        warning
        for alias in databases or [DEFAULT_DB_ALIAS]
        for warning in database_role_warnings(connections[alias])
    ]
