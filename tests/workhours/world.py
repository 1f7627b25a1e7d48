"""The workhours objects of one side of the permission matrix's world (tests/trust/world.py):
``side_ids`` creates them for one fellow and faculty member and returns their URL ids."""

import datetime

from workhours.models import Kind, Shift


def side_ids(people, fellow, faculty, shared: dict) -> dict:
    """URL keyword arguments (prefixed names, unique across apps) to the ids of this side's
    objects. ``fellow`` and ``faculty`` are Memberships; ``shared`` is tests/trust/world._shared."""
    start = datetime.datetime(2026, 7, 6, 11, tzinfo=datetime.UTC)
    shift = Shift.objects.create(
        program=people.program,
        fellow=fellow,
        start=start,
        end=start + datetime.timedelta(hours=10),
        kind=Kind.CLINICAL,
    )
    return {"shift_id": shift.pk}
