from django.utils.functional import SimpleLazyObject

from .selectors import membership_list


def navigation(request) -> dict:
    """The signed-in user's roles for the navigation bar; queried only if a template uses it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_memberships": []}
    return {"nav_memberships": SimpleLazyObject(lambda: list(membership_list(user=user)))}
