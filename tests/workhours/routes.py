"""The permission matrix's rows for the workhours routes (merged into MATRIX in
tests/trust/test_permission_matrix.py); the objects they name come from world.py beside this."""

from tests.trust.matrix import FELLOW, MINE, STAFF, Route

ROUTES: dict = {
    # The fellow's log (workhours/views.py): the fellow writes their own; the director and
    # coordinator read a fellow's week; faculty see none of it.
    "workhours:my_week": Route(allow=FELLOW),
    "workhours:shift_add": Route(allow=FELLOW, method="post"),
    "workhours:shift_edit": Route(allow={"fellow": MINE}),
    "workhours:shift_delete": Route(allow={"fellow": MINE}, method="post"),
    "workhours:week_copy": Route(allow=FELLOW, method="post"),
    "workhours:week_template_apply": Route(allow=FELLOW, method="post"),
    "workhours:explanation_save": Route(allow=FELLOW, method="post"),
    "workhours:template": Route(allow=FELLOW),
    "workhours:fellow_week": Route(allow={"fellow": MINE, **STAFF}),
    # The program's pages (program_views.py, exports.py): the director and coordinators only.
    "workhours:program_compliance": Route(allow=STAFF),
    "workhours:shift_import": Route(allow=STAFF),
    "workhours:shift_import_template": Route(allow=STAFF),
    "workhours:shifts_export": Route(allow=STAFF),
    "workhours:findings_export": Route(allow=STAFF),
}
