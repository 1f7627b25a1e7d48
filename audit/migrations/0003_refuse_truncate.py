"""On PostgreSQL TRUNCATE of the audit table is refused too, like UPDATE and DELETE (0002).

A row trigger does not see TRUNCATE, so this is a statement-level ``BEFORE TRUNCATE`` trigger. It
stops ``manage.py flush`` and any stray TRUNCATE, also by the table's owner. It is a guard
against mistakes, not the security boundary: the owner (or a superuser) can drop triggers, which
is why the app runs under a role that does not own the table (README, "Database roles"; the
``audit.W002`` deploy check).

The test suite empties tables with TRUNCATE between tests, so a session may opt out with
``SET fellowship.audit_truncate = 'allow'``; only the test settings do (on every connection).
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION audit_auditevent_forbid_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('fellowship.audit_truncate', true) = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (TRUNCATE refused)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_forbid_truncate();
"""
ALLOW = """
DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_forbid_truncate();
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [migrations.RunPython(forbid, allow)]
