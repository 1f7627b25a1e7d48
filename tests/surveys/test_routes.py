"""The surveys rows of the permission matrix, asked on their own (the full matrix in
tests/trust/test_permission_matrix.py asks every route; this one keeps ours quick to check)."""

import pytest

from tests.trust.matrix import OUR_ROLES, PRINCIPALS, all_routes, ask
from tests.trust.test_permission_matrix import MATRIX, _expected, _verdict, object_sides
from tests.trust.world import build_world


@pytest.mark.django_db
def test_surveys_routes_answer_as_the_matrix_says(client, ours, theirs):
    world = build_world(ours, theirs)
    failures, asked = [], 0
    for route in all_routes():
        if not route.name.startswith("surveys:"):
            continue
        spec = MATRIX[route.name]
        for principal in PRINCIPALS:
            sides = object_sides(route) if principal in OUR_ROLES else ("mine",)
            for side in sides:
                expected = _expected(spec, principal, side)
                url, response = ask(
                    client, world, principal, route, spec, side, refused=expected != "allowed"
                )
                asked += 1
                got = _verdict(response)
                if got != expected:
                    failures.append(
                        f"{route.name} {url} as {principal} ({side}): {got} != {expected}"
                    )
    assert asked and not failures, "\n".join(failures)
