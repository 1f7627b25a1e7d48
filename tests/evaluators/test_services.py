"""Asking, revoking and answering: expiry, single use, patients' anonymity, identifier
screening, atomicity, the per-link post limit."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.models import invitation_token_hash
from assessments.models import AssessmentTemplate
from curriculum.models import Membership
from evaluators import services
from evaluators.models import (
    REQUEST_TTL,
    EvaluatorRole,
    ExternalEvaluation,
    ExternalEvaluationRequest,
    ExternalRating,
)
from evaluators.patient_form import PATIENT_QUESTIONS
from evaluators.services import (
    external_evaluation_submit,
    external_post_allowed,
    external_request_create,
    external_request_revoke,
)
from tests.conftest import is_postgres, require_service
from tests.curriculum.factories import MembershipFactory

from .factories import RequestFactory, multi_source_template

ALL_YES = {q.key: 5 for q in PATIENT_QUESTIONS}


def fellow_of(people) -> Membership:
    return Membership.objects.get(program=people.program, user=people.fellow, role="fellow")


def ratings_for(request, value="3.0") -> dict:
    return {sub.pk: value for sub in request.template.subcompetencies.all()}


def create(people, *, actor=None, **fields):
    fields.setdefault("evaluator_role", EvaluatorRole.NURSE)
    fields.setdefault("evaluator_name", "Grace Lindqvist")
    fields.setdefault("evaluator_email", "Grace.Lindqvist@Hospital.test")
    if fields["evaluator_role"] != EvaluatorRole.PATIENT:
        fields.setdefault("template", multi_source_template(people.program))
    return external_request_create(actor=actor or people.fellow, fellow=fellow_of(people), **fields)


# --- Asking ---------------------------------------------------------------------------------------


def test_professional_request_emails_an_absolute_single_use_link_and_keeps_only_its_hash(
    ours, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request, link = create(ours)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert link == f"http://testserver/evaluate/{token}/"  # settings.SITE_URL, not a request
    assert request.token_hash == invitation_token_hash(token) != token
    assert not ExternalEvaluationRequest.objects.filter(token_hash=token).exists()
    assert request.evaluator_email == "grace.lindqvist@hospital.test"
    assert abs(request.expires_at - (timezone.now() + REQUEST_TTL)) < datetime.timedelta(minutes=1)
    [message] = mailoutbox
    assert message.to == ["grace.lindqvist@hospital.test"]
    assert link in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and f'href="{link}"' in html
    assert ours.fellow.display_name in message.subject
    request.refresh_from_db()
    assert request.sent_at is not None


def test_no_email_leaves_before_commit(ours, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create(ours)
    assert mailoutbox == [] and len(callbacks) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"evaluator_email": "not-an-address"}, "evaluator_email"),
        ({"evaluator_email": ""}, "evaluator_email"),
        ({"evaluator_name": "  "}, "evaluator_name"),
        ({"template": None}, "template"),
    ],
)
def test_professional_request_needs_a_valid_address_a_name_and_a_form(ours, fields, field):
    template = multi_source_template(ours.program)
    with pytest.raises(ValidationError) as error:
        create(ours, **{"template": template, **fields})
    assert field in error.value.message_dict
    assert not ExternalEvaluationRequest.objects.exists()


def test_form_must_be_a_multi_source_form_of_the_program_in_use(ours, theirs):
    template = multi_source_template(ours.program)
    AssessmentTemplate.objects.filter(pk=template.pk).update(kind="end_of_rotation")
    template.refresh_from_db()
    with pytest.raises(ValidationError, match="multi-source forms in use"):
        create(ours, template=template)
    with pytest.raises(ValidationError, match="multi-source forms in use"):
        create(ours, template=multi_source_template(theirs.program))


def test_only_the_fellow_themself_or_the_director_may_ask(ours, theirs):
    for actor in (ours.faculty, ours.coordinator, theirs.director, theirs.fellow):
        with pytest.raises(PermissionDenied):
            create(ours, actor=actor)
    other_fellow = MembershipFactory(program=ours.program, role="fellow").user
    with pytest.raises(PermissionDenied):
        create(ours, actor=other_fellow)
    request, _ = create(ours, actor=ours.director)
    assert request.requested_by == ours.director


def test_patient_request_stores_nothing_that_identifies_the_patient(
    ours, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request, link = create(
            ours,
            evaluator_role=EvaluatorRole.PATIENT,
            evaluator_name="John Smith",
            evaluator_email="john.smith@mail.test",
            template=multi_source_template(ours.program),
        )
    request.refresh_from_db()
    stored = str(model_to_dict(request)).lower()
    assert "smith" not in stored and "john" not in stored
    assert request.evaluator_name == request.evaluator_email == ""
    assert request.template is None
    # The link went out once to the address given, which was then forgotten.
    [message] = mailoutbox
    assert message.to == ["john.smith@mail.test"] and link in message.body
    assert "Dear" not in message.body  # not even the name in the greeting
    assert not ExternalEvaluationRequest.objects.filter(evaluator_email__icontains="smith").exists()


def test_patient_request_without_an_address_sends_nothing(ours, mailoutbox):
    request, link = create(ours, evaluator_role=EvaluatorRole.PATIENT, evaluator_email="")
    assert mailoutbox == [] and request.sent_at is None and "/evaluate/" in link


def test_the_database_refuses_a_name_or_address_on_a_patient_request(ours):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), patient=True)
    request.evaluator_name = "John Smith"
    with pytest.raises(ValidationError):
        request.full_clean()
    for field, value in (("evaluator_name", "John Smith"), ("evaluator_email", "j@mail.test")):
        with pytest.raises(IntegrityError), transaction.atomic():
            ExternalEvaluationRequest.objects.filter(pk=request.pk).update(**{field: value})


# --- Revoking -------------------------------------------------------------------------------------


def test_sender_or_director_revokes_and_the_link_stops_working(ours):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="t-revoke")
    for outsider in (ours.faculty, ours.coordinator, MembershipFactory(program=ours.program).user):
        with pytest.raises(PermissionDenied):
            external_request_revoke(actor=outsider, request=request)
    revoked = external_request_revoke(actor=ours.director, request=request)
    assert revoked.revoked_at is not None
    assert external_request_revoke(actor=ours.fellow, request=request).revoked_at == (
        revoked.revoked_at
    )
    with pytest.raises(ValidationError) as error:
        external_evaluation_submit(token="t-revoke", ratings=ratings_for(request))
    assert error.value.code == "revoked"
    assert not ExternalEvaluation.objects.exists()


def test_an_answered_request_cannot_be_revoked(ours):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="t-used")
    external_evaluation_submit(token="t-used", ratings=ratings_for(request))
    with pytest.raises(ValidationError, match="already been answered"):
        external_request_revoke(actor=ours.fellow, request=request)


# --- Answering ------------------------------------------------------------------------------------


def test_professional_answer_saves_ratings_and_uses_up_the_link(ours):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="t-1")
    subs = list(request.template.subcompetencies.order_by("code"))
    ratings = {subs[0].pk: "5.0", subs[1].pk: "na", subs[2].pk: "2.0"}
    evaluation = external_evaluation_submit(
        token="t-1", narrative="  Clear with the team. ", ratings=ratings
    )
    assert evaluation.narrative == "Clear with the team."
    assert evaluation.fellow == request.fellow and evaluation.evaluator_role == "nurse"
    assert evaluation.submitted_on == ours.program.today()
    saved = {r.subcompetency.code: (r.level, r.not_assessable) for r in evaluation.ratings.all()}
    assert saved == {
        subs[0].code: (Decimal("5.0"), False),
        subs[1].code: (None, True),
        subs[2].code: (Decimal("2.0"), False),
    }
    request.refresh_from_db()
    assert request.used_at is not None and request.status == "used"

    with pytest.raises(ValidationError) as error:
        external_evaluation_submit(token="t-1", ratings=ratings)
    assert error.value.code == "used"
    assert ExternalEvaluation.objects.count() == 1 and ExternalRating.objects.count() == 3


def test_an_expired_link_is_refused_and_saves_nothing(ours):
    request = RequestFactory(
        program=ours.program,
        fellow=fellow_of(ours),
        token="t-old",
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    with pytest.raises(ValidationError) as error:
        external_evaluation_submit(token="t-old", ratings=ratings_for(request))
    assert error.value.code == "expired"
    assert "expired on" in error.value.messages[0]
    assert not ExternalEvaluation.objects.exists()


def test_an_unknown_or_tampered_token_is_refused(ours):
    RequestFactory(program=ours.program, fellow=fellow_of(ours), token="t-real")
    for token in ("t-rea", "t-real-", "T-REAL", ""):
        with pytest.raises(ValidationError) as error:
            external_evaluation_submit(token=token, ratings={})
        assert error.value.code == "unknown"


def test_a_missing_or_off_scale_rating_saves_nothing(ours):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="t-bad")
    subs = list(request.template.subcompetencies.order_by("code"))
    ratings = {subs[0].pk: "3.0", subs[1].pk: "3.7"}
    with pytest.raises(ValidationError) as error:
        external_evaluation_submit(token="t-bad", ratings=ratings)
    assert subs[1].code in error.value.message_dict["ratings"][0]
    assert subs[2].code in error.value.message_dict["ratings"][0]
    request.refresh_from_db()
    assert request.used_at is None and not ExternalEvaluation.objects.exists()


def test_a_failure_while_saving_ratings_leaves_nothing_half_saved(ours, monkeypatch):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="t-atomic")

    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ExternalRating.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        external_evaluation_submit(token="t-atomic", ratings=ratings_for(request))
    request.refresh_from_db()
    assert request.used_at is None
    assert not ExternalEvaluation.objects.exists()


def test_patient_answers_map_to_levels_and_store_no_identifiers(ours):
    multi_source_template(ours.program)  # loads the milestone set the mapping points at
    RequestFactory(program=ours.program, fellow=fellow_of(ours), token="t-p", patient=True)
    answers = {**ALL_YES, "listened": 3, "involved": 4, "team": 0, "followed_up": 1}
    evaluation = external_evaluation_submit(
        token="t-p", narrative="Kind and clear.", answers=answers
    )
    levels = {r.subcompetency.code: r.level for r in evaluation.ratings.all()}
    # ICS1 from 5, 3, 4 -> 4.0, 3.0, 3.5 -> mean 3.5; PROF1 5 -> 4.0; PROF2 1 -> 1.0;
    # ICS2 "does not apply" -> not yet assessable.
    assert levels == {
        "ICS1": Decimal("3.5"),
        "ICS2": None,
        "PROF1": Decimal("4.0"),
        "PROF2": Decimal("1.0"),
    }
    assert evaluation.ratings.get(subcompetency__code="ICS2").not_assessable
    assert evaluation.patient_answers == answers
    assert evaluation.request.evaluator_name == evaluation.request.evaluator_email == ""


@pytest.mark.parametrize(
    "text",
    [
        "Call me on (312) 555-0142 any time",
        "I am Mrs. Kowalski from room 4",
        "My record number is MRN 4455123",
        "born 14 March 1962",
        "write to jan@mail.test",
    ],
)
def test_patient_comments_that_could_identify_them_are_refused_and_nothing_is_saved(ours, text):
    RequestFactory(program=ours.program, fellow=fellow_of(ours), token="t-phi", patient=True)
    with pytest.raises(ValidationError) as error:
        external_evaluation_submit(token="t-phi", narrative=text, answers=ALL_YES)
    assert "must never identify a patient" in error.value.message_dict["narrative"][0]
    assert "The comment" in error.value.message_dict["narrative"][0]
    assert not ExternalEvaluation.objects.exists()
    assert ExternalEvaluationRequest.objects.get().used_at is None


def test_professional_comments_are_screened_too(ours):
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="t-prof")
    with pytest.raises(ValidationError):
        external_evaluation_submit(
            token="t-prof", narrative="Saw Mr. Jones, MRN 123456", ratings=ratings_for(request)
        )
    assert not ExternalEvaluation.objects.exists()


def test_patient_must_answer_every_question(ours):
    RequestFactory(program=ours.program, fellow=fellow_of(ours), token="t-miss", patient=True)
    answers = {**ALL_YES, "respect": None, "team": 9}
    with pytest.raises(ValidationError, match="answer every question"):
        external_evaluation_submit(token="t-miss", answers=answers)
    assert not ExternalEvaluation.objects.exists()


def test_form_posts_are_limited_per_link(ours):
    assert all(external_post_allowed(token="abc") for _ in range(services.POST_LIMIT))
    assert not external_post_allowed(token="abc")
    assert external_post_allowed(token="another-link")


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_save_one_answer(ours):
    if not is_postgres():
        require_service("concurrent submits need PostgreSQL row locks")
    request = RequestFactory(program=ours.program, fellow=fellow_of(ours), token="t-race")
    ratings = ratings_for(request)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def submit():
        barrier.wait()
        try:
            external_evaluation_submit(token="t-race", ratings=ratings)
            outcomes.append("saved")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["saved", "used"]
    assert ExternalEvaluation.objects.count() == 1
