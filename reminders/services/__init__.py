"""Reminder services, one module per sub-domain: ``sweep`` (what is due, written to the ledger),
``delivery`` (sending one email exactly once, failures, "send now") and ``preferences``
(program settings, personal preferences, the calendar feed token, read marks)."""
