"""One-time form tokens: a double tap or a resubmitted create form saves one row.

The create form carries a fresh random token (``{% load once %}{% once_token %}``); the view that
handles it is wrapped in ``@once_per_submit``. The first POST with a token claims it atomically in
the cache (``cache.add``: the database cache in production, shared by every worker) and runs the
view. Only a redirect consumes the token: its location is kept under the token for a few minutes,
and a later POST with the same token is sent there ("That was already saved.") without running the
view again. While the first is still running, a second gets a plain 409. A refused (re-rendered)
submit or an exception releases the token, so the corrected resubmit works. A POST without a
token (an old page, a test, a script) runs the view as before.
"""

import re
import secrets
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

FIELD = "_once"
TTL_SECONDS = 5 * 60
ALREADY_SAVED = "That was already saved."
STILL_SAVING = "That form is still being saved. Wait a moment, then reload the page."
_RUNNING = "running"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def new_token() -> str:
    return secrets.token_urlsafe(16)


def _cache_key(request: HttpRequest, token: str) -> str:
    # The user is part of the key: one person's token never answers another's post.
    return f"once:{getattr(request.user, 'pk', None) or 'anon'}:{token}"


def _location(response: HttpResponse) -> str | None:
    if response.status_code in _REDIRECTS and response.has_header("Location"):
        return response["Location"]
    return response.headers.get("HX-Redirect")


def once_per_submit(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run a create view at most once per form token (see the module's docstring)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not _TOKEN.fullmatch(token):
            return view(request, *args, **kwargs)
        key = _cache_key(request, token)
        if not cache.add(key, _RUNNING, TTL_SECONDS):
            done = cache.get(key)
            if done is not None and done != _RUNNING:
                messages.info(request, ALREADY_SAVED)
                return HttpResponseRedirect(done)
            if done == _RUNNING:
                return HttpResponse(STILL_SAVING, status=409, content_type="text/plain")
            # The entry expired between add and get: treat the post as a first one.
            cache.add(key, _RUNNING, TTL_SECONDS)
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            cache.delete(key)
            raise
        location = _location(response)
        if location:
            cache.set(key, location, TTL_SECONDS)
        else:
            cache.delete(key)
        return response

    wrapper.once_per_submit = True  # the URL-conf test looks for this mark
    return wrapper
