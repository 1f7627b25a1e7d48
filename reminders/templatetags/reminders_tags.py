"""The navigation's notification link: its count comes with the memberships (context_processors)."""

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("reminders/includes/nav_notifications.html", takes_context=True)
def notification_link(context, memberships) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not memberships:
        return {"url": ""}
    program_id = memberships[0].program_id
    return {
        "url": reverse("reminders:notification_centre", kwargs={"program_id": program_id}),
        # Counted in the navigation's one query (context_processors.navigation).
        "count": memberships[0].unread_notifications,
        "active": request.path.startswith(f"/programs/{program_id}/notifications/"),
    }
