"""Suggested consensus levels on the CCC packet: the median rule, the pre-filled form that a GET
never saves, "Accept all suggestions", recorded levels left alone, and constant query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.models import AssessmentTemplate, ConsensusLevel
from assessments.selectors.ccc import suggested_level
from assessments.services.ccc import ccc_levels_record, ccc_suggestions_accept
from audit.models import AuditEvent
from tests.assessments.test_ccc_factories import ccc_setup, finalise, signed_assessment, template
from tests.conftest import assert_constant_queries, page_ok

D = datetime.date


@pytest.fixture
def ccc(ours):
    return ccc_setup(ours)


def packet_url(ccc) -> str:
    return f"/programs/{ccc.people.program.pk}/ccc/reviews/{ccc.review.pk}/"


def recorded(ccc) -> dict[str, str]:
    return {
        level.subcompetency.code: "na" if level.not_assessable else f"{level.level:.1f}"
        for level in ConsensusLevel.objects.filter(review=ccc.review).select_related(
            "subcompetency"
        )
    }


@pytest.fixture
def rated(ccc):
    """PC1 rated 2.0 and 2.5 (median 2.25 -> 2.5), PC4 rated 3.0, 3.5 and "not yet assessable"
    (median of the two levels 3.25 -> 3.5); the rest unrated. A self-assessment and a rating
    outside the period do not count."""
    tpl = template(ccc)
    signed_assessment(ccc, tpl, D(2026, 8, 1), {"PC1": "2.0", "PC4": "3.0"})
    signed_assessment(ccc, tpl, D(2026, 9, 1), {"PC1": "2.5", "PC4": None})
    signed_assessment(ccc, tpl, D(2026, 10, 1), {"PC4": "3.5"})
    self_tpl = template(ccc, kind=AssessmentTemplate.Kind.SELF)
    signed_assessment(ccc, self_tpl, D(2026, 10, 2), {"PC1": "5.0", "PC4": "5.0"})
    signed_assessment(ccc, tpl, D(2027, 2, 1), {"PC1": "5.0", "PC4": "5.0"})  # year-end period
    return ccc


# --- The rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([], None),
        (["3.0"], "3.0"),
        (["2.0", "4.5", "2.0"], "2.0"),  # odd count: the middle one
        (["2.0", "2.5"], "2.5"),  # 2.25 lies between two half levels: up
        (["3.0", "3.5", "4.0", "4.5"], "4.0"),  # 3.75: up
        (["1.0", "5.0"], "3.0"),  # an even count whose mean is a level
        (["2.0", "3.0"], "2.5"),
        (["4.5", "1.5", "3.0", "2.0"], "2.5"),  # unsorted input: 2.0, 3.0 -> 2.5
    ],
)
def test_median_rounds_to_the_nearest_half_level_ties_up(levels, expected):
    result = suggested_level(Decimal(level) for level in levels)
    assert (None if result is None else f"{result:.1f}") == expected


# --- The packet page -----------------------------------------------------------------------------


def test_get_prefills_the_suggestion_marked_and_saves_nothing(client, rated):
    ccc = rated
    client.force_login(ccc.people.faculty)
    response = page_ok(client, packet_url(ccc))
    rows = {row["code"]: row for row in response.context["rows"]}
    assert (rows["PC1"]["suggestion"].value, rows["PC1"]["suggestion"].count) == ("2.5", 2)
    # "Not yet assessable" is counted apart, never in the median.
    assert (rows["PC4"]["suggestion"].value, rows["PC4"]["suggestion"].count) == ("3.5", 2)
    assert rows["MK1"]["suggestion"] is None  # no ratings, no suggestion
    form = response.context["form"]
    assert form[f"level_{ccc.sub('PC1').pk}"].value() == "2.5"
    assert form[f"level_{ccc.sub('MK1').pk}"].value() in ("", None)
    page = response.content.decode()
    assert "Suggested from 2 ratings" in page and "Accept all suggestions" in page
    assert not ConsensusLevel.objects.exists()
    assert not AuditEvent.objects.filter(action="ccc_review.record_levels").exists()


def test_accept_all_saves_exactly_the_suggestions_and_audits(client, rated):
    ccc = rated
    client.force_login(ccc.people.director)
    response = client.post(packet_url(ccc), {"action": "accept_suggestions"})
    assert response.status_code == 302
    assert recorded(ccc) == {"PC1": "2.5", "PC4": "3.5"}
    event = AuditEvent.objects.get(action="ccc_review.record_levels")
    assert event.changes == {"PC1": [None, "2.5"], "PC4": [None, "3.5"]}
    assert all(level.recorded_by == ccc.people.director for level in ConsensusLevel.objects.all())
    # Accepted, they are recorded levels now: nothing left to suggest, a second tap changes nothing.
    response = page_ok(client, packet_url(ccc))
    assert response.context["suggestion_count"] == 0
    assert "Accept all suggestions" not in response.content.decode()
    client.post(packet_url(ccc), {"action": "accept_suggestions"})
    assert AuditEvent.objects.filter(action="ccc_review.record_levels").count() == 1


def test_change_one_level_then_save_records_it_with_the_other_suggestions(client, rated):
    ccc = rated
    client.force_login(ccc.people.faculty)
    response = page_ok(client, packet_url(ccc))
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data[f"level_{ccc.sub('PC4').pk}"] = "4.0"  # the one change, then Save
    assert client.post(packet_url(ccc), data).status_code == 302
    assert recorded(ccc) == {"PC1": "2.5", "PC4": "4.0"}


def test_a_recorded_level_is_shown_as_recorded_not_replaced(client, rated):
    ccc = rated
    ccc_levels_record(
        actor=ccc.people.faculty, review=ccc.review, levels={ccc.sub("PC1").pk: "4.0"}
    )
    client.force_login(ccc.people.director)
    response = page_ok(client, packet_url(ccc))
    rows = {row["code"]: row for row in response.context["rows"]}
    assert rows["PC1"]["suggestion"] is None and rows["PC1"]["level"].level == Decimal("4.0")
    assert response.context["form"][f"level_{ccc.sub('PC1').pk}"].value() == "4.0"
    assert response.context["suggestion_count"] == 1  # PC4 only
    assert "Recorded" in response.content.decode()
    ccc_suggestions_accept(actor=ccc.people.director, review=ccc.review)
    assert recorded(ccc) == {"PC1": "4.0", "PC4": "3.5"}


def test_coordinator_sees_no_suggestions_and_cannot_accept(client, rated):
    ccc = rated
    client.force_login(ccc.people.coordinator)
    response = page_ok(client, packet_url(ccc))
    assert "Accept all suggestions" not in response.content.decode()
    assert client.post(packet_url(ccc), {"action": "accept_suggestions"}).status_code == 404
    with pytest.raises(PermissionDenied):
        ccc_suggestions_accept(actor=ccc.people.coordinator, review=ccc.review)
    assert not ConsensusLevel.objects.exists()


def test_a_finalised_review_takes_no_suggestions(rated):
    ccc = rated
    finalise(ccc)
    with pytest.raises(ValidationError):
        ccc_suggestions_accept(actor=ccc.people.director, review=ccc.review)


def test_packet_query_count_does_not_grow_with_ratings_or_suggestions(client, ccc):
    """From one suggested subcompetency and one rating to every subcompetency of the set
    suggested from many ratings: the same number of queries."""
    everything = template(ccc, codes=[sub.code for sub in ccc.subs])
    signed_assessment(ccc, template(ccc, codes=("PC1",)), D(2026, 8, 1), {"PC1": "2.0"})
    days = iter(range(2, 28))

    def add_ratings(n):
        for _ in range(n):
            levels = {sub.code: "3.5" for sub in ccc.subs}
            signed_assessment(ccc, everything, D(2026, 9, next(days)), levels)

    client.force_login(ccc.people.faculty)
    counts = []

    def packet():
        counts.append(page_ok(client, packet_url(ccc)).context["suggestion_count"])

    assert_constant_queries(packet, add_ratings, sizes=(0, 10))
    assert counts == [1, len(ccc.subs)]
