"""Reminder services, one module per sub-domain: ``sweep`` (what is due, written to the ledger),
``delivery`` (sending one email exactly once, failures and their retries, "send now", "retry all
failed", and the one-off emails other apps queue through ``core.outbox``) and ``preferences``
(program settings, personal preferences, the calendar feed token, read marks)."""
