"""The one way a view loads the program named in its URL.

``program_for`` answers the same 404 for "no such program", "not a member" and "a member without
the right role": a page never tells an outsider, or a member in the wrong role, that it exists
(STYLE.md, "Scoped read, then 404"). Every view that takes ``program_id`` goes through it.
"""

from collections.abc import Iterable

from django.http import Http404

from .models import Membership, Program


def program_for(user, program_id, roles: Iterable[str] = Membership.ALL_ROLES) -> Program:
    """The program ``program_id`` when ``user`` holds an active role in ``roles`` there.

    One query. Raises ``Http404`` otherwise (also for an id that is not a number).
    """
    if not user.is_authenticated:
        raise Http404("No such page.")
    try:
        program_id = int(program_id)
    except (TypeError, ValueError):
        raise Http404("No such page.") from None
    program = (
        Program.objects.filter(
            pk=program_id,
            memberships__user=user,
            memberships__is_active=True,
            memberships__role__in=list(roles),
        )
        .distinct()
        .first()
    )
    if program is None:
        raise Http404("No such page.")
    return program
