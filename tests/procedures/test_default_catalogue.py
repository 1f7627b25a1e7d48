"""The shipped catalogue holds what a current pain program logs, and the import template's sample
row names one of its procedures, so the template imports as it is."""

from curriculum.models import Membership
from procedures.csv_entries import TEMPLATE_CSV
from procedures.models import ProcedureLogEntry, ProcedureType
from procedures.services.catalogue import catalogue_load_default, default_catalogue
from procedures.services.log import entry_import
from tests.accounts.factories import UserFactory
from tests.curriculum.factories import MembershipFactory

# Procedures a pain program logs today (issue 16, item 11), with the category each belongs to.
EXPECTED = {
    "Vertebral tumor radiofrequency ablation": "Vertebral",
    "Basivertebral nerve ablation": "Vertebral",
    "Kyphoplasty": "Vertebral",
    "Vertebroplasty": "Vertebral",
    "Sacroiliac joint fusion": "Sacroiliac",
    "Dorsal root ganglion stimulation": "Neuromodulation",
    "Peripheral nerve stimulation": "Neuromodulation",
    "Intrathecal pump refill / reprogramming": "Intrathecal drug delivery",
    "Minimally invasive lumbar decompression": "Minimally invasive spine",
    "Interspinous spacer": "Minimally invasive spine",
    "Genicular nerve radiofrequency ablation": "Peripheral nerve and joint",
    "Epidural blood patch": "Epidural steroid injections",
}


def _shipped_types() -> dict[str, tuple[str, dict]]:
    return {t["name"]: (c["name"], t) for c in default_catalogue() for t in c["types"]}


def test_the_catalogue_has_what_a_current_program_logs():
    types = _shipped_types()
    for name, category in EXPECTED.items():
        assert types[name][0] == category, name
    tumor = types["Vertebral tumor radiofrequency ablation"][1]
    assert tumor["has_level"] is True
    assert tumor["allowed_guidance"] == ["fluoroscopy", "ct"]


def test_every_shipped_category_bars_telecom_supervision():
    assert {c["allows_telecom_supervision"] for c in default_catalogue()} == {False}


def test_loading_adds_the_new_procedures_to_a_program_with_the_old_catalogue(ours):
    catalogue_load_default(actor=None, program=ours.program)
    ProcedureType.objects.filter(program=ours.program, name__in=list(EXPECTED)).delete()
    assert catalogue_load_default(actor=ours.director, program=ours.program) == len(EXPECTED)
    assert set(EXPECTED) <= set(
        ProcedureType.objects.filter(program=ours.program).values_list("name", flat=True)
    )


def test_the_template_sample_row_names_a_shipped_procedure():
    sample = TEMPLATE_CSV.splitlines()[1].split(",")
    assert sample[1] in _shipped_types()


def test_the_template_imports_cleanly_into_a_program_with_the_default_catalogue(ours):
    catalogue_load_default(actor=None, program=ours.program)
    faculty = UserFactory(email="faculty@example.org")
    MembershipFactory(program=ours.program, user=faculty, role=Membership.Role.FACULTY)
    fellow = Membership.objects.get(program=ours.program, user=ours.fellow)
    [entry] = entry_import(actor=ours.fellow, fellow=fellow, content=TEMPLATE_CSV.encode())
    assert entry.procedure_type.name == "Lumbar transforaminal epidural steroid injection"
    assert entry.supervisor.user == faculty
    assert entry.status == ProcedureLogEntry.Status.PENDING
