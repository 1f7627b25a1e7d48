"""The one way a view loads the program named in its URL.

``program_for`` answers the same 404 for "no such program", "not a member" and "a member without
the right role": a page never tells an outsider, or a member in the wrong role, that it exists
(STYLE.md, "Scoped read, then 404"). Every view that takes ``program_id`` goes through it, and
from then on the request shows and reads times in the program's time zone.
"""

from collections.abc import Iterable

from django.http import Http404
from django.utils import timezone

from .models import Membership, Program


def program_for(user, program_id, roles: Iterable[str] = Membership.ALL_ROLES) -> Program:
    """The program ``program_id`` when ``user`` holds an active role in ``roles`` there.

    One query. Raises ``Http404`` otherwise (also for an id that is not a number). The rest of
    the request runs on the program's clock (``activate_program_zone``).
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
    activate_program_zone(program)
    return program


def activate_program_zone(program: Program) -> None:
    """Show and read every date and time of this request in the program's time zone. Storage
    stays UTC; ``core.middleware.TimezoneResetMiddleware`` puts the request back on UTC after.
    Pages that reach their program another way (a token link) call this themselves."""
    timezone.activate(program.zone)
