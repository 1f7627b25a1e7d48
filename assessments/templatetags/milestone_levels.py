"""``{% load milestone_levels %}``: a stored level in the words the pages use."""

from decimal import Decimal, InvalidOperation

from django import template

from ..models import NOT_YET_LEVEL_ONE, NOT_YET_LEVEL_ONE_LABEL

register = template.Library()


@register.filter
def level_label(level) -> str:
    """``3.5`` / ``"3.5"`` -> "3.5"; 0.0 (``NOT_YET_LEVEL_ONE``) -> "Not yet completed Level 1";
    None -> "Not yet assessable" (a rating or consensus level without a level). Takes a Decimal,
    a float (trajectory, dashboard) or a packet's string; anything else is shown as it is."""
    if level is None or level == "":
        return "Not yet assessable"
    try:
        value = Decimal(str(level))
    except InvalidOperation:
        return str(level)
    if value == NOT_YET_LEVEL_ONE:
        return NOT_YET_LEVEL_ONE_LABEL
    return f"{value:.1f}"
