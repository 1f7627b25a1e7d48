"""Writes for the case log, one module per sub-domain: ``catalogue`` (types, categories,
targets), ``log`` (a fellow's entries), ``verification`` (faculty sign-off, director reopening).
Import the functions from their module, e.g. ``from procedures.services.log import entry_create``.
"""
