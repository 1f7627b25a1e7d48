"""Evaluators without an account answer on a plain scale in words, never on milestone level
numbers or half levels; each answer maps to one whole level, which is what is stored; a forged
answer is refused with a clear message and saves nothing; staff see the words and the level."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from curriculum.models import Membership
from evaluators.forms import RATING_CHOICES
from evaluators.models import EvaluatorRole, ExternalEvaluation, ExternalRating
from evaluators.services import (
    PLAIN_SCALE,
    PLAIN_SCALE_LEVELS,
    PLAIN_SCALE_NOT_SEEN,
    external_evaluation_submit,
)
from tests.conftest import assert_nothing_changed, page_ok

from .factories import EvaluationFactory, ExternalRatingFactory, RequestFactory

WORDS = [
    ("lot_of_help", "Needs a lot of help", Decimal("1.0")),
    ("some_help", "Needs some help", Decimal("2.0")),
    ("little_help", "Manages with a little help", Decimal("3.0")),
    ("alone", "Manages alone", Decimal("4.0")),
    ("could_teach", "Could teach others", Decimal("5.0")),
]
# A level number as a rater would see it: "3", "3.0", "3.5", "level 4", "Level 4.5".
LEVEL_NUMBER = re.compile(r"\blevels?\b|\b[1-5]\.[05]\b|>\s*[1-5]\s*<", re.IGNORECASE)


def fellow_of(people) -> Membership:
    return Membership.objects.get(program=people.program, user=people.fellow, role="fellow")


def evaluate_url(token: str) -> str:
    return reverse("evaluators:evaluate", kwargs={"token": token})


def main_of(body: str) -> str:
    """The page's main content: the form the evaluator reads (not the static file names)."""
    return body[body.index("<main") : body.index("</main>")]


def visible_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def post_all(request, answer: str) -> dict:
    data = {"narrative": "Good with the team."}
    data.update({f"rating_{sub.pk}": answer for sub in request.template.subcompetencies.all()})
    return data


def test_the_scale_is_the_documented_words_each_on_one_whole_level():
    assert list(PLAIN_SCALE) == WORDS
    assert all(level == int(level) for _, _, level in PLAIN_SCALE), "no half levels"
    assert [key for key, _ in RATING_CHOICES] == [*PLAIN_SCALE_LEVELS, "na"]


def test_the_public_form_shows_the_words_and_no_level_numbers(client, ours):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="tok-words")
    main = main_of(page_ok(client, evaluate_url("tok-words")).content.decode())
    text = visible_text(main)
    for _, words, _ in WORDS:
        assert text.count(words) >= request.template.subcompetencies.count()
    assert PLAIN_SCALE_NOT_SEEN in text
    assert not LEVEL_NUMBER.search(text), LEVEL_NUMBER.search(text)
    assert "ACGME" not in text and "milestone" not in text.lower()
    # Not even hidden in the radios' values.
    values = set(re.findall(r'type="radio" name="rating_\d+" value="([^"]*)"', main))
    assert values == {*PLAIN_SCALE_LEVELS, "na"}


@pytest.mark.parametrize(("key", "words", "level"), WORDS)
def test_each_answer_is_stored_as_its_level(client, ours, key, words, level):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token=f"tok-{key}")
    response = client.post(evaluate_url(f"tok-{key}"), post_all(request, key))
    assert response.status_code == 302
    levels = set(ExternalRating.objects.values_list("level", "not_assessable"))
    assert levels == {(level, False)}


def test_have_not_seen_this_is_not_yet_assessable(client, ours):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="tok-na")
    assert client.post(evaluate_url("tok-na"), post_all(request, "na")).status_code == 302
    assert set(ExternalRating.objects.values_list("level", "not_assessable")) == {(None, True)}


@pytest.mark.parametrize("forged", ["3.5", "4.0", "4", "level_5", "alone "])
def test_a_forged_answer_is_refused_clearly_and_saves_nothing(client, ours, forged):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="tok-forged")
    data = post_all(request, "alone")
    first = request.template.subcompetencies.order_by("code").first()
    data[f"rating_{first.pk}"] = forged
    with assert_nothing_changed("a forged answer"):
        response = client.post(evaluate_url("tok-forged"), data)
    assert response.status_code == 200
    assert "That answer is not on the scale" in response.content.decode()
    request.refresh_from_db()
    assert request.used_at is None


@pytest.mark.parametrize("level", ["3.5", "1.5", "0.0", "6.0"])
def test_the_service_refuses_half_and_off_scale_levels(ours, level):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="tok-svc")
    subs = list(request.template.subcompetencies.order_by("code"))
    ratings = {sub.pk: "4.0" for sub in subs} | {subs[1].pk: level}
    with pytest.raises(ValidationError) as error:
        external_evaluation_submit(token="tok-svc", ratings=ratings)
    message = error.value.message_dict["ratings"][0]
    assert "Choose one of the answers shown" in message and subs[1].code in message
    assert not ExternalEvaluation.objects.exists()


def test_staff_see_the_words_with_the_level_and_older_half_levels_as_they_were(client, ours):
    fellow = fellow_of(ours)
    request = RequestFactory(program=ours.program, fellow=fellow, token="tok-ev")
    subs = list(request.template.subcompetencies.order_by("code"))
    evaluation = EvaluationFactory(request=request)
    ExternalRatingFactory(evaluation=evaluation, subcompetency=subs[0], level="4.0")
    ExternalRatingFactory(evaluation=evaluation, subcompetency=subs[1], level="3.5")  # older
    patient = EvaluationFactory(
        request=RequestFactory(program=ours.program, fellow=fellow, patient=True)
    )
    assert patient.evaluator_role == EvaluatorRole.PATIENT
    ExternalRatingFactory(evaluation=patient, subcompetency=subs[0], level="3.0")
    client.force_login(ours.director)
    path = reverse(
        "evaluators:fellow_evidence",
        kwargs={"program_id": ours.program.pk, "membership_id": fellow.pk},
    )
    text = visible_text(page_ok(client, path).content.decode())
    assert "Manages alone (level 4.0)" in text
    assert "3.5" in text and "(level 3.5)" not in text
    # The patient answered other questions: their mapped level carries no professional words.
    assert "Manages with a little help" not in text
