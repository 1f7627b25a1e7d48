"""Sweep source: fellows with a confidential evaluation to complete (never their answers)."""

from collections.abc import Iterator

from .context import Candidate


def confidential_evaluation_candidates(contexts, now, size) -> Iterator[list[Candidate]]:
    """Batches of candidates, as the other sources (see .targets)."""
    yield from ()
