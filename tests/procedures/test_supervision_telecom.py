"""Direct supervision through telecommunication (ACGME Common Program Requirements VI.A.2):
a level of its own, refused for the categories a program bars it from, with the reason on the
field, in the log form, its service and the CSV import; editable per category by the director."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from audit.models import AuditEvent
from procedures.models import ProcedureCategory, ProcedureLogEntry
from procedures.services.catalogue import (
    catalogue_load_default,
    procedure_category_create,
    procedure_category_update,
)
from procedures.services.log import entry_create, entry_import_preview, entry_update
from tests.conftest import migrate_to_latest
from tests.procedures.factories import ProcedureLogEntryFactory
from tests.procedures.test_log import csv_bytes, fields, good_row
from tests.procedures.test_log import log as log  # fixture

Entry = ProcedureLogEntry
TELECOM = Entry.SupervisionLevel.DIRECT_TELECOM


def _forbid(log):
    category = log.tfesi.category
    ProcedureCategory.objects.filter(pk=category.pk).update(allows_telecom_supervision=False)
    log.tfesi.category.refresh_from_db()
    return category


def test_the_levels_are_those_of_the_current_requirements_and_old_ones_stay_readable():
    levels = dict(Entry.SupervisionLevel.choices)
    assert levels["direct_telecom"] == "Direct, through telecommunication"
    assert {"direct", "indirect", "oversight"} <= set(levels)
    assert "indirect_available" in levels  # pre-2023 data keeps its meaning


def test_telecom_is_logged_where_the_category_allows_it(ours, log):
    entry = entry_create(
        actor=ours.fellow, fellow=log.fellow, **fields(log, supervision_level=TELECOM)
    )
    assert entry.supervision_level == TELECOM


def test_telecom_is_refused_with_the_reason_where_the_category_forbids_it(ours, log):
    category = _forbid(log)
    with pytest.raises(ValidationError) as excinfo:
        entry_create(actor=ours.fellow, fellow=log.fellow, **fields(log, supervision_level=TELECOM))
    [message] = excinfo.value.message_dict["supervision_level"]
    assert category.name in message and "physically present" in message
    assert not Entry.objects.exists()
    # the other levels are fine
    entry_create(actor=ours.fellow, fellow=log.fellow, **fields(log))


def test_an_edit_cannot_switch_to_telecom_but_an_older_entry_keeps_it(ours, log):
    entry = entry_create(actor=ours.fellow, fellow=log.fellow, **fields(log))
    older = entry_create(
        actor=ours.fellow, fellow=log.fellow, **fields(log, supervision_level=TELECOM)
    )
    _forbid(log)
    with pytest.raises(ValidationError) as excinfo:
        entry_update(actor=ours.fellow, entry=entry, **fields(log, supervision_level=TELECOM))
    assert "supervision_level" in excinfo.value.message_dict
    # recorded before the rule: a correction of its note does not force a new level
    kept = entry_update(
        actor=ours.fellow, entry=older, **fields(log, supervision_level=TELECOM, note="fixed")
    )
    assert kept.supervision_level == TELECOM


def test_the_log_form_shows_the_reason_on_the_field(client, ours, log):
    _forbid(log)
    client.force_login(ours.fellow)
    url = reverse("procedures:entry_create", kwargs={"program_id": ours.program.pk})
    data = {
        key: (value.pk if hasattr(value, "pk") else value)
        for key, value in fields(log, supervision_level=TELECOM).items()
    }
    response = client.post(url, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "physically present" in " ".join(form.errors["supervision_level"])
    assert "physically present" in response.content.decode()
    assert not Entry.objects.exists()


def test_the_csv_import_names_the_row_and_the_reason(ours, log):
    _forbid(log)
    content = csv_bytes(log, good_row(log), good_row(log, supervision_level="direct_telecom"))
    preview = entry_import_preview(actor=ours.fellow, fellow=log.fellow, content=content)
    assert not preview.is_clean
    [problem] = preview.errors
    assert problem.startswith("Row 3 (supervision_level)") and "physically present" in problem


def test_the_shipped_catalogue_refuses_telecom_and_own_categories_allow_it(ours):
    catalogue_load_default(actor=None, program=ours.program)
    assert not ProcedureCategory.objects.filter(
        program=ours.program, allows_telecom_supervision=True
    ).exists()
    own = procedure_category_create(actor=ours.director, program=ours.program, name="Clinic")
    assert own.allows_telecom_supervision is True
    barred = procedure_category_create(
        actor=ours.director, program=ours.program, name="Cryo", allows_telecom_supervision=False
    )
    assert barred.allows_telecom_supervision is False


def test_the_director_changes_it_and_the_change_is_audited(ours):
    category = procedure_category_create(actor=ours.director, program=ours.program, name="Clinic")
    procedure_category_update(
        actor=ours.director, category=category, name="Clinic", allows_telecom_supervision=False
    )
    category.refresh_from_db()
    assert category.allows_telecom_supervision is False
    event = AuditEvent.objects.get(action="procedure_category.update")
    assert event.changes == {"allows_telecom_supervision": [True, False]}
    # saving again without a change records nothing
    procedure_category_update(
        actor=ours.director, category=category, name="Clinic", allows_telecom_supervision=False
    )
    assert AuditEvent.objects.filter(action="procedure_category.update").count() == 1


def test_only_the_director_may_change_a_category(ours):
    from django.core.exceptions import PermissionDenied

    category = procedure_category_create(actor=ours.director, program=ours.program, name="Clinic")
    for actor in (ours.coordinator, ours.faculty, ours.fellow):
        with pytest.raises(PermissionDenied):
            procedure_category_update(
                actor=actor, category=category, name="X", allows_telecom_supervision=False
            )


def test_the_category_form_edits_the_rule(client, ours, log):
    category = log.tfesi.category
    client.force_login(ours.director)
    url = reverse(
        "procedures:procedure_category_edit",
        kwargs={"program_id": ours.program.pk, "category_id": category.pk},
    )
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="allows_telecom_supervision"' in page.content.decode()
    response = client.post(url, {"name": category.name})  # the box unticked
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.allows_telecom_supervision is False
    catalogue = client.get(reverse("procedures:catalogue", kwargs={"program_id": ours.program.pk}))
    assert "telecommunication is not accepted" in catalogue.content.decode()


def test_another_programs_category_is_a_404(client, ours, theirs, log):
    other = ProcedureLogEntryFactory(program=theirs.program).procedure_type.category
    client.force_login(ours.director)
    url = reverse(
        "procedures:procedure_category_edit",
        kwargs={"program_id": ours.program.pk, "category_id": other.pk},
    )
    assert client.get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_migration_bars_telecom_for_the_shipped_categories_only(ours):
    before = [("procedures", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        Category = old.get_model("procedures", "ProcedureCategory")
        shipped = Category.objects.create(program_id=ours.program.pk, name="Facet")
        own = Category.objects.create(program_id=ours.program.pk, name="Clinic")
    finally:
        migrate_to_latest()
    assert ProcedureCategory.objects.get(pk=shipped.pk).allows_telecom_supervision is False
    assert ProcedureCategory.objects.get(pk=own.pk).allows_telecom_supervision is True
