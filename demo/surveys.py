"""The demo program's surveys records."""


def demo_surveys_seed(*, program) -> None:
    """Idempotent: runs on every ``seed_demo``; adds what is missing."""
