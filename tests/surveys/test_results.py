"""Aggregate results: suppression, means, distributions, comments screened and sorted; the
annual-evaluation summary; and the untraceability test the issue requires."""

import csv
import io
import re

import pytest
from django.db import transaction
from django.urls import reverse

from audit.models import AuditEvent
from surveys.selectors import collection_summary, confidential_summary
from tests.conftest import assert_constant_queries
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


def _three_fellows(people):
    cohort = current_cohort(people.program)
    return [enrol(cohort, people.fellow), enrol(cohort), enrol(cohort)]


def _invitations(collection, fellows):
    return [collection.invitations.get(fellow=fellow) for fellow in fellows]


def test_results_aggregate_once_closed_with_enough_answers(ours):
    fellows = _three_fellows(ours)
    collection = open_collection(ours)
    first, second, third = _invitations(collection, fellows)
    answer(first, 5, 2, comment="zebra crossings are slow")
    first_name = ours.faculty.full_name.split()[0]
    answer(second, 4, 2, comment=f"Ask {ours.faculty.full_name} or {first_name} more")
    summary = collection_summary(collection=collection)
    assert not summary["shown"] and summary["questions"] == [] and summary["comments"] == []
    assert summary["hidden_reason"] == (
        "Shown once the window has closed and at least 3 answers exist; 2 so far."
    )
    answer(third, 4, 1)
    assert not collection_summary(collection=collection)["shown"]  # still open
    close(collection)
    summary = collection_summary(collection=collection)
    assert summary["shown"] and summary["hidden_reason"] is None
    assert (summary["invited"], summary["completed"], summary["completion_rate"]) == (3, 3, 100)
    q1, q2 = summary["questions"]
    assert (q1["count"], q1["mean"], q1["distribution"]) == (
        3,
        "4.33",
        {1: 0, 2: 0, 3: 0, 4: 2, 5: 1},
    )
    assert (q2["mean"], q2["distribution"][2]) == ("1.67", 2)
    assert summary["comments"] == ["Ask [name] or [name] more", "zebra crossings are slow"]


def test_program_minimum_above_three_is_respected(ours):
    ours.program.confidential_minimum_answers = 4
    ours.program.save()
    fellows = _three_fellows(ours)
    collection = open_collection(ours)
    for invitation in _invitations(collection, fellows):
        answer(invitation, 3, 3)
    close(collection)
    summary = collection_summary(collection=collection)
    assert not summary["shown"] and "at least 4 answers" in summary["hidden_reason"]


def test_confidential_summary_has_fixed_queries(ours):
    fellows = _three_fellows(ours)
    today = ours.program.today()

    def grow(n):
        for _ in range(n):
            collection = open_collection(ours)
            for invitation in _invitations(collection, fellows):
                answer(invitation, 4, 3, comment="Fine")
            close(collection)

    def run():
        confidential_summary(program=ours.program, start=today - 30 * DAY, end=today)

    assert_constant_queries(run, grow, sizes=(1, 4))
    [item, *_] = confidential_summary(program=ours.program, start=today - 30 * DAY, end=today)
    assert set(item) == {
        "title",
        "subject_kind",
        "subject",
        "invited",
        "completed",
        "completion_rate",
        "shown",
        "hidden_reason",
        "questions",
        "comments",
    }
    assert item["shown"] and item["questions"][0]["mean"] == "4.00"
    assert confidential_summary(program=ours.program, start=today + DAY, end=today + 9 * DAY) == []


# --- The untraceability test -----------------------------------------------------------------

GIVEN = [((5, 1), "Great mentoring"), ((2, 4), "More protected time"), ((3, 3), "")]
ID_PATTERNS = [
    (re.compile(r"/collections/\d+/"), "/collections/N/"),
    (re.compile(r"confidential-evaluation-\d+-"), "confidential-evaluation-N-"),
    (re.compile(r'name="_once" value="[^"]*"'), "once"),
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), "csrf"),
    (re.compile(r'<meta name="csrf-token" content="[^"]*"'), "csrf"),
    (re.compile(r'nonce="[^"]*"'), "nonce"),
    (re.compile(r'"X-CSRFToken": "[^"]*"'), "csrf"),
]


def _normal(text: str) -> str:
    for pattern, replacement in ID_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _run(client, people, fellows, order, *, close_it=True):
    """One run in a savepoint rolled back after: the same collection, the fellows answering
    ``GIVEN`` permuted by ``order``; returns what a reader could see."""
    with transaction.atomic():
        collection = open_collection(people, form_with_questions(people.program, name="Annual"))
        mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
        for fellow, given in zip(fellows, order, strict=True):
            levels, comment = GIVEN[given]
            answer(collection.invitations.get(fellow=fellow), *levels, comment=comment)
        if close_it:
            close(collection)
        kwargs = {"program_id": people.program.pk, "survey_collection_id": collection.pk}
        client.force_login(people.director)
        page = client.get(reverse("surveys:collection_results", kwargs=kwargs))
        export = client.get(reverse("surveys:collection_results_export", kwargs=kwargs))
        assert page.status_code == 200 and export.status_code == 200
        events = [
            (e.action, e.actor_id, e.object_type, e.object_repr, e.changes)
            for e in AuditEvent.objects.filter(pk__gt=mark, program=people.program).order_by("pk")
        ]
        today = people.program.today()
        summary = confidential_summary(program=people.program, start=today - 9 * DAY, end=today)
        seen = {
            "page": _normal(page.content.decode()),
            "export": _normal(export.content.decode()),
            # Events of a run: ids differ between runs (they are replaced), nothing else does.
            "audit": [
                (
                    action,
                    actor,
                    kind,
                    repr_,
                    {k: "id" if k == "collection" else v for k, v in changes.items()},
                )
                for action, actor, kind, repr_, changes in events
            ],
            "summary": summary,
        }
        transaction.set_rollback(True)
    return seen


def test_answers_cannot_be_traced_to_the_fellow_who_gave_them(client, ours):
    fellows = _three_fellows(ours)
    straight = _run(client, ours, fellows, (0, 1, 2))
    permuted = _run(client, ours, fellows, (1, 2, 0))
    assert straight["page"] == permuted["page"]
    assert straight["export"] == permuted["export"]
    assert straight["audit"] == permuted["audit"]
    assert straight["summary"] == permuted["summary"]
    # The runs did show content (the comparison is not of two empty pages).
    assert "Great mentoring" in straight["page"] and "3.33" in straight["page"]
    assert "Great mentoring" in straight["export"]
    completions = [e for e in straight["audit"] if e[0] == "confidential_evaluation.complete"]
    assert {actor for _, actor, *_ in completions} == {f.user_id for f in fellows}


def test_below_the_minimum_nothing_of_the_content_shows(client, ours):
    fellows = _three_fellows(ours)[:2]
    seen = _run(client, ours, fellows, (0, 1))
    for text in ("Great mentoring", "More protected time", "mean", "Level 5"):
        assert text not in seen["page"]
    rows = list(csv.reader(io.StringIO(seen["export"])))
    assert [row[0] for row in rows[1:]] == ["Evaluation", "About", "Completed", "Hidden"]
    assert "Great mentoring" not in seen["export"]
    [item] = seen["summary"]
    assert not item["shown"] and item["questions"] == [] and item["comments"] == []
    assert "2 so far" in item["hidden_reason"] and "2 so far" in seen["page"]


def test_open_window_shows_nothing_even_with_enough_answers(client, ours):
    fellows = _three_fellows(ours)
    seen = _run(client, ours, fellows, (0, 1, 2), close_it=False)
    assert "Great mentoring" not in seen["page"] and "Great mentoring" not in seen["export"]
    assert "window has closed" in seen["page"]
