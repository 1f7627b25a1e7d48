"""The permission matrix's rows for the surveys routes (merged into MATRIX in
tests/trust/test_permission_matrix.py); the objects they name come from world.py beside this."""

from tests.trust.matrix import ANY, DIRECTOR, FELLOW, MINE, STAFF, TEACHERS, Route

# Results: the director all; a faculty member only collections about themselves.
RESULTS = {"director": ANY, "faculty": MINE}

ROUTES: dict = {
    "surveys:collection_list": Route(allow=TEACHERS),
    "surveys:collection_create": Route(allow=STAFF),
    "surveys:minimum_answers": Route(allow=DIRECTOR),
    "surveys:collection_results": Route(allow=RESULTS),
    "surveys:collection_results_export": Route(allow=RESULTS),
    "surveys:form_list": Route(allow=STAFF),
    "surveys:form_create": Route(allow=DIRECTOR),
    "surveys:form_detail": Route(allow=STAFF),
    "surveys:question_add": Route(allow=DIRECTOR, method="post"),
    "surveys:question_remove": Route(allow=DIRECTOR, method="post"),
    "surveys:form_duplicate": Route(allow=DIRECTOR, method="post"),
    "surveys:form_toggle": Route(allow=DIRECTOR, method="post"),
    "surveys:my_evaluations": Route(allow=FELLOW),
    "surveys:evaluation_fill": Route(allow={"fellow": MINE}),
}
