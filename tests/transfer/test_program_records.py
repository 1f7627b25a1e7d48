"""export_program / import_program: a program's record round-trips exactly."""

import json

import pytest
from django.core.management import CommandError, call_command

from assessments.models import Assessment, Signature
from curriculum.models import Program
from demo.people import DEMO_PROGRAM_NAME
from procedures.models import ProcedureLogEntry
from transfer.records import ImportRefused, program_export, program_import


@pytest.fixture
def demo_program(transactional_db):
    call_command("seed_demo", verbosity=0)
    return Program.objects.get(name=DEMO_PROGRAM_NAME)


def _by_model(document) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in document["objects"]:
        counts[item["model"]] = counts.get(item["model"], 0) + 1
    return counts


def test_export_flush_import_gives_back_the_same_record(demo_program, tmp_path):
    other = Program.objects.create(name="Someone else's program", institution="Elsewhere")
    path = tmp_path / "record.json"
    call_command("export_program", demo_program.pk, output=str(path))
    first = json.loads(path.read_text())
    counts = _by_model(first)
    # The record holds what matters, and nothing of the other program.
    assert counts["assessments.assessment"] == Assessment.objects.count()
    assert counts["assessments.signature"] == Signature.objects.count()
    assert counts["procedures.procedurelogentry"] == ProcedureLogEntry.objects.count()
    assert counts["accounts.user"] >= 11
    assert not any(
        item["model"] == "curriculum.program" and item["pk"] == other.pk
        for item in first["objects"]
    )

    call_command("flush", interactive=False, verbosity=0)
    assert not Program.objects.exists()
    call_command("import_program", str(path))

    second = program_export(program=Program.objects.get(pk=demo_program.pk))
    assert second["objects"] == first["objects"]
    # New rows get fresh keys after a restore with explicit ones.
    assert Program.objects.create(name="Next", institution="X").pk > demo_program.pk


def test_import_over_existing_rows_is_refused_and_writes_nothing(demo_program):
    document = program_export(program=demo_program)
    before = ProcedureLogEntry.objects.count()
    with pytest.raises(ImportRefused, match="restore into an empty database"):
        program_import(document=document)
    assert ProcedureLogEntry.objects.count() == before


def test_commands_fail_with_a_readable_line(tmp_path, db):
    with pytest.raises(CommandError, match="No program with id 999999"):
        call_command("export_program", 999999)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="is not a JSON program record"):
        call_command("import_program", str(bad))
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": 99, "objects": []}))
    with pytest.raises(CommandError, match="Not a program record of format 1"):
        call_command("import_program", str(other))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_program", str(tmp_path / "missing.json"))
