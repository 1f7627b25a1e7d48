"""'Repeat last entry' warns (and only warns) when the same case is already logged for the day."""

from django.urls import reverse

from procedures.models import ProcedureLogEntry
from procedures.selectors.log import identical_entry
from tests.procedures.factories import ProcedureLogEntryFactory
from tests.procedures.test_log import log as log  # fixture

Entry = ProcedureLogEntry
WARNING = "Save again only if you did it twice."


def _repeat_url(program) -> str:
    return reverse("procedures:entry_create", kwargs={"program_id": program.pk}) + "?repeat=1"


def _entry(log, **fields):
    values = {
        "program": log.fellow.program,
        "fellow": log.fellow,
        "supervisor": log.faculty,
        "procedure_type": log.tfesi,
        "performed_on": log.fellow.program.today(),
        "guidance": "fluoroscopy",
        "level": "L4-L5",
        "laterality": "left",
        "age_band": "40_64",
    }
    return ProcedureLogEntryFactory(**values | fields)


def test_repeat_warns_when_an_identical_entry_exists_for_today(client, ours, log):
    _entry(log)
    client.force_login(ours.fellow)
    page = client.get(_repeat_url(ours.program)).content.decode()
    today = log.fellow.program.today().strftime("%b %-d, %Y")
    assert f"You already logged an identical Lumbar transforaminal epidural on {today}." in page
    assert WARNING in page


def test_no_warning_when_the_last_entry_was_another_day(client, ours, log):
    _entry(log, performed_on=log.fellow.program.today().replace(year=2020))
    client.force_login(ours.fellow)
    assert WARNING not in client.get(_repeat_url(ours.program)).content.decode()


def test_no_warning_on_the_plain_create_form(client, ours, log):
    _entry(log)
    client.force_login(ours.fellow)
    url = reverse("procedures:entry_create", kwargs={"program_id": ours.program.pk})
    assert WARNING not in client.get(url).content.decode()


def test_the_warning_does_not_block_saving_the_same_case_twice(client, ours, log):
    _entry(log)
    client.force_login(ours.fellow)
    response = client.get(_repeat_url(ours.program))
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["performed_on"] = form.initial["performed_on"].isoformat()
    assert client.post(_repeat_url(ours.program), data).status_code == 302
    assert Entry.objects.filter(fellow=log.fellow).count() == 2


def test_identical_means_every_field_that_matters(ours, log):
    entry = _entry(log)
    same = {
        "performed_on": entry.performed_on,
        "procedure_type": log.tfesi.pk,
        "guidance": "fluoroscopy",
        "role": entry.role,
        "supervision_level": entry.supervision_level,
        "age_band": "40_64",
        "level": "L4-L5",
        "laterality": "left",
    }
    assert identical_entry(fellow=log.fellow, values=same) == entry
    assert identical_entry(fellow=log.fellow, values=same | {"laterality": "right"}) is None
    assert identical_entry(fellow=log.fellow, values=same | {"procedure_type": None}) is None
    # The complication and the note belong to one case: they do not make it different.
    assert identical_entry(fellow=log.fellow, values=same | {"note": "other"}) == entry
