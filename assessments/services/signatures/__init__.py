"""Signatures of every signed record, one module per step: ``kinds`` (what each kind of record
signs), ``store`` (making a sealed signature), ``sign`` and ``amend`` (the assessor's and fellow's
workflow on an assessment), ``verify`` (checking every stored signature) and ``legacy`` (sealing
the older, hash-only signatures). The seal itself (content, hash, HMAC, identity) is
``assessments.seals``. Import from the module, e.g. ``from assessments.services.signatures.sign
import assessment_sign``.
"""
