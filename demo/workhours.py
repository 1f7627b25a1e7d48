"""The demo program's workhours records."""


def demo_work_hours_seed(*, program) -> None:
    """Idempotent: runs on every ``seed_demo``; adds what is missing."""
