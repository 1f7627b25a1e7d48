"""The browser tests' demo copy (tests/browser/demo_snapshot.py): copied back into a flushed
database it is the demo row for row, and new rows get fresh ids (the sequences were moved on)."""

import pytest
from django.core.management import call_command

from curriculum.models import Program
from demo.people import DEMO_PROGRAM_NAME
from tests.browser import demo_snapshot
from tests.conftest import is_postgres
from tests.curriculum.factories import ProgramFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_copied_demo_is_the_seeded_one_row_for_row(monkeypatch):
    if not is_postgres():
        pytest.skip("the copy is PostgreSQL's COPY; elsewhere the demo is seeded each time")
    monkeypatch.setattr(demo_snapshot, "_copied", {})
    demo_snapshot.demo_load()  # seeds, then copies out
    seeded = demo_snapshot._copy_out()
    assert seeded == demo_snapshot._copied["tables"]
    call_command("flush", interactive=False, verbosity=0)
    assert not Program.objects.exists()
    demo_snapshot.demo_load()  # copies back in
    assert demo_snapshot._copy_out() == seeded
    demo = Program.objects.get(name=DEMO_PROGRAM_NAME)
    assert ProgramFactory().pk > demo.pk  # the sequence is past the copied ids
