"""The program_evaluation objects of one side of the permission matrix's world
(tests/trust/world.py): ``side_ids`` creates them and returns their URL ids."""


def side_ids(people, fellow, faculty, shared: dict) -> dict:
    """URL keyword arguments (prefixed names, unique across apps) to the ids of this side's
    objects. ``fellow`` and ``faculty`` are Memberships; ``shared`` is tests/trust/world._shared."""
    return {}
