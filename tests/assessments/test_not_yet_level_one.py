""" "Not yet completed Level 1" (level 0.0): assessed and below level 1, distinct from "not yet
assessable" (no evidence) in ratings, consensus levels, the packet, the CCC export, the trajectory,
the heat map and the fellow home; ordered below 1.0; signed and verified; and existing "not yet
assessable" signatures hash and verify exactly as before."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from assessments.forms import FillForm, level_description
from assessments.models import (
    NOT_YET_LEVEL_ONE,
    NOT_YET_LEVEL_ONE_LABEL,
    RATING_LEVELS,
    Assessment,
    ConsensusLevel,
    Rating,
    Signature,
)
from assessments.seals import (
    NOT_ASSESSABLE_SEALED,
    NOT_YET_LEVEL_ONE_SEALED,
    assessment_content,
    ccc_review_content,
    content_hash,
)
from assessments.selectors.ccc import ccc_packet_build, suggested_level
from assessments.selectors.trajectory import milestone_trajectory
from assessments.services.ccc import ccc_levels_record
from assessments.services.signatures.sign import assessment_sign
from assessments.services.signatures.verify import signature_verify_all
from assessments.services.workflow import assessment_save_draft, parse_rating
from curriculum.models import Membership
from dashboard.selectors import HeatCell, milestone_heatmap
from tests.accounts.factories import PASSWORD
from tests.assessments.factories import AssessmentFactory
from tests.assessments.test_ccc_factories import (
    ccc_setup,
    finalise,
    member,
    signed_assessment,
    template,
)
from tests.conftest import migrate_to_latest, page_ok

D = datetime.date
Role = Membership.Role


@pytest.fixture
def ccc(ours):
    return ccc_setup(ours)


def _draft(ccc, ratings: dict[str, str]) -> Assessment:
    """A draft by the faculty member, rated through the workflow service (form values)."""
    tpl = template(ccc)
    assessment = AssessmentFactory(
        program=ccc.people.program,
        template=tpl,
        fellow=ccc.fellow,
        assessor=member(ccc.people, Role.FACULTY),
        observed_on=D(2026, 10, 1),
        narrative="Not yet safe with fluoroscopy; needs close supervision.",
    )
    return assessment_save_draft(
        actor=ccc.people.faculty,
        assessment=assessment,
        narrative=assessment.narrative,
        ratings={ccc.sub(code).pk: value for code, value in ratings.items()},
    )


# --- The scale -----------------------------------------------------------------------------------


def test_it_is_level_zero_and_sorts_below_one():
    assert Decimal("0.0") == NOT_YET_LEVEL_ONE
    assert sorted(RATING_LEVELS)[0] == NOT_YET_LEVEL_ONE < Decimal("1.0")
    assert RATING_LEVELS[1] == Decimal("1.0")


@pytest.mark.parametrize("junk", ["0.5", "-1", "0.25", "5.5", "nan", "sNaN", "inf", "abc", "1e9"])
def test_the_service_refuses_junk(junk):
    with pytest.raises(ValidationError):
        parse_rating(junk)


def test_the_service_reads_its_values():
    assert parse_rating("0.0") == NOT_YET_LEVEL_ONE
    assert str(parse_rating("-0")) == "0.0"  # never a sealed "-0.0"
    assert parse_rating("na") == "na"
    assert parse_rating("3.50") == Decimal("3.5")


@pytest.mark.parametrize("junk", ["0.5", "-0.0", "nyl1", "0"])
def test_the_fill_form_refuses_junk(ccc, junk):
    sub = ccc.sub("PC1")
    form = FillForm({f"rating_{sub.pk}": junk}, subcompetencies=[sub], uses_totp=False)
    assert not form.is_valid()
    ok = FillForm({f"rating_{sub.pk}": "0.0"}, subcompetencies=[sub], uses_totp=False)
    assert ok.is_valid(), ok.errors


def test_the_fill_form_offers_it_first_with_its_label_and_description(ccc):
    sub = ccc.sub("PC1")
    form = FillForm(subcompetencies=[sub], uses_totp=False)
    choices = form.fields[f"rating_{sub.pk}"].choices
    assert choices[0] == ("0.0", NOT_YET_LEVEL_ONE_LABEL)
    assert choices[1][0] == "1.0" and choices[-1] == ("na", "Not yet assessable")
    described = level_description({1: "Level one text."}, "0.0")
    assert described.heading.startswith("Not yet completed Level 1:")
    assert described.texts == (("Level 1", "Level one text."),)
    assert level_description({}, "na").heading.startswith("Not yet assessable")


def test_the_database_refuses_a_level_between_zero_and_one(ccc):
    assessment = _draft(ccc, {"PC1": "0.0"})
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.filter(assessment=assessment).update(level=Decimal("0.5"))
    with pytest.raises(IntegrityError), transaction.atomic():  # not both at once
        Rating.objects.filter(assessment=assessment).update(not_assessable=True)


# --- Saved, signed, verified ---------------------------------------------------------------------


def test_a_rating_below_one_is_saved_signed_and_verified(ccc):
    assessment = _draft(ccc, {"PC1": "0.0", "PC4": "na"})
    by_code = {r.subcompetency.code: r for r in assessment.ratings.select_related("subcompetency")}
    assert (by_code["PC1"].level, by_code["PC1"].not_assessable) == (Decimal("0.0"), False)
    assert (by_code["PC4"].level, by_code["PC4"].not_assessable) == (None, True)
    assert str(by_code["PC1"]) == "PC1: not yet completed level 1"
    assessment_sign(actor=ccc.people.faculty, assessment=assessment, password=PASSWORD)
    signature = Signature.objects.get(assessment=assessment)
    content = assessment_content(Assessment.objects.get(pk=assessment.pk))
    assert NOT_YET_LEVEL_ONE_SEALED == "not yet completed level 1"
    assert content["ratings"] == [["PC1", NOT_YET_LEVEL_ONE_SEALED], ["PC4", NOT_ASSESSABLE_SEALED]]
    assert signature.content_hash == content_hash(content)
    assert signature_verify_all() == []
    call_command("verify_signatures", stdout=io.StringIO())
    # Changing it to "not yet assessable" behind the app's back is caught.
    Rating.objects.filter(pk=by_code["PC1"].pk).update(level=None, not_assessable=True)
    assert [p.signature.pk for p in signature_verify_all()] == [signature.pk]


def test_the_detail_page_names_both(client, ccc):
    assessment = _draft(ccc, {"PC1": "0.0", "PC4": "na"})
    client.force_login(ccc.people.faculty)
    page = page_ok(client, assessment.get_absolute_url()).content.decode()
    assert "Not yet completed Level 1" in page and "Not yet assessable" in page


def test_the_fill_page_carries_the_descriptor_data(client, ccc):
    assessment = _draft(ccc, {"PC1": "0.0"})
    client.force_login(ccc.people.faculty)
    url = reverse(
        "assessments:assessment_fill",
        kwargs={"program_id": ccc.people.program.pk, "assessment_id": assessment.pk},
    )
    page = page_ok(client, url).content.decode()
    assert 'data-nyl1-value="0.0"' in page
    assert 'value="0.0" id=' in page and "checked" in page
    assert "Not yet completed Level 1: you assessed this" in page  # the saved choice, described


@pytest.mark.django_db(transaction=True)
def test_old_not_assessable_signatures_hash_as_before_and_verify_across_the_migration(ours):
    """Content signed before the new level keeps its exact text and hash, and the migration
    (down to 0006 and back up) leaves every signature verifying."""
    ccc = ccc_setup(ours)
    assessment = _draft(ccc, {"PC1": "na", "PC4": "3.5"})
    assessment_sign(actor=ours.faculty, assessment=assessment, password=PASSWORD)
    finalise(ccc, PC1="na")
    assessment = Assessment.objects.get(pk=assessment.pk)
    old_format = {**assessment_content(assessment)}
    assert old_format["ratings"] == [["PC1", "not yet assessable"], ["PC4", "3.5"]]
    stored = Signature.objects.get(assessment=assessment).content_hash
    assert stored == content_hash(old_format)
    levels = dict(ccc_review_content(ccc.review)["levels"])
    assert levels["PC1"] == "not yet assessable" and levels["PC4"] == "3.0"
    executor = MigrationExecutor(connection)
    executor.migrate([("assessments", "0006_interim_rotation_evaluations")])
    migrate_to_latest()
    assert signature_verify_all() == []
    call_command("verify_signatures", stdout=io.StringIO())
    assert Signature.objects.get(assessment=assessment).content_hash == stored


# --- The CCC: suggestion, packet, consensus, export ----------------------------------------------


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        (["0.0"], "0.0"),
        (["0.0", "0.0", "2.0"], "0.0"),
        (["0.0", "1.0"], "1.0"),  # 0.5: halfway between 0.0 and 1.0, ties up
        (["0.0", "0.0", "0.0", "1.0"], "0.0"),
        (["0.0", "0.0", "1.0", "1.0"], "1.0"),
        (["0.0", "2.0"], "1.0"),
        (["0.0", "3.0", "4.0"], "3.0"),  # evidence: it counts in the median
    ],
)
def test_the_median_suggestion_counts_it_as_zero(levels, expected):
    assert f"{suggested_level(Decimal(level) for level in levels):.1f}" == expected


@pytest.fixture
def rated(ccc):
    """PC1: below level 1 twice and 2.0 once (suggested 0.0); PC4: not yet assessable and 3.0."""
    tpl = template(ccc)
    signed_assessment(ccc, tpl, D(2026, 8, 1), {"PC1": "0.0", "PC4": None})
    signed_assessment(ccc, tpl, D(2026, 9, 1), {"PC1": "0.0", "PC4": "3.0"})
    signed_assessment(ccc, tpl, D(2026, 10, 1), {"PC1": "2.0"})
    return ccc


def test_the_packet_counts_it_as_evidence_apart_from_not_assessable(client, rated):
    ccc = rated
    packet = ccc_packet_build(user=ccc.people.director, review=ccc.review, subcompetencies=ccc.subs)
    rows = {row["code"]: row for row in packet["subcompetencies"]}
    assert rows["PC1"]["levels"] == ["0.0", "0.0", "2.0"]
    assert (rows["PC1"]["count"], rows["PC1"]["mean"], rows["PC1"]["not_yet_level_one"]) == (
        3,
        "0.67",
        2,
    )
    assert (rows["PC4"]["count"], rows["PC4"]["not_assessable"]) == (1, 1)
    assert rows["PC4"]["not_yet_level_one"] == 0
    client.force_login(ccc.people.faculty)
    url = reverse(
        "assessments:ccc_packet",
        kwargs={"program_id": ccc.people.program.pk, "review_id": ccc.review.pk},
    )
    response = page_ok(client, url)
    page = response.content.decode()
    assert "Not yet completed Level 1, Not yet completed Level 1, 2.0" in page
    assert "(+1 not yet assessable)" in page
    # The suggestion (median 0.0) pre-fills the consensus choice "Not yet completed Level 1".
    field = response.context["form"][f"level_{ccc.sub('PC1').pk}"]
    assert field.value() == "0.0"
    assert f'<option value="0.0" selected>{NOT_YET_LEVEL_ONE_LABEL}</option>' in page


def test_consensus_levels_record_it_and_the_export_names_both(client, ccc):
    finalise(ccc, PC1="0.0", PC4="na")
    stored = {
        level.subcompetency.code: (level.level, level.not_assessable)
        for level in ConsensusLevel.objects.filter(review=ccc.review).select_related(
            "subcompetency"
        )
    }
    assert stored["PC1"] == (Decimal("0.0"), False) and stored["PC4"] == (None, True)
    levels = dict(ccc_review_content(ccc.review)["levels"])
    assert levels["PC1"] == NOT_YET_LEVEL_ONE_SEALED and levels["PC4"] == NOT_ASSESSABLE_SEALED
    assert signature_verify_all() == []
    client.force_login(ccc.people.director)
    url = reverse(
        "assessments:ccc_export",
        kwargs={"program_id": ccc.people.program.pk, "period_id": ccc.midyear.pk},
    )
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    header, row = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[:2]
    cells = dict(zip(header, row, strict=True))
    assert cells["PC1"] == "Not Yet Completed Level 1"
    assert cells["PC4"] == "Not Yet Assessable"
    assert cells["PC2"] == "3.0"


def test_recording_it_is_audited_and_a_change_to_not_assessable_too(ccc):
    from audit.models import AuditEvent

    pc1 = ccc.sub("PC1").pk
    ccc_levels_record(actor=ccc.people.director, review=ccc.review, levels={pc1: "0.0"})
    ccc_levels_record(actor=ccc.people.director, review=ccc.review, levels={pc1: "na"})
    changes = [
        event.changes["PC1"]
        for event in AuditEvent.objects.filter(action="ccc_review.record_levels").order_by("pk")
    ]
    assert changes == [[None, "0.0"], ["0.0", "na"]]


# --- Trajectory, heat map, fellow home -----------------------------------------------------------


def test_the_trajectory_plots_it_below_one_and_names_it(client, rated):
    ccc = rated
    finalise(ccc, PC1="0.0", PC4="na")
    rows = {
        row.code: row for row in milestone_trajectory(user=ccc.people.fellow, fellow=ccc.fellow)
    }
    assert [p.level for p in rows["PC1"].points] == [0.0, 0.0, 2.0]
    assert [r.level for r in rows["PC4"].ratings] == [None, 3.0]  # not assessable: no point
    assert rows["PC1"].ccc_level == 0.0 and not rows["PC1"].ccc_not_assessable
    assert rows["PC4"].ccc_not_assessable
    client.force_login(ccc.people.director)
    url = reverse(
        "assessments:fellow_milestones",
        kwargs={"program_id": ccc.people.program.pk, "membership_id": ccc.fellow.pk},
    )
    response = page_ok(client, url)
    chart = response.context["chart"]
    assert chart["below_one"] == {"level": 0.0, "tick": "<1", "label": NOT_YET_LEVEL_ONE_LABEL}
    [series] = [s for s in chart["series"] if s["code"] == "PC1"]
    assert [p["level"] for p in series["points"]] == [0.0, 0.0, 2.0]
    page = response.content.decode()
    assert "2026-08-01</time>: Not yet completed Level 1" in page
    assert "2026-08-01</time>: not yet assessable" in page


@pytest.mark.parametrize("expected", [1.0, 2.5, 4.0])
def test_a_heat_cell_below_one_reads_less_than_one_and_is_always_below(expected):
    cell = HeatCell(level=0.0, source="rating", expected=expected)
    assert (cell.text, cell.band, cell.words) == ("<1", "below", NOT_YET_LEVEL_ONE_LABEL)
    assert "&lt;1" in cell.html and "Not yet completed Level 1" in cell.html
    assert ", below expected" in cell.html
    na = HeatCell(level=None, source="ccc")
    assert (na.text, na.band, na.words) == ("", "none", "Not yet assessable")
    assert "not yet assessable" in na.html


def test_the_heat_map_its_export_and_the_fellow_home_tell_them_apart(client, rated):
    ccc = rated
    finalise(ccc, PC1="0.0", PC4="na")
    [row] = milestone_heatmap(fellows=[ccc.fellow], subcompetencies=ccc.subs)
    cells = dict(zip([s.code for s in ccc.subs], row.cells, strict=True))
    assert (cells["PC1"].level, cells["PC1"].band, cells["PC1"].text) == (0.0, "below", "<1")
    assert (cells["PC4"].level, cells["PC4"].source) == (None, "ccc")
    client.force_login(ccc.people.director)
    query = f"?cohort={ccc.cohort.pk}"
    page = page_ok(
        client,
        reverse("dashboard:cohort_dashboard", kwargs={"program_id": ccc.people.program.pk}) + query,
    ).content.decode()
    assert "<strong>&lt;1</strong>" in page and "&lt;1 = not yet completed level 1" in page
    export = client.get(
        reverse(
            "dashboard:panel_export",
            kwargs={"program_id": ccc.people.program.pk, "panel": "heatmap"},
        )
        + query
    )
    body = (b"".join(export.streaming_content) if export.streaming else export.content).decode(
        "utf-8-sig"
    )
    header, line = list(csv.reader(io.StringIO(body)))[:2]
    values = dict(zip(header, line, strict=True))
    assert values["PC1 level"] == NOT_YET_LEVEL_ONE_LABEL and values["PC1 source"] == "ccc"
    assert values["PC4 level"] == "" and values["PC4 source"] == "ccc"
    client.force_login(ccc.people.fellow)
    home = page_ok(
        client, reverse("dashboard:my_progress", kwargs={"program_id": ccc.people.program.pk})
    ).content.decode()
    assert "Not yet completed Level 1" in home and "Not yet assessable" in home
