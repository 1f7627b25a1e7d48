"""Evaluators' section of the CCC packet: multi-source evaluations from people without an account,
submitted in the review period. Declared on ``EvaluatorsConfig.ccc_evidence``; ``assessments``
never imports it."""

from assessments.evidence import level_text

from .selectors import external_evaluations


def multi_source_evidence(*, user, fellow, period) -> list[dict]:
    """Newest first; the packet adds the multi-source forms filled in the app to the same list."""
    return [
        {
            "submitted_on": evaluation.submitted_on.isoformat(),
            "role": evaluation.get_evaluator_role_display(),
            "narrative": evaluation.narrative,
            "ratings": [
                [rating.subcompetency.code, level_text(rating.level, rating.not_assessable)]
                for rating in evaluation.ratings.all()
            ],
        }
        for evaluation in external_evaluations(
            user=user, fellow=fellow, start=period.starts_on, end=period.ends_on
        )
    ]
