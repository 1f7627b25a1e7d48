"""Writes for assessments, one module per sub-domain: ``workflow`` (requesting, filling,
returning) and ``signing`` (signing, acknowledging, amending, verifying stored signatures).
Import the functions from their module, e.g. ``from assessments.services.signing import
assessment_sign``.
"""
