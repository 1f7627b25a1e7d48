"""The permission matrix's rows for the program_evaluation routes (merged into MATRIX in
tests/trust/test_permission_matrix.py); the objects they name come from world.py beside this.

Faculty read the reviews because the world puts them on the committee; fellows never open
these pages (program_evaluation/permissions.py says why)."""

from tests.trust.matrix import ANY, DIRECTOR, STAFF, Route

READERS = {"faculty": ANY, **STAFF}

ROUTES: dict = {
    "program_evaluation:evaluation_list": Route(allow=READERS),
    "program_evaluation:committee": Route(allow=STAFF),
    "program_evaluation:evaluation_open": Route(
        allow=DIRECTOR, method="post", data={"academic_year": "year_id"}
    ),
    "program_evaluation:evaluation_detail": Route(allow=READERS),
    "program_evaluation:evaluation_edit": Route(allow=DIRECTOR),
    "program_evaluation:evaluation_sign": Route(allow=DIRECTOR, method="post"),
    "program_evaluation:evaluation_print": Route(allow=READERS),
    "program_evaluation:evaluation_export": Route(allow=READERS),
    "program_evaluation:evaluation_actions_csv": Route(allow=READERS),
    "program_evaluation:action_item_create": Route(allow=DIRECTOR),
    "program_evaluation:action_item_edit": Route(allow=DIRECTOR),
    "program_evaluation:outcome_list": Route(allow=STAFF),
    "program_evaluation:outcome_create": Route(allow=STAFF),
    "program_evaluation:outcome_edit": Route(allow=STAFF),
    "program_evaluation:outcome_delete": Route(allow=STAFF, method="post"),
}
