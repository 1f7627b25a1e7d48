"""Reminder services, one module per concern. The sweep (``sweep``, the driver) reads each kind
of reminder from its source (``deadlines``, ``assessments``, ``verification``, ``targets``, on
the shared ``context``), writes the ledger and attaches deliveries (``ledger``). Email goes out
through ``delivery`` (sending one email exactly once, recording its failure), ``handover``
(queueing deliveries for the workers), ``retries`` (failed emails again, "send now") and
``transactional`` (the one-off emails other apps queue through ``core.outbox``). ``batches``
holds the one batch-lock loop. ``preferences``: program settings, personal preferences, the
calendar feed token, read marks.
"""
