"""Confidential evaluation pages: the fellow's list and fill page (double submit, refusal),
building forms, scheduling, the collection list (completion, query counts) and who sees
results."""

import pytest
from django.urls import reverse

from surveys.models import Answer, Collection, EvaluationForm, Response
from tests.conftest import assert_constant_queries, page_ok
from tests.surveys.factories import (
    DAY,
    answer,
    close,
    current_cohort,
    enrol,
    form_with_questions,
    open_collection,
)

pytestmark = pytest.mark.django_db


def _url(name, people, **kwargs):
    return reverse(f"surveys:{name}", kwargs={"program_id": people.program.pk, **kwargs})


def _fill_url(people, invitation):
    return _url("evaluation_fill", people, survey_invitation_id=invitation.pk)


def _values(invitation, level=4, comment=""):
    data = {}
    for question in invitation.collection.form.questions.all():
        data[f"q_{question.pk}"] = level if question.is_scale else comment
    return data


@pytest.fixture
def invitation(ours):
    cohort = current_cohort(ours.program)
    enrol(cohort, ours.fellow)
    enrol(cohort)
    return open_collection(ours).invitations.get(fellow__user=ours.fellow)


def test_fellow_sees_pending_then_submitted(client, ours, invitation):
    client.force_login(ours.fellow)
    page = page_ok(client, _url("my_evaluations", ours)).content.decode()
    assert _fill_url(ours, invitation) in page and "Nothing to do" not in page
    fill = page_ok(client, _fill_url(ours, invitation)).content.decode()
    assert "stored without your name" in fill and 'type="radio"' in fill
    response = client.post(_fill_url(ours, invitation), _values(invitation, comment="Useful"))
    assert response.status_code == 302
    page = page_ok(client, _url("my_evaluations", ours)).content.decode()
    assert "Submitted - your answers are not linked to you" in page
    assert _fill_url(ours, invitation) not in page


def test_double_submit_with_the_same_token_makes_one_response(client, ours, invitation):
    client.force_login(ours.fellow)
    data = _values(invitation) | {"_once": "A" * 32}
    first = client.post(_fill_url(ours, invitation), data)
    second = client.post(_fill_url(ours, invitation), data)
    assert first.status_code == 302 and second.status_code == 302
    third = client.post(_fill_url(ours, invitation), _values(invitation), follow=True)
    assert "already submitted" in third.content.decode()
    assert Response.objects.count() == 1


def test_missing_answer_shows_errors_and_saves_nothing(client, ours, invitation):
    client.force_login(ours.fellow)
    response = client.post(_fill_url(ours, invitation), {})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert not Answer.objects.exists()


def test_another_fellows_invitation_is_404(client, ours, invitation):
    other = invitation.collection.invitations.exclude(pk=invitation.pk).get()
    client.force_login(ours.fellow)
    assert client.get(_fill_url(ours, other)).status_code == 404
    assert client.post(_fill_url(ours, other), _values(other)).status_code == 404


def test_director_builds_form_adds_and_removes_questions_and_duplicates(client, ours):
    client.force_login(ours.director)
    response = client.post(
        _url("form_create", ours), {"name": "Program review", "subject": "program"}
    )
    form = EvaluationForm.objects.get(name="Program review")
    assert response.status_code == 302
    add = _url("question_add", ours, survey_form_id=form.pk)
    client.post(add, {"text": "Well run", "kind": "scale", "required": "on"})
    client.post(add, {"text": "Workload", "kind": "scale", "scale_labels": "a, b, c, d, e"})
    client.post(add, {"text": "Anything else", "kind": "comment"})
    bad = client.post(add, {"text": "Broken", "kind": "scale", "scale_labels": "a, b"})
    assert bad.status_code == 200 and "five labels" in bad.content.decode()
    assert list(form.questions.values_list("text", flat=True)) == [
        "Well run",
        "Workload",
        "Anything else",
    ]
    workload = form.questions.get(text="Workload")
    assert workload.labels == ("a", "b", "c", "d", "e") and not workload.required
    client.post(
        _url("question_remove", ours, survey_form_id=form.pk, survey_question_id=workload.pk)
    )
    assert form.questions.count() == 2
    detail = page_ok(client, _url("form_detail", ours, survey_form_id=form.pk)).content.decode()
    assert "Add a question" in detail
    client.post(_url("form_duplicate", ours, survey_form_id=form.pk))
    assert EvaluationForm.objects.filter(name="Program review (copy)").exists()


def test_used_form_offers_duplicate_not_editing(client, ours, invitation):
    client.force_login(ours.director)
    form = invitation.collection.form
    page = page_ok(client, _url("form_detail", ours, survey_form_id=form.pk)).content.decode()
    assert "Duplicate" in page and "Add a question" not in page
    response = client.post(
        _url("question_add", ours, survey_form_id=form.pk), {"text": "Late", "kind": "scale"}
    )
    assert "Duplicate it" in response.content.decode()
    assert not form.questions.filter(text="Late").exists()


def test_coordinator_schedules_for_every_faculty_member(client, ours):
    cohort = current_cohort(ours.program)
    enrol(cohort, ours.fellow)
    form = form_with_questions(ours.program, subject="faculty")
    today = ours.program.today()
    client.force_login(ours.coordinator)
    response = client.post(
        _url("collection_create", ours),
        {
            "form": form.pk,
            "every_faculty": "on",
            "opens_on": today.isoformat(),
            "closes_on": (today + 14 * DAY).isoformat(),
        },
    )
    assert response.status_code == 302
    collection = Collection.objects.get(form=form)
    assert collection.faculty.user == ours.faculty
    assert collection.invitations.count() == 1
    refused = client.post(
        _url("collection_create", ours),
        {"form": form.pk, "opens_on": today.isoformat(), "closes_on": today.isoformat()},
    )
    assert refused.status_code == 200 and "Choose a faculty member" in refused.content.decode()


def test_collection_list_shows_completion_to_staff_results_link_to_readers(client, ours):
    cohort = current_cohort(ours.program)
    fellows = [enrol(cohort, ours.fellow), enrol(cohort), enrol(cohort)]
    from curriculum.models import Membership

    faculty = Membership.objects.get(user=ours.faculty, program=ours.program, role="faculty")
    about_faculty = open_collection(
        ours, form_with_questions(ours.program, subject="faculty"), faculty=faculty
    )
    answer(about_faculty.invitations.get(fellow=fellows[0]), 4, 4)
    program_wide = open_collection(ours)
    url = _url("collection_list", ours)

    client.force_login(ours.coordinator)
    page = page_ok(client, url).content.decode()
    assert "33%" in page and about_faculty.get_absolute_url() not in page
    assert client.get(about_faculty.get_absolute_url()).status_code == 404

    client.force_login(ours.faculty)
    page = page_ok(client, url).content.decode()
    assert about_faculty.get_absolute_url() in page
    assert program_wide.get_absolute_url() not in page and "33%" not in page
    assert client.get(program_wide.get_absolute_url()).status_code == 404
    page_ok(client, about_faculty.get_absolute_url())

    client.force_login(ours.director)
    page = page_ok(client, url).content.decode()
    assert about_faculty.get_absolute_url() in page and program_wide.get_absolute_url() in page

    client.force_login(ours.fellow)
    assert client.get(url).status_code == 404
    assert client.get(program_wide.get_absolute_url()).status_code == 404


def test_collection_list_queries_do_not_grow(client, ours):
    cohort = current_cohort(ours.program)
    enrol(cohort, ours.fellow)
    form = form_with_questions(ours.program)
    client.force_login(ours.director)
    assert_constant_queries(
        lambda: page_ok(client, _url("collection_list", ours)),
        lambda n: [open_collection(ours, form) for _ in range(n)],
    )


def test_results_page_and_export_show_aggregate_once_closed(client, ours):
    cohort = current_cohort(ours.program)
    fellows = [enrol(cohort, ours.fellow), enrol(cohort), enrol(cohort)]
    collection = open_collection(ours)
    for level, fellow in zip((3, 4, 5), fellows, strict=True):
        answer(collection.invitations.get(fellow=fellow), level, level, comment=f"Note {level}")
    close(collection)
    client.force_login(ours.director)
    page = page_ok(client, collection.get_absolute_url()).content.decode()
    assert "mean 4.00" in page and "Note 3" in page
    export = client.get(_url("collection_results_export", ours, survey_collection_id=collection.pk))
    assert export["Content-Type"].startswith("text/csv")
    text = export.content.decode()
    assert "Scale,The program supports my learning,3,4.00,0,0,1,1,1" in text
