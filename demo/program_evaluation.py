"""The demo program's program evaluation records."""


def demo_program_evaluation_seed(*, program) -> None:
    """Idempotent: runs on every ``seed_demo``; adds what is missing."""
