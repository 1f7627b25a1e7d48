"""Reads for assessments, one module per concern. Import from the module, e.g.
``from assessments.selectors.ccc import ccc_review_list``: nothing is re-exported here.

Convention: every function in these modules takes ``user=`` and returns only what that user may
see, except in ``unscoped``, whose functions take no user (or take rows the caller has already
scoped) and leave the access check to the caller. Modules:

- ``forms``: the assessment forms (templates) a director manages or a fellow may request.
- ``inbox``: assessments a user may open, fill or has asked for; the staff list.
- ``trajectory``: a fellow's milestone progress and the narratives they received.
- ``ccc``: review periods, reviews, the packet and the ACGME export.
- ``summative``: the final summative evaluation.
- ``unscoped``: the one definition of a recorded and a counted assessment, CCC levels and the
  milestone set of a period.
"""
