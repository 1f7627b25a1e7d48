"""Sweep source: fellows who have not logged last week's work hours."""

from collections.abc import Iterator

from .context import Candidate


def work_hour_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """Batches of candidates, as the other sources (see .targets)."""
    yield from ()
