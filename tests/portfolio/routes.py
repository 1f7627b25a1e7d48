"""The permission matrix's rows for the portfolio routes (merged into MATRIX in
tests/trust/test_permission_matrix.py); the objects they name come from world.py beside this."""

from tests.trust.matrix import ANY, FELLOW, MINE, STAFF, TEACHERS, Route

# A plan is seen and edited by its fellow, its mentor (faculty "mine": the side's faculty member
# mentors the side's plan) and the director and coordinator; it is agreed by the fellow and the
# director or mentor (not the coordinator).
PLAN_PEOPLE = {"fellow": MINE, "faculty": MINE, **STAFF}

ROUTES: dict = {
    "portfolio:plan_list": Route(allow=TEACHERS),
    "portfolio:plan_create": Route(allow=STAFF),
    "portfolio:plan_detail": Route(allow=PLAN_PEOPLE),
    "portfolio:plan_edit": Route(allow=PLAN_PEOPLE),
    "portfolio:plan_acknowledge": Route(
        allow={"fellow": MINE, "faculty": MINE, "director": ANY}, method="post"
    ),
    "portfolio:goal_progress": Route(allow=PLAN_PEOPLE, method="post"),
    "portfolio:my_plan": Route(allow=FELLOW),
    "portfolio:my_scholarly": Route(allow=FELLOW),
    "portfolio:scholarly_create": Route(allow=FELLOW),
    "portfolio:scholarly_edit": Route(allow={"fellow": MINE}),
    "portfolio:scholarly_delete": Route(allow={"fellow": MINE}, method="post"),
    "portfolio:cohort_scholarly": Route(allow=STAFF),
    "portfolio:scholarly_export": Route(allow=STAFF),
}
