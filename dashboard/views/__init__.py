"""The role homes, one module per role: ``director`` (the cohort dashboard, also the
coordinator's home, and its CSV exports), ``faculty`` (what waits for a faculty member),
``fellow`` (a fellow's own progress)."""
