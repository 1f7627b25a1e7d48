"""The demo program's portfolio records."""


def demo_portfolio_seed(*, program) -> None:
    """Idempotent: runs on every ``seed_demo``; adds what is missing."""
