"""The benchmark's SQL floor (benchmarks/floor.py) computes what the cohort dashboard shows:
on the demo program, its fellows, subcompetencies, level cells, overdue and deadline totals are
the page's. A floor that drifted from the page would make ``dashboard_over_floor`` meaningless."""

import pytest
from django.core.management import call_command

from benchmarks.floor import dashboard_floor
from curriculum.models import Membership, Program
from demo.people import DEMO_PROGRAM_NAME
from tests.conftest import is_postgres

pytestmark = pytest.mark.django_db


def test_the_floor_counts_what_the_dashboard_shows(client):
    if not is_postgres():
        pytest.skip("the floor is PostgreSQL SQL (DISTINCT ON, FILTER)")
    call_command("seed_demo", verbosity=0)
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    director = Membership.objects.get(program=program, role="director").user
    client.force_login(director)
    page = client.get(f"/programs/{program.pk}/dashboard/")
    assert page.status_code == 200
    context = page.context
    floor = dashboard_floor(
        program_id=program.pk, cohort_id=context["cohort"].pk, today=context["today"]
    )
    # A cell with a source: a CCC level (possibly "not yet assessable") or a rating.
    cells = sum(1 for row in context["heatmap"] for cell in row.cells if cell.source)
    assert floor["fellows"] == context["fellow_count"]
    assert floor["subcompetencies"] == len(context["subcompetencies"])
    assert floor["levels"] == cells
    assert floor["overdue_total"] == context["overdue_total"]
    assert floor["deadline_total"] == context["deadline_total"]
