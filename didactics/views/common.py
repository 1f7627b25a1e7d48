"""What the didactics views share: the session lookup, URLs, error text and the form page."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from .. import selectors


def session_get(request: HttpRequest, program, session_id: int):
    """One of the program's sessions, through the scoped selector (else 404)."""
    return get_object_or_404(
        selectors.session_list(user=request.user, program=program), pk=session_id
    )


def url(name: str, **kwargs) -> str:
    return reverse(f"didactics:{name}", kwargs=kwargs)


def error_text(exc: Exception) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def form_page(request, *, program, form, title: str, back_url: str, **extra) -> HttpResponse:
    """The one generic form page every didactics create form uses."""
    context = {"program": program, "form": form, "title": title, "back_url": back_url, **extra}
    return render(request, "didactics/form.html", context)
