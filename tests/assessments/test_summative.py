"""The final summative evaluation: the director writes and signs it, the fellow reads it only
once signed, and verify_signatures catches a changed narrative."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from assessments.models import Signature, SummativeEvaluation
from assessments.seals import SUMMATIVE_SIGNATURE_MEANING, content_hash, summative_content
from assessments.services.signatures.verify import signature_verify_all
from assessments.services.summative import summative_save_draft, summative_sign
from curriculum.models import Membership
from tests.accounts.factories import PASSWORD
from tests.assessments.test_ccc_factories import member
from tests.role_pages import assert_role_page_access
from tests.trainees.factories import FellowMembershipFactory

Role = Membership.Role
NARRATIVE = "Dr. Howe has demonstrated the knowledge and skill to practise independently."
# These tests have no CCC review: they sign with the director's override (tested on its own in
# test_summative_requirements.py, with and without a finalised year-end review).
EARLY = "Leaving early for a family emergency; the committee has agreed."


@pytest.fixture
def fellow(ours):
    return member(ours, Role.FELLOW)


def path(people, fellow) -> str:
    return f"/programs/{people.program.pk}/fellows/{fellow.pk}/summative/"


def _signed(ours, fellow):
    evaluation = summative_save_draft(
        actor=ours.director, fellow=fellow, narrative=NARRATIVE, practices_independently=True
    )
    signature = summative_sign(
        actor=ours.director, evaluation=evaluation, password=PASSWORD, override_reason=EARLY
    )
    evaluation.refresh_from_db()
    return evaluation, signature


# --- Services ------------------------------------------------------------------------------------


def test_director_drafts_then_signs(ours, fellow):
    evaluation = summative_save_draft(
        actor=ours.director, fellow=fellow, narrative=" First draft. ", practices_independently=None
    )
    again = summative_save_draft(
        actor=ours.director, fellow=fellow, narrative=NARRATIVE, practices_independently=True
    )
    assert again.pk == evaluation.pk and SummativeEvaluation.objects.count() == 1
    signature = summative_sign(
        actor=ours.director, evaluation=again, password=PASSWORD, override_reason=EARLY
    )
    again.refresh_from_db()
    assert again.is_signed and again.signed_at
    assert signature.meaning == SUMMATIVE_SIGNATURE_MEANING
    assert signature.content_hash == content_hash(summative_content(again))
    with pytest.raises(ValidationError, match="already signed"):
        summative_sign(actor=ours.director, evaluation=again, password=PASSWORD)
    with pytest.raises(ValidationError, match="can no longer be edited"):
        summative_save_draft(
            actor=ours.director, fellow=fellow, narrative="x", practices_independently=False
        )
    assert Signature.objects.filter(summative_evaluation=again).count() == 1


def test_signing_needs_narrative_decision_and_password(ours, fellow):
    evaluation = summative_save_draft(
        actor=ours.director, fellow=fellow, narrative="", practices_independently=None
    )
    with pytest.raises(ValidationError) as error:
        summative_sign(actor=ours.director, evaluation=evaluation, password=PASSWORD)
    assert set(error.value.message_dict) == {
        "narrative",
        "practices_independently",
        "override_reason",
    }
    summative_save_draft(
        actor=ours.director, fellow=fellow, narrative=NARRATIVE, practices_independently=False
    )
    with pytest.raises(ValidationError, match="not correct"):
        summative_sign(
            actor=ours.director, evaluation=evaluation, password="wrong", override_reason=EARLY
        )
    assert not Signature.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "faculty", "fellow"])
def test_only_the_director_writes_it(ours, fellow, role):
    with pytest.raises(PermissionDenied):
        summative_save_draft(
            actor=ours.user(role), fellow=fellow, narrative="x", practices_independently=True
        )


def test_director_of_another_program_cannot_write_it(ours, theirs, fellow):
    with pytest.raises(PermissionDenied):
        summative_save_draft(
            actor=theirs.director, fellow=fellow, narrative="x", practices_independently=True
        )


def test_verify_signatures_catches_a_changed_narrative(ours, fellow):
    evaluation, _ = _signed(ours, fellow)
    assert signature_verify_all(kind="summative_evaluation") == []
    SummativeEvaluation.objects.filter(pk=evaluation.pk).update(narrative="Quietly changed.")
    [problem] = signature_verify_all(kind="summative_evaluation")
    assert problem.reason == "content changed since it was signed"
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_signatures", stdout=out)
    assert f"Summative evaluation {evaluation.pk}" in out.getvalue()


def test_verify_catches_an_unsigned_status_change(ours, fellow):
    evaluation, _ = _signed(ours, fellow)
    SummativeEvaluation.objects.filter(pk=evaluation.pk).update(status="draft", signed_at=None)
    [problem] = signature_verify_all(kind="summative_evaluation")
    assert problem.reason == "signed but now marked draft"


# --- Views ---------------------------------------------------------------------------------------


def test_access_matrix_before_signing(client, ours, theirs, fellow):
    """The fellow's own page answers (saying it is not shared yet) and shows no draft."""
    summative_save_draft(
        actor=ours.director, fellow=fellow, narrative="Secret draft.", practices_independently=None
    )
    assert_role_page_access(
        client, ours, theirs, path(ours, fellow), {"director", "coordinator", "fellow"}
    )
    client.force_login(ours.fellow)
    page = client.get(path(ours, fellow)).content.decode()
    assert "Not shared yet" in page and "Secret draft." not in page


def test_fellow_reads_it_once_signed_and_no_other_fellow_ever(client, ours, fellow):
    _signed(ours, fellow)
    client.force_login(ours.fellow)
    page = client.get(path(ours, fellow)).content.decode()
    assert NARRATIVE in page and "Signed by" in page and "data-print-page" in page
    other = FellowMembershipFactory(program=ours.program)
    client.force_login(other.user)
    assert client.get(path(ours, fellow)).status_code == 404
    assert client.get(path(ours, other)).status_code == 200  # their own, not shared yet


def test_director_saves_and_signs_from_the_page(client, ours, fellow):
    client.force_login(ours.director)
    data = {
        "narrative": NARRATIVE,
        "practices_independently": "yes",
        "password": "wrong",
        "override_reason": EARLY,
    }
    response = client.post(path(ours, fellow), {**data, "action": "save"})
    assert response.status_code == 302
    assert SummativeEvaluation.objects.get().narrative == NARRATIVE
    response = client.post(path(ours, fellow), {**data, "action": "sign"})
    assert response.status_code == 200 and "That password is not correct." in (
        response.content.decode()
    )
    assert not SummativeEvaluation.objects.get().is_signed
    response = client.post(path(ours, fellow), {**data, "password": PASSWORD, "action": "sign"})
    assert response.status_code == 302
    evaluation = SummativeEvaluation.objects.get()
    assert evaluation.is_signed and evaluation.practices_independently is True
    # Read-only afterwards: a further POST is refused and changes nothing.
    response = client.post(path(ours, fellow), {**data, "narrative": "x", "action": "save"})
    assert response.status_code == 404
    evaluation.refresh_from_db()
    assert evaluation.narrative == NARRATIVE


def test_coordinator_reads_but_cannot_post(client, ours, fellow):
    summative_save_draft(
        actor=ours.director, fellow=fellow, narrative="Draft.", practices_independently=None
    )
    client.force_login(ours.coordinator)
    page = client.get(path(ours, fellow)).content.decode()
    assert "Draft (not shared with the fellow)" in page and "<form" not in page.split("</nav>")[-1]
    response = client.post(path(ours, fellow), {"narrative": "x", "action": "save"})
    assert response.status_code == 404


def test_a_non_fellow_membership_is_404(client, ours):
    client.force_login(ours.director)
    assert client.get(path(ours, member(ours, Role.FACULTY))).status_code == 404
