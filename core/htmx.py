from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_htmx(request: HttpRequest) -> bool:
    """True for a request sent by htmx (django-htmx sets ``request.htmx``)."""
    return bool(getattr(request, "htmx", False))


def render_page_or_partial(
    request: HttpRequest, template_name: str, partial: str, context: dict
) -> HttpResponse:
    """Render the whole page, or only its named partial when htmx asks for a fragment."""
    name = f"{template_name}#{partial}" if is_htmx(request) else template_name
    return render(request, name, context)
