"""Template tags so other apps' pages can show didactics data without changing their views."""

from django import template

from ..selectors import objective_progress

register = template.Library()


@register.simple_tag
def objective_progress_rows(fellow):
    """``objective_progress(fellow=...)`` for a fellow membership (the page has already
    checked the reader may see this fellow); an empty list for anything else."""
    if fellow is None or getattr(fellow, "role", None) != "fellow":
        return []
    return objective_progress(fellow=fellow)
