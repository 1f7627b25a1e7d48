"""Access matrix of every signed-in page, the public form behind the link (good, used, expired,
revoked, tampered, throttled), sending and revoking through the pages, and query counts."""

import datetime
import re
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from curriculum.models import Membership
from evaluators.models import EvaluatorRole, ExternalEvaluation, ExternalEvaluationRequest
from evaluators.patient_form import PATIENT_QUESTIONS
from evaluators.services import POST_LIMIT
from tests.conftest import assert_constant_queries, page_ok
from tests.curriculum.factories import MembershipFactory
from tests.role_pages import assert_role_page_access

from .factories import (
    EvaluationFactory,
    ExternalRatingFactory,
    RequestFactory,
    multi_source_template,
)


def fellow_of(people) -> Membership:
    return Membership.objects.get(program=people.program, user=people.fellow, role="fellow")


def url(name, program, **kwargs) -> str:
    return reverse(f"evaluators:{name}", kwargs={"program_id": program.pk, **kwargs})


def evaluate_url(token: str) -> str:
    return reverse("evaluators:evaluate", kwargs={"token": token})


def professional_post(request) -> dict:
    data = {"narrative": "Keeps the recovery nurses informed."}
    for sub in request.template.subcompetencies.all():
        data[f"rating_{sub.pk}"] = "little_help"
    return data


# --- Access matrix ---


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("request_list", {"director", "fellow"}),
        ("request_create", {"director", "fellow"}),
        ("my_evidence", {"fellow"}),
    ],
)
def test_program_pages_access_matrix(client, ours, theirs, name, allowed):
    assert_role_page_access(client, ours, theirs, url(name, ours.program), allowed)


def test_fellow_evidence_access_matrix(client, ours, theirs):
    path = url("fellow_evidence", ours.program, membership_id=fellow_of(ours).pk)
    assert_role_page_access(client, ours, theirs, path, {"director", "coordinator", "faculty"})
    # A fellow of their own program still cannot open it for another fellow (or a non-fellow).
    client.force_login(MembershipFactory(program=ours.program, role="fellow").user)
    assert client.get(path).status_code == 404
    client.force_login(ours.director)
    faculty = Membership.objects.get(program=ours.program, user=ours.faculty)
    assert (
        client.get(url("fellow_evidence", ours.program, membership_id=faculty.pk)).status_code
        == 404
    )


def test_request_link_page_access_matrix(client, ours, theirs):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), patient=True)
    path = url("request_link", ours.program, request_id=request.pk)
    assert_role_page_access(client, ours, theirs, path, {"director", "fellow"})
    client.force_login(MembershipFactory(program=ours.program, role="fellow").user)
    assert client.get(path).status_code == 404, "another fellow's request"


def test_revoke_access(client, ours, theirs):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours))
    path = url("request_revoke", ours.program, request_id=request.pk)
    response = client.post(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    others = [ours.faculty, ours.coordinator, MembershipFactory(program=ours.program).user]
    for user in [*others, theirs.director, theirs.fellow]:
        client.force_login(user)
        assert client.post(path).status_code == 404
    request.refresh_from_db()
    assert request.revoked_at is None
    client.force_login(ours.fellow)
    assert client.get(path).status_code == 405
    response = client.post(path, follow=True)
    assert "revoked; its link no longer works" in response.content.decode()
    request.refresh_from_db()
    assert request.revoked_at is not None


def test_director_revokes_a_fellows_request(client, ours):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours))
    client.force_login(ours.director)
    client.post(url("request_revoke", ours.program, request_id=request.pk))
    request.refresh_from_db()
    assert request.revoked_at is not None


# --- Sending through the page ---


def test_fellow_emails_a_nurse(client, ours, mailoutbox, django_capture_on_commit_callbacks):
    template = multi_source_template(ours.program)
    client.force_login(ours.fellow)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("request_create", ours.program),
            {
                "fellow": fellow_of(ours).pk,
                "evaluator_role": "nurse",
                "evaluator_name": "Grace Lindqvist",
                "evaluator_email": "grace@hospital.test",
                "template": template.pk,
            },
            follow=True,
        )
    assert "Evaluation request emailed to Grace Lindqvist" in response.content.decode()
    [message] = mailoutbox
    link = re.search(r"http://testserver/evaluate/[\w-]+/", message.body).group(0)
    assert client.get(link.replace("http://testserver", "")).status_code == 200


def test_bad_address_is_shown_on_the_form_and_nothing_is_saved(client, ours, mailoutbox):
    template = multi_source_template(ours.program)
    client.force_login(ours.fellow)
    response = client.post(
        url("request_create", ours.program),
        {
            "fellow": fellow_of(ours).pk,
            "evaluator_role": "nurse",
            "evaluator_name": "Grace",
            "evaluator_email": "grace@",
            "template": template.pk,
        },
    )
    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()
    assert not ExternalEvaluationRequest.objects.exists() and mailoutbox == []


def test_a_fellow_cannot_send_about_another_fellow_by_editing_the_form(client, ours):
    other = MembershipFactory(program=ours.program, role="fellow")
    client.force_login(ours.fellow)
    response = client.post(
        url("request_create", ours.program),
        {"fellow": other.pk, "evaluator_role": "patient"},
    )
    assert response.status_code == 200
    assert "only ask for evaluations of your own work" in response.content.decode()
    assert not ExternalEvaluationRequest.objects.exists()


def test_patient_link_and_qr_are_shown_once_to_the_sender_only(client, ours, mailoutbox):
    client.force_login(ours.fellow)
    response = client.post(
        url("request_create", ours.program),
        {"fellow": fellow_of(ours).pk, "evaluator_role": "patient"},
        follow=True,
    )
    body = response.content.decode()
    assert "data:image/svg+xml" in body
    link = re.search(r'value="(http://testserver/evaluate/[\w-]+/)"', body).group(1)
    assert mailoutbox == []
    request = ExternalEvaluationRequest.objects.get()
    assert request.evaluator_role == "patient" and request.evaluator_email == ""
    # Another session (the director) sees the request but not its link.
    client.force_login(ours.director)
    body = client.get(url("request_link", ours.program, request_id=request.pk)).content.decode()
    assert link not in body and "no longer shown" in body


def test_form_warns_when_the_program_has_no_multi_source_form(client, ours):
    client.force_login(ours.fellow)
    body = client.get(url("request_create", ours.program)).content.decode()
    assert "only patients can be asked for now" in body


# --- The public form ---


def test_good_link_opens_without_an_account_and_is_then_used_up(client, ours):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="tok-good")
    path = evaluate_url("tok-good")
    response = client.get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert ours.fellow.display_name in body and ours.program.name in body
    assert response["Cache-Control"].startswith("max-age=0")
    response = client.post(path, professional_post(request))
    assert response.status_code == 302 and response["Location"] == reverse(
        "evaluators:evaluate_thanks"
    )
    assert client.get(response["Location"]).status_code == 200
    evaluation = ExternalEvaluation.objects.get()
    assert evaluation.ratings.count() == 3
    response = client.get(path)
    assert response.status_code == 410
    assert "already been submitted" in response.content.decode()
    assert client.post(path, professional_post(request)).status_code == 410
    assert ExternalEvaluation.objects.count() == 1


def test_a_missing_rating_is_shown_and_nothing_is_saved(client, ours):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="tok-miss")
    data = professional_post(request)
    data.pop(next(k for k in data if k.startswith("rating_")))
    response = client.post(evaluate_url("tok-miss"), data)
    assert response.status_code == 200
    assert "Choose an answer, or “Have not seen this”." in response.content.decode()
    assert not ExternalEvaluation.objects.exists()


def test_patient_form_is_plain_and_refuses_identifying_comments(client, ours):
    multi_source_template(ours.program)
    RequestFactory(program=ours.program, fellow=fellow_of(ours), token="tok-pat", patient=True)
    path = evaluate_url("tok-pat")
    body = client.get(path).content.decode()
    assert "Did the doctor explain things in a way you could understand?" in body
    assert "We do not ask for your name" in body
    assert 'name="evaluator_name"' not in body and "Not yet assessable" not in body
    data = {f"q_{q.key}": "5" for q in PATIENT_QUESTIONS}
    data["narrative"] = "Please call me on 312-555-0142"
    response = client.post(path, data)
    assert response.status_code == 200
    assert "looks like it contains a phone number" in response.content.decode()
    assert not ExternalEvaluation.objects.exists()
    data["narrative"] = "Very kind."
    assert client.post(path, data).status_code == 302
    assert ExternalEvaluation.objects.get().evaluator_role == EvaluatorRole.PATIENT


@pytest.mark.parametrize(
    ("fields", "status", "text"),
    [
        (
            {"expires_at": timezone.now() - datetime.timedelta(days=1)},
            410,
            "evaluation link expired on",
        ),
        ({"revoked_at": timezone.now()}, 410, "was withdrawn by the program"),
        ({"used_at": timezone.now()}, 410, "already been submitted"),
    ],
)
def test_unusable_links_say_why(client, ours, fields, status, text):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="tok-x", **fields)
    for response in (
        client.get(evaluate_url("tok-x")),
        client.post(evaluate_url("tok-x"), professional_post(request)),
    ):
        assert response.status_code == status
        assert text in response.content.decode()
    assert not ExternalEvaluation.objects.exists()


@pytest.mark.parametrize("token", ["tok-rea", "tok-real-x", "TOK-REAL", "tok-real%20"])
def test_tampered_links_are_explained_not_a_bare_404(client, ours, token):
    RequestFactory(program=ours.program, fellow=fellow_of(ours), token="tok-real")
    response = client.get(evaluate_url(token))
    assert response.status_code == 404
    assert "This evaluation link is not valid" in response.content.decode()


def test_form_posts_per_link_are_rate_limited(client, ours):
    RequestFactory(program=ours.program, fellow=fellow_of(ours), token="tok-rl")
    for _ in range(POST_LIMIT):
        assert client.post(evaluate_url("tok-rl"), {}).status_code == 200
    response = client.post(evaluate_url("tok-rl"), {})
    assert response.status_code == 429
    assert "Too many attempts with this link" in response.content.decode()
    assert client.get(evaluate_url("tok-rl")).status_code == 200


# --- Evidence and query counts ---


def add_evaluations(people, count: int) -> None:
    fellow = fellow_of(people)
    template = multi_source_template(people.program)
    subs = list(template.subcompetencies.all())
    for index in range(count):
        evaluation = EvaluationFactory(
            request__program=people.program,
            request__fellow=fellow,
            request__template=template,
            narrative=f"Evaluation {index}",
        )
        for sub in subs:
            ExternalRatingFactory(evaluation=evaluation, subcompetency=sub)


def test_evidence_lists_newest_first_with_ratings_and_hides_names_from_fellows(client, ours):
    add_evaluations(ours, 2)
    newest = ExternalEvaluation.objects.order_by("-pk").first()
    ExternalEvaluation.objects.filter(pk=newest.pk).update(
        submitted_at=timezone.now() + datetime.timedelta(hours=1)
    )
    client.force_login(ours.fellow)
    body = client.get(url("my_evidence", ours.program)).content.decode()
    assert body.index("Evaluation 1") < body.index("Evaluation 0")
    assert "ICS1" in body and "3.0" in body and "Nurse" in body
    assert "Grace Lindqvist" not in body
    client.force_login(ours.director)
    path = url("fellow_evidence", ours.program, membership_id=fellow_of(ours).pk)
    assert "Grace Lindqvist" in client.get(path).content.decode()


def test_evidence_empty_state(client, ours):
    client.force_login(ours.fellow)
    assert (
        "No multi-source evaluations yet."
        in client.get(url("my_evidence", ours.program)).content.decode()
    )


@pytest.mark.parametrize("view", ["my_evidence", "fellow_evidence", "request_list"])
def test_list_query_count_does_not_grow(client, ours, view):
    if view == "my_evidence":
        client.force_login(ours.fellow)
        path = url(view, ours.program)
    elif view == "fellow_evidence":
        client.force_login(ours.faculty)
        path = url(view, ours.program, membership_id=fellow_of(ours).pk)
    else:
        client.force_login(ours.director)
        path = url(view, ours.program)
    grow = lambda n: add_evaluations(ours, n)  # noqa: E731
    assert_constant_queries(partial(page_ok, client, path), grow, sizes=(1, 8))


def test_evidence_is_paginated(client, ours):
    add_evaluations(ours, 21)
    client.force_login(ours.fellow)
    body = client.get(url("my_evidence", ours.program)).content.decode()
    assert "Page 1 of 2" in body and body.count('class="card mb-3 external-evaluation"') == 20
