"""The annual program evaluation's pages: who opens what, the evidence page in a fixed number of
queries, opening a year once, signing, and the signed page rendered from its snapshot."""

import json

import pytest
from django.urls import reverse

from program_evaluation.models import AnnualProgramEvaluation, GraduateOutcome
from program_evaluation.services import evaluation_open
from tests.accounts.factories import PASSWORD
from tests.program_evaluation.factories import (
    ActionItemFactory,
    GraduateOutcomeFactory,
    evidence_world,
    member,
    pec,
    year,
)


def _url(name, evaluation, **kwargs):
    return reverse(
        f"program_evaluation:{name}",
        kwargs={"program_id": evaluation.program_id, "pe_evaluation_id": evaluation.pk, **kwargs},
    )


def _review(people, academic_year=None):
    pec(people)
    evaluation, _ = evaluation_open(
        actor=people.director, program=people.program, academic_year=academic_year or year(people)
    )
    return evaluation


def test_the_director_opens_the_year_from_the_list_once(client, ours):
    academic_year = year(ours)
    pec(ours)
    client.force_login(ours.director)
    url = reverse("program_evaluation:evaluation_list", kwargs={"program_id": ours.program.pk})
    page = client.get(url)
    assert "Open the review for 2026-2027" in page.content.decode()
    open_url = reverse("program_evaluation:evaluation_open", kwargs={"program_id": ours.program.pk})
    data = {"academic_year": academic_year.pk, "_once": "a-token-of-sixteen-chars"}
    first = client.post(open_url, data)
    second = client.post(open_url, data)
    evaluation = AnnualProgramEvaluation.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == evaluation.get_absolute_url()
    assert client.post(open_url, {"academic_year": academic_year.pk}).status_code == 302
    assert AnnualProgramEvaluation.objects.count() == 1


def test_opening_another_programs_year_is_a_404(client, ours, theirs):
    client.force_login(ours.director)
    open_url = reverse("program_evaluation:evaluation_open", kwargs={"program_id": ours.program.pk})
    assert client.post(open_url, {"academic_year": year(theirs).pk}).status_code == 404
    assert client.post(open_url, {"academic_year": "x"}).status_code == 404
    assert not AnnualProgramEvaluation.objects.exists()


def test_the_evidence_page_shows_every_section(client, ours):
    academic_year = evidence_world(ours, fellows=2)
    evaluation = _review(ours, academic_year)
    ActionItemFactory(evaluation=evaluation, title="Weekly feedback")
    client.force_login(ours.director)
    body = client.get(evaluation.get_absolute_url()).content.decode()
    for heading in (
        "1. Milestone attainment",
        "2. Case logs",
        "3. Evaluation completion",
        "7. Graduates' outcomes",
        "8. The committee's record",
    ):
        assert heading in body
    assert "50.0%" in body and "Weekly feedback" in body and "Sign the evaluation" in body


@pytest.mark.parametrize("fellows", [1, 4])
def test_the_evidence_page_takes_a_fixed_number_of_queries(
    client, ours, fellows, django_assert_max_num_queries
):
    academic_year = evidence_world(ours, fellows=fellows)
    evaluation = _review(ours, academic_year)
    for _ in range(fellows):
        ActionItemFactory(evaluation=evaluation)
    client.force_login(ours.director)
    with django_assert_max_num_queries(36):
        assert client.get(evaluation.get_absolute_url()).status_code == 200


def test_the_query_count_does_not_grow_with_fellows(client, ours, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    academic_year = evidence_world(ours, fellows=1)
    evaluation = _review(ours, academic_year)
    client.force_login(ours.director)
    client.get(evaluation.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(evaluation.get_absolute_url())
    evidence_world(ours, fellows=3, academic_year=academic_year)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(evaluation.get_absolute_url())


def test_pec_faculty_read_other_faculty_and_fellows_get_404(client, ours):
    evaluation = _review(ours)
    client.force_login(ours.faculty)  # on the committee (pec)
    assert client.get(evaluation.get_absolute_url()).status_code == 200
    body = client.get(evaluation.get_absolute_url()).content.decode()
    assert "Sign the evaluation" not in body
    assert client.get(_url("evaluation_edit", evaluation)).status_code == 404
    committee = evaluation.program.pec
    committee.members.remove(member(ours, "faculty"))
    assert client.get(evaluation.get_absolute_url()).status_code == 404
    client.force_login(ours.fellow)  # a fellow, even on the committee
    assert client.get(evaluation.get_absolute_url()).status_code == 404


def test_another_programs_director_gets_404(client, ours, theirs):
    evaluation = _review(ours)
    client.force_login(theirs.director)
    assert client.get(evaluation.get_absolute_url()).status_code == 404
    wrong_program = reverse(
        "program_evaluation:evaluation_detail",
        kwargs={"program_id": theirs.program.pk, "pe_evaluation_id": evaluation.pk},
    )
    assert client.get(wrong_program).status_code == 404


def test_the_director_records_signs_and_the_page_renders_from_the_snapshot(client, ours):
    evaluation = _review(ours)
    client.force_login(ours.director)
    saved = client.post(
        _url("evaluation_edit", evaluation),
        {
            "held_on": "2026-11-01",
            "members_present": [member(ours, "director").pk, member(ours, "faculty").pk],
            "strengths": "Broad case mix.",
            "weaknesses": "Late feedback.",
            "notes": "",
        },
    )
    assert saved.status_code == 302
    wrong = client.post(_url("evaluation_sign", evaluation), {"password": "nope"})
    assert wrong.status_code == 200 and not AnnualProgramEvaluation.objects.get().is_signed
    signed = client.post(_url("evaluation_sign", evaluation), {"password": PASSWORD})
    assert signed.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.is_signed
    # Data after signing does not change the signed page.
    GraduateOutcomeFactory(program=ours.program, graduation_year=2027, graduate_name="Late Entry")
    body = client.get(evaluation.get_absolute_url()).content.decode()
    assert "Broad case mix." in body and "Late Entry" not in body
    assert "Sign the evaluation" not in body and evaluation.content_hash in body
    assert client.get(_url("evaluation_edit", evaluation)).status_code == 302


def test_print_export_and_csv(client, ours):
    evaluation = _review(ours)
    ActionItemFactory(evaluation=evaluation, title="Weekly feedback")
    client.force_login(ours.coordinator)
    assert "data-print-page" in client.get(_url("evaluation_print", evaluation)).content.decode()
    exported = client.get(_url("evaluation_export", evaluation))
    document = json.loads(exported.content)
    assert document["academic_year"] == "2026-2027"
    assert document["record"]["action_items"][0]["title"] == "Weekly feedback"
    assert {"milestones", "case_logs", "completion", "outcomes"} <= document["evidence"].keys()
    csv = client.get(_url("evaluation_actions_csv", evaluation)).content.decode()
    assert "Weekly feedback" in csv


def test_the_committee_page_refuses_a_bad_composition(client, ours):
    client.force_login(ours.director)
    url = reverse("program_evaluation:committee", kwargs={"program_id": ours.program.pk})
    refused = client.post(url, {"members": [member(ours, "director").pk]})
    assert refused.status_code == 200
    assert "at least 2 program faculty members" in refused.content.decode()
    client.force_login(ours.coordinator)
    assert client.get(url).status_code == 200
    assert client.post(url, {"members": [member(ours, "director").pk]}).status_code == 404


def test_the_coordinator_keeps_graduate_outcomes(client, ours, django_assert_max_num_queries):
    GraduateOutcomeFactory.create_batch(3, program=ours.program)
    client.force_login(ours.coordinator)
    url = reverse("program_evaluation:outcome_list", kwargs={"program_id": ours.program.pk})
    with django_assert_max_num_queries(10):
        page = client.get(url)
    assert "100.0%" in page.content.decode()
    created = client.post(
        reverse("program_evaluation:outcome_create", kwargs={"program_id": ours.program.pk}),
        {
            "graduate_name": "Jordan Lee",
            "graduation_year": 2026,
            "board_exam": "failed",
            "board_exam_year": 2026,
            "first_position": "private",
            "notes": "",
        },
    )
    assert created.status_code == 302
    assert GraduateOutcome.objects.filter(graduate_name="Jordan Lee").exists()
    client.force_login(ours.faculty)
    assert client.get(url).status_code == 404


def test_the_signed_export_carries_the_snapshot_and_its_hash(client, ours):
    from program_evaluation.services import evaluation_sign, evaluation_update

    evaluation = _review(ours)
    evaluation_update(
        actor=ours.director,
        evaluation=evaluation,
        held_on=evaluation.academic_year.start_date,
        members_present=[],
        strengths="Broad case mix.",
        weaknesses="",
        notes="",
    )
    evaluation = evaluation_sign(actor=ours.director, evaluation=evaluation, password=PASSWORD)
    client.force_login(ours.faculty)  # a committee member reads and exports
    document = json.loads(client.get(_url("evaluation_export", evaluation)).content)
    assert document["status"] == "signed"
    assert document["content_hash"] == evaluation.content_hash
    assert document["evidence"] == evaluation.snapshot["evidence"]
    assert document["record"]["strengths"] == "Broad case mix."
