"""The navigation bar's data for every page."""

from django.db.models import Count, IntegerField, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import SimpleLazyObject

from curriculum.selectors import membership_list

from .models import Reminder


def _unread(user):
    """The user's unread notifications (as ``selectors.unread_count``), as a scalar subquery."""
    unread = (
        Reminder.objects.filter(recipient=user, read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def navigation(request) -> dict:
    """The signed-in user's roles for the navigation bar, each carrying the user's unread
    notification count (``unread_notifications``), in ONE query run only if a template uses it.
    It lives here, not in ``curriculum``, because the count is this app's."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_memberships": []}
    return {
        "nav_memberships": SimpleLazyObject(
            lambda: list(membership_list(user=user).annotate(unread_notifications=_unread(user)))
        )
    }
