"""Every CSV import (roster, case log, milestones) fed hostile files: no 500, nothing saved by a
preview or a bad file, a message naming the problem; and the 10 MB upload limit."""

import pytest
from django.apps import apps
from django.urls import reverse
from hypothesis import given

from accounts.roster_import import COLUMNS as ROSTER_COLUMNS
from curriculum.models import Membership
from procedures.csv_entries import COLUMNS as LOG_COLUMNS
from tests.hostile import (
    HOSTILE_SETTINGS,
    assert_no_500_no_partial_save,
    hostile_csv,
    million_line_csv,
    upload,
)
from tests.hostile.test_forms import WATCH_ALL

Role = Membership.Role
MILESTONE_COLUMNS = ("specialty", "version", "competency", "subcompetency", "level", "text")
IMPORTS = [
    (
        "roster import",
        Role.COORDINATOR,
        "accounts:roster_import",
        ROSTER_COLUMNS,
        {"step": "preview"},
    ),
    ("case-log import", Role.FELLOW, "procedures:log_import", LOG_COLUMNS, {"step": "preview"}),
    ("milestone import", Role.DIRECTOR, "curriculum:milestone_set_import", MILESTONE_COLUMNS, {}),
]


def _watch():
    return [apps.get_model(label) for label in WATCH_ALL]


@pytest.mark.parametrize(("label", "role", "name", "columns", "extra"), IMPORTS)
def test_import_survives_hostile_files(client, ours, label, role, name, columns, extra):
    client.force_login(ours.user(role))
    path = reverse(name, kwargs={"program_id": ours.program.pk})
    watch = _watch()

    @HOSTILE_SETTINGS
    @given(content=hostile_csv(columns))
    def submit(content):
        data = {"csrfmiddlewaretoken": "x", **extra, "file": upload(content)}
        # A preview never saves; a milestone import saves a whole set or nothing.
        assert_no_500_no_partial_save(
            client,
            path,
            data,
            watch=watch,
            label=label,
            must_not_save=bool(extra),
            saved_ok=lambda before, after: all(after[k] - before[k] >= 0 for k in before),
            isolate=True,
        )

    submit()


@pytest.mark.parametrize(("label", "role", "name", "columns", "extra"), IMPORTS)
@pytest.mark.parametrize("blank", [True, False])
def test_a_million_line_file_is_refused_with_a_message(
    client, ours, label, role, name, columns, extra, blank
):
    client.force_login(ours.user(role))
    path = reverse(name, kwargs={"program_id": ours.program.pk})
    content = million_line_csv(columns, blank=blank)
    data = {"csrfmiddlewaretoken": "x", **extra, "file": upload(content)}
    response = assert_no_500_no_partial_save(
        client, path, data, watch=_watch(), label=f"{label} (million lines)", must_not_save=True
    )
    body = response.content.decode()
    assert "larger than" in body or "at most" in body


@pytest.mark.parametrize(("label", "role", "name", "columns", "extra"), IMPORTS)
def test_an_upload_over_10_mb_is_refused_before_it_is_read(
    client, ours, label, role, name, columns, extra
):
    client.force_login(ours.user(role))
    path = reverse(name, kwargs={"program_id": ours.program.pk})
    content = (",".join(columns) + "\n").encode() + b"x" * (11 * 1024 * 1024)
    data = {"csrfmiddlewaretoken": "x", **extra, "file": upload(content)}
    form_page = reverse(
        name.replace("_import", "_list") if "milestone" in name else name,
        kwargs={"program_id": ours.program.pk},
    )
    response = client.post(path, data, headers={"Referer": f"http://testserver{form_page}"})
    assert response.status_code == 303 and response["Location"].endswith(form_page)
    page = client.get(form_page).content.decode()
    assert "an upload may be at most 10.0 MB. Nothing was saved." in page
