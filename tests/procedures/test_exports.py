"""Honest procedure exports (issue 16, item 7): a per-entry id and the site in the fellow's and
the cohort's CSV, and the pediatric age band split where a program asks for it."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from procedures.models import ProcedureLogEntry, ProcedureSettings
from procedures.services.catalogue import procedure_settings_update
from procedures.services.log import entry_create, entry_import_preview, entry_update
from tests.conftest import assert_constant_queries
from tests.curriculum.factories import RotationFactory
from tests.procedures.factories import ProcedureLogEntryFactory
from tests.procedures.test_log import csv_bytes, fields, good_row
from tests.procedures.test_log import log as log  # fixture
from tests.trainees.factories import (
    AcademicYearFactory,
    CohortFactory,
    EnrolmentFactory,
    ScheduleBlockFactory,
)

Entry = ProcedureLogEntry
AgeBand = Entry.AgeBand
D = datetime.date


@pytest.fixture
def schedule(ours, log):
    """The log's fellow enrolled for 2026-27, on a main block at the university hospital in
    October beside a longitudinal clinic at the VA all year."""
    year = AcademicYearFactory(
        program=ours.program, start_date=D(2026, 7, 1), end_date=D(2027, 6, 30)
    )
    cohort = CohortFactory(program=ours.program, academic_year=year)
    enrolment = EnrolmentFactory(cohort=cohort, membership=log.fellow)
    main = RotationFactory(program=ours.program, site="University Hospital")
    clinic = RotationFactory(program=ours.program, site="VA Clinic", is_longitudinal=True)
    ScheduleBlockFactory(
        enrolment=enrolment, rotation=clinic, start_date=D(2026, 7, 1), end_date=D(2027, 6, 30)
    )
    ScheduleBlockFactory(
        enrolment=enrolment, rotation=main, start_date=D(2026, 10, 1), end_date=D(2026, 10, 31)
    )
    return cohort


def _rows(response) -> list[dict]:
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    return list(csv.DictReader(io.StringIO(body)))


def _entry(log, day):
    return ProcedureLogEntryFactory(
        program=log.fellow.program,
        fellow=log.fellow,
        supervisor=log.faculty,
        procedure_type=log.tfesi,
        performed_on=day,
    )


def test_the_fellow_export_has_the_entry_id_and_the_site_of_that_days_rotation(
    client, ours, log, schedule
):
    on_block = _entry(log, D(2026, 10, 12))
    in_clinic = _entry(log, D(2026, 11, 3))
    unscheduled = _entry(log, D(2026, 6, 1))
    client.force_login(ours.fellow)
    rows = _rows(
        client.get(reverse("procedures:log_export", kwargs={"program_id": ours.program.pk}))
    )
    sites = {int(row["id"]): row["site"] for row in rows}
    assert sites == {
        on_block.pk: "University Hospital",  # the main rotation wins over the clinic beside it
        in_clinic.pk: "VA Clinic",
        unscheduled.pk: "",
    }
    client.force_login(ours.director)
    url = reverse(
        "procedures:fellow_log_export",
        kwargs={"program_id": ours.program.pk, "membership_id": log.fellow.pk},
    )
    assert {int(row["id"]): row["site"] for row in _rows(client.get(url))} == sites


def test_the_export_imports_back_ignoring_id_and_site(ours, log, schedule, client):
    _entry(log, D(2026, 10, 12))
    client.force_login(ours.fellow)
    content = client.get(
        reverse("procedures:log_export", kwargs={"program_id": ours.program.pk})
    ).getvalue()
    preview = entry_import_preview(actor=ours.fellow, fellow=log.fellow, content=content)
    assert preview.is_clean, preview.errors


def test_the_site_costs_no_query_per_entry(client, ours, log, schedule):
    client.force_login(ours.fellow)
    url = reverse("procedures:log_export", kwargs={"program_id": ours.program.pk})
    assert_constant_queries(
        lambda: client.get(url).getvalue(),  # streamed: the rows are read as it is consumed
        lambda n: [_entry(log, D(2026, 10, 1) + datetime.timedelta(days=i)) for i in range(n)],
    )


def test_the_cohort_export_has_the_entry_id_and_the_site(client, ours, log, schedule):
    entry = _entry(log, D(2026, 10, 12))
    client.force_login(ours.director)
    url = reverse(
        "dashboard:panel_export", kwargs={"program_id": ours.program.pk, "panel": "procedures"}
    )
    [row] = _rows(client.get(url, {"cohort": schedule.pk}))
    assert (row["id"], row["site"]) == (str(entry.pk), "University Hospital")


# --- Age bands ----------------------------------------------------------------------------------


def test_by_default_under_18_is_one_band(ours, log):
    assert not ProcedureSettings.split_for(ours.program)
    entry_create(actor=ours.fellow, fellow=log.fellow, **fields(log, age_band=AgeBand.UNDER_18))
    with pytest.raises(ValidationError) as excinfo:
        entry_create(actor=ours.fellow, fellow=log.fellow, **fields(log, age_band=AgeBand.UNDER_12))
    assert '"Under 18"' in excinfo.value.message_dict["age_band"][0]


def test_a_split_program_logs_under_12_and_12_17_and_old_entries_keep_under_18(ours, log):
    old = entry_create(
        actor=ours.fellow, fellow=log.fellow, **fields(log, age_band=AgeBand.UNDER_18)
    )
    procedure_settings_update(
        actor=ours.director, program=ours.program, split_pediatric_age_bands=True
    )
    for band in (AgeBand.UNDER_12, AgeBand.AGE_12_17):
        entry_create(actor=ours.fellow, fellow=log.fellow, **fields(log, age_band=band))
    with pytest.raises(ValidationError) as excinfo:
        entry_create(actor=ours.fellow, fellow=log.fellow, **fields(log, age_band=AgeBand.UNDER_18))
    assert '"Under 12" or "12-17"' in excinfo.value.message_dict["age_band"][0]
    # an entry logged before the split keeps its band when it is corrected
    kept = entry_update(
        actor=ours.fellow, entry=old, **fields(log, age_band=AgeBand.UNDER_18, note="x")
    )
    assert kept.age_band == AgeBand.UNDER_18
    old.refresh_from_db()
    assert old.get_age_band_display() == "Under 18"


def test_the_form_offers_the_bands_of_the_setting(client, ours, log):
    client.force_login(ours.fellow)
    url = reverse("procedures:entry_create", kwargs={"program_id": ours.program.pk})

    def offered():
        return [value for value, _ in client.get(url).context["form"].fields["age_band"].choices]

    assert offered() == ["", "under_18", "18_39", "40_64", "65_79", "80_plus"]
    procedure_settings_update(
        actor=ours.director, program=ours.program, split_pediatric_age_bands=True
    )
    assert offered() == ["", "under_12", "12_17", "18_39", "40_64", "65_79", "80_plus"]


def test_the_edit_form_still_offers_an_old_under_18(client, ours, log):
    entry = _entry(log, D(2026, 10, 12))
    Entry.objects.filter(pk=entry.pk).update(age_band=AgeBand.UNDER_18)
    procedure_settings_update(
        actor=ours.director, program=ours.program, split_pediatric_age_bands=True
    )
    client.force_login(ours.fellow)
    url = reverse(
        "procedures:entry_edit", kwargs={"program_id": ours.program.pk, "entry_id": entry.pk}
    )
    choices = [value for value, _ in client.get(url).context["form"].fields["age_band"].choices]
    assert choices[:4] == ["", "under_18", "under_12", "12_17"]


def test_the_import_follows_the_setting(ours, log):
    procedure_settings_update(
        actor=ours.director, program=ours.program, split_pediatric_age_bands=True
    )
    content = csv_bytes(log, good_row(log, age_band="12_17"), good_row(log, age_band="under_18"))
    preview = entry_import_preview(actor=ours.fellow, fellow=log.fellow, content=content)
    [problem] = preview.errors
    assert problem.startswith("Row 3 (age_band)")


def test_the_setting_is_the_directors_and_audited(client, ours):
    for actor in (ours.coordinator, ours.faculty, ours.fellow):
        with pytest.raises(PermissionDenied):
            procedure_settings_update(
                actor=actor, program=ours.program, split_pediatric_age_bands=True
            )
    client.force_login(ours.director)
    url = reverse("procedures:procedure_settings", kwargs={"program_id": ours.program.pk})
    assert client.get(url).status_code == 200
    assert client.post(url, {"split_pediatric_age_bands": "on"}).status_code == 302
    assert ProcedureSettings.split_for(ours.program)
    event = AuditEvent.objects.get(action="procedure_settings.update")
    assert event.changes == {"split_pediatric_age_bands": [False, True]}
