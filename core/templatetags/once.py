"""``{% once_token %}``: the hidden one-time token of a create form (core/once.py).

Put it inside the ``<form method="post">``; for a form rendered by ``{% crispy %}`` put it right
after and name the form: ``{% once_token form="entry-form" %}`` (HTML's ``form`` attribute)."""

from django import template
from django.utils.html import format_html

from core.once import FIELD, new_token

register = template.Library()


@register.simple_tag
def once_token(form: str = "") -> str:
    if form:
        return format_html(
            '<input type="hidden" name="{}" value="{}" form="{}">', FIELD, new_token(), form
        )
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
