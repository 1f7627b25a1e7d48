"""The CCC packet's evidence registry: apps add their sections without ``assessments`` importing
them (didactics declares, evaluators registers), in a fixed order, and the packet (built or
finalised) shows whatever is registered."""

import pytest
from django.urls import reverse

from assessments import evidence
from assessments.selectors.ccc import ccc_packet_build
from assessments.selectors.unscoped import milestone_set_subcompetencies, period_milestone_set
from tests.assessments.test_ccc_factories import ccc_setup, finalise


def test_didactics_and_evaluators_register_their_sections_in_order():
    names = [provider.name for provider in evidence.providers()]
    assert names[:3] == ["multi_source", "objectives", "attendance"]
    assert names[3:5] == ["learning_plan", "scholarly"]  # portfolio's (helper pf)
    by_name = {provider.name: provider for provider in evidence.providers()}
    assert by_name["multi_source"].collect.__module__ == "evaluators.evidence"
    assert by_name["objectives"].collect.__module__ == "didactics.evidence"
    assert by_name["attendance"].collect.__module__ == "didactics.evidence"


def test_registering_twice_replaces_rather_than_duplicates():
    provider = evidence.providers()[0]
    evidence.register(provider)
    assert [p.name for p in evidence.providers()].count(provider.name) == 1


def _rotation_log(*, user, fellow, period):
    return {"fellow": fellow.pk, "from": period.starts_on.isoformat()}


@pytest.fixture
def test_provider(tmp_path, settings):
    (tmp_path / "rotation_log.html").write_text(
        '<section id="rotation-log"><h2>{{ provider.title }}</h2>'
        "<p>Fellow {{ data.fellow }} from {{ data.from }}</p></section>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], str(tmp_path)]}
    ]
    provider = evidence.EvidenceProvider(
        name="rotation_log",
        title="Rotation log from a test app",
        collect=_rotation_log,
        template="rotation_log.html",
        order=15,
    )
    evidence.register(provider)
    yield provider
    evidence.unregister(provider.name)


def test_the_packet_shows_a_section_a_provider_contributes(client, ours, test_provider):
    ccc = ccc_setup(ours)
    packet = ccc_packet_build(
        user=ours.director,
        review=ccc.review,
        subcompetencies=milestone_set_subcompetencies(period_milestone_set(ccc.midyear)),
    )
    assert packet["rotation_log"] == {
        "fellow": ccc.fellow.pk,
        "from": ccc.midyear.starts_on.isoformat(),
    }
    client.force_login(ours.director)
    page = client.get(
        reverse("assessments:ccc_packet", args=[ours.program.pk, ccc.review.pk])
    ).content.decode()
    assert "Rotation log from a test app" in page
    assert f"Fellow {ccc.fellow.pk} from {ccc.midyear.starts_on.isoformat()}" in page
    # Between the multi-source evaluations (10) and the learning objectives (20).
    assert (
        page.index("multi-source-heading")
        < page.index('id="rotation-log"')
        < page.index("objectives-heading")
    )


def test_a_finalised_packet_keeps_a_section_in_its_snapshot(client, ours, test_provider):
    ccc = ccc_setup(ours)
    finalise(ccc)
    ccc.review.refresh_from_db()
    assert ccc.review.packet_snapshot["rotation_log"]["fellow"] == ccc.fellow.pk
    client.force_login(ours.fellow)
    page = client.get(
        reverse("assessments:ccc_packet", args=[ours.program.pk, ccc.review.pk])
    ).content.decode()
    assert f"Fellow {ccc.fellow.pk} from" in page


def test_the_test_provider_is_gone_afterwards():
    assert "rotation_log" not in [provider.name for provider in evidence.providers()]
