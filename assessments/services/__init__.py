"""Writes for assessments, one module per sub-domain: ``workflow`` (requesting, filling,
returning), ``signatures`` (signing, acknowledging, amending, verifying stored signatures), ``ccc``
and ``summative``. Import the functions from their module, e.g. ``from
assessments.services.signatures.sign import assessment_sign``.
"""
