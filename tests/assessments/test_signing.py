"""Signing: identity re-confirmation, one signature per assessment, amendments and verification."""

import io
import threading
import time
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from assessments.models import Assessment, Rating, Signature
from assessments.seals import (
    NOT_ASSESSABLE_SEALED,
    SIGNATURE_MEANING,
    assessment_content,
    confirm_identity,
    content_hash,
)
from assessments.services.signatures.amend import assessment_amend
from assessments.services.signatures.sign import assessment_acknowledge, assessment_sign
from assessments.services.signatures.verify import signature_verify_all
from curriculum.models import Membership
from curriculum.services import milestone_set_load_default
from tests.accounts.factories import PASSWORD
from tests.assessments.factories import AssessmentFactory, AssessmentTemplateFactory
from tests.conftest import is_postgres

Status = Assessment.Status
CODES = ["ICS1", "PC4"]


def _membership(people, role):
    return Membership.objects.get(program=people.program, user=people.user(role), role=role)


def _make_draft(people, *, narrative="Confident with fluoroscopy; work on consent.", rate=True):
    pain_set = milestone_set_load_default(actor=None, program=people.program)
    template = AssessmentTemplateFactory(program=people.program, milestone_set=pain_set)
    subs = list(pain_set.subcompetencies.filter(code__in=CODES))
    template.subcompetencies.set(subs)
    assessment = AssessmentFactory(
        program=people.program,
        template=template,
        fellow=_membership(people, "fellow"),
        assessor=_membership(people, "faculty"),
        narrative=narrative,
    )
    if rate:
        for sub in subs:
            if sub.code == "PC4":
                Rating.objects.create(assessment=assessment, subcompetency=sub, level="3.5")
            else:
                Rating.objects.create(assessment=assessment, subcompetency=sub, not_assessable=True)
    return assessment


@pytest.fixture
def draft(ours) -> Assessment:
    return _make_draft(ours)


@pytest.fixture
def signed(ours, draft) -> Assessment:
    assessment_sign(actor=ours.faculty, assessment=draft, password=PASSWORD)
    draft.refresh_from_db()
    return draft


def _current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


# Content and hash


def test_content_is_canonical_and_lists_every_rating(draft):
    content = assessment_content(draft)
    # The text hashed into existing signatures: changing it would break every one of them.
    assert NOT_ASSESSABLE_SEALED == "not yet assessable"
    assert content["ratings"] == [["ICS1", "not yet assessable"], ["PC4", "3.5"]]
    assert content["fellow"]["user"] == draft.fellow.user_id
    assert content["assessor"]["user"] == draft.assessor.user_id
    assert content["observed_on"] == "2026-10-01"
    assert content["amends"] is None
    # Fresh from the database (Decimal levels) it is the same content and the same hash.
    again = Assessment.objects.get(pk=draft.pk)
    assert assessment_content(again) == content
    assert len(content_hash(content)) == 64


def test_hash_ignores_key_order_but_not_values(draft):
    content = assessment_content(draft)
    reordered = dict(reversed(list(content.items())))
    assert content_hash(reordered) == content_hash(content)
    assert content_hash({**content, "narrative": content["narrative"] + "."}) != content_hash(
        content
    )


def test_rating_order_does_not_change_the_hash(ours):
    first = _make_draft(ours)
    before = content_hash(assessment_content(first))
    # Re-create the ratings in the opposite order: same content, same hash.
    ratings = list(
        first.ratings.order_by("-subcompetency__code").values_list(
            "subcompetency_id", "level", "not_assessable"
        )
    )
    Rating.objects.filter(assessment=first).delete()
    for sub_id, level, not_assessable in ratings:
        Rating.objects.create(
            assessment=first, subcompetency_id=sub_id, level=level, not_assessable=not_assessable
        )
    assert content_hash(assessment_content(Assessment.objects.get(pk=first.pk))) == before


# Identity


def test_password_confirms_identity(ours):
    assert confirm_identity(ours.faculty, password=PASSWORD) == Signature.Method.PASSWORD
    with pytest.raises(ValidationError) as excinfo:
        confirm_identity(ours.faculty, password="wrong")
    assert "password" in excinfo.value.message_dict
    with pytest.raises(ValidationError, match="Enter your password"):
        confirm_identity(ours.faculty)


def test_totp_user_must_use_the_authenticator_code(ours):
    secret = generate_totp_secret()
    TOTP.activate(ours.faculty, secret)
    with pytest.raises(ValidationError) as excinfo:
        confirm_identity(ours.faculty, password=PASSWORD)
    assert "authenticator" in excinfo.value.message_dict["totp_code"][0]
    with pytest.raises(ValidationError) as excinfo:
        wrong = f"{(int(_current_code(secret)) + 1) % 1_000_000:06d}"
        confirm_identity(ours.faculty, totp_code=wrong)
    assert "totp_code" in excinfo.value.message_dict
    code = _current_code(secret)
    assert confirm_identity(ours.faculty, totp_code=code) == Signature.Method.TOTP
    # The same code cannot be replayed.
    with pytest.raises(ValidationError):
        confirm_identity(ours.faculty, totp_code=code)


# Signing


def test_sign_with_password_stores_one_signature(ours, draft):
    signature = assessment_sign(actor=ours.faculty, assessment=draft, password=PASSWORD)
    draft.refresh_from_db()
    assert draft.status == Status.SIGNED
    assert draft.is_locked
    assert draft.signed_at == signature.signed_at
    assert Signature.objects.filter(assessment=draft).count() == 1
    assert signature.signer == ours.faculty
    assert signature.method == Signature.Method.PASSWORD
    assert signature.meaning == SIGNATURE_MEANING
    assert signature.content_hash == content_hash(assessment_content(draft))


def test_sign_clears_the_return_reason(ours, draft):
    Assessment.objects.filter(pk=draft.pk).update(status=Status.RETURNED, return_reason="Rate PC4")
    assessment_sign(actor=ours.faculty, assessment=draft, password=PASSWORD)
    draft.refresh_from_db()
    assert (draft.status, draft.return_reason) == (Status.SIGNED, "")


def test_wrong_password_saves_nothing(ours, draft):
    with pytest.raises(ValidationError) as excinfo:
        assessment_sign(actor=ours.faculty, assessment=draft, password="wrong")
    assert "password" in excinfo.value.message_dict
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.signed_at is None
    assert not Signature.objects.exists()


def test_totp_user_signs_with_the_code_not_the_password(ours, draft):
    secret = generate_totp_secret()
    TOTP.activate(ours.faculty, secret)
    with pytest.raises(ValidationError) as excinfo:
        assessment_sign(actor=ours.faculty, assessment=draft, password=PASSWORD)
    assert "totp_code" in excinfo.value.message_dict
    assert not Signature.objects.exists()
    signature = assessment_sign(
        actor=ours.faculty, assessment=draft, totp_code=_current_code(secret)
    )
    assert signature.method == Signature.Method.TOTP


def test_missing_ratings_and_narrative_are_named(ours):
    assessment = _make_draft(ours, narrative="   ", rate=False)
    pc4 = assessment.template.subcompetencies.get(code="PC4")
    Rating.objects.create(assessment=assessment, subcompetency=pc4, level=Decimal("4.0"))
    with pytest.raises(ValidationError) as excinfo:
        assessment_sign(actor=ours.faculty, assessment=assessment, password=PASSWORD)
    errors = excinfo.value.message_dict
    assert "ICS1" in errors["ratings"][0]
    assert "PC4" not in errors["ratings"][0]
    assert "narrative first" in errors["narrative"][0]
    assert not Signature.objects.exists()


@pytest.mark.parametrize("role", ["fellow", "director", "coordinator"])
def test_only_the_assessor_can_sign(ours, draft, role):
    with pytest.raises(PermissionDenied):
        assessment_sign(actor=ours.user(role), assessment=draft, password=PASSWORD)
    assert not Signature.objects.exists()


def test_inactive_assessor_cannot_sign(ours, draft):
    Membership.objects.filter(pk=draft.assessor_id).update(is_active=False)
    with pytest.raises(PermissionDenied):
        assessment_sign(actor=ours.faculty, assessment=draft, password=PASSWORD)


def test_signing_twice_is_refused(ours, draft):
    assessment_sign(actor=ours.faculty, assessment=draft, password=PASSWORD)
    # The view still holds the stale draft instance: the service re-reads under the lock.
    with pytest.raises(ValidationError, match="already signed"):
        assessment_sign(actor=ours.faculty, assessment=draft, password=PASSWORD)
    assert Signature.objects.filter(assessment=draft).count() == 1


# Acknowledging


def test_fellow_acknowledges_a_signed_assessment_once(ours, signed):
    result = assessment_acknowledge(actor=ours.fellow, assessment=signed)
    assert result.status == Status.ACKNOWLEDGED
    first = result.acknowledged_at
    assert first is not None
    again = assessment_acknowledge(actor=ours.fellow, assessment=signed)
    assert again.acknowledged_at == first


def test_acknowledge_rules(ours, theirs, draft):
    with pytest.raises(ValidationError, match="Only a signed"):
        assessment_acknowledge(actor=ours.fellow, assessment=draft)
    assessment_sign(actor=ours.faculty, assessment=draft, password=PASSWORD)
    for user in (ours.faculty, ours.director, theirs.fellow):
        with pytest.raises(PermissionDenied):
            assessment_acknowledge(actor=user, assessment=draft)
    draft.refresh_from_db()
    assert draft.status == Status.SIGNED


# Amending


def test_amendment_is_a_linked_draft_and_the_original_is_kept(ours, signed):
    signature = signed.signatures.get()
    before = assessment_content(signed)
    amendment = assessment_amend(actor=ours.faculty, assessment=signed)
    assert amendment.pk != signed.pk
    assert amendment.amends == signed
    assert amendment.status == Status.DRAFT
    assert amendment.narrative == signed.narrative
    assert sorted(assessment_content(amendment)["ratings"]) == sorted(before["ratings"])
    # Changing the amendment leaves the original, its status and its signature alone.
    Rating.objects.filter(assessment=amendment, subcompetency__code="PC4").update(level="4.0")
    signed.refresh_from_db()
    assert signed.status == Status.SIGNED
    assert assessment_content(signed) == before
    assert signed.signatures.get() == signature
    assert signature_verify_all() == []
    # A second click returns the same open amendment.
    assert assessment_amend(actor=ours.faculty, assessment=signed) == amendment
    # Once the amendment is signed, it is the one to amend.
    assessment_sign(actor=ours.faculty, assessment=amendment, password=PASSWORD)
    with pytest.raises(ValidationError, match="amend the latest version"):
        assessment_amend(actor=ours.faculty, assessment=signed)
    assert assessment_amend(actor=ours.faculty, assessment=amendment).amends == amendment


def test_amend_rules(ours, draft):
    with pytest.raises(ValidationError, match="Only a signed"):
        assessment_amend(actor=ours.faculty, assessment=draft)
    assessment_sign(actor=ours.faculty, assessment=draft, password=PASSWORD)
    for role in ("fellow", "director"):
        with pytest.raises(PermissionDenied):
            assessment_amend(actor=ours.user(role), assessment=draft)
    assert not Assessment.objects.filter(amends=draft).exists()


# Verification


def test_verification_passes_when_nothing_changed(ours, signed):
    assessment_acknowledge(actor=ours.fellow, assessment=signed)
    assert signature_verify_all() == []
    out = io.StringIO()
    call_command("verify_signatures", stdout=out)
    assert "Checked 1 signatures: all match." in out.getvalue()


def test_a_changed_rating_is_reported(ours, signed):
    Rating.objects.filter(assessment=signed, subcompetency__code="PC4").update(level="5.0")
    [problem] = signature_verify_all()
    assert problem.assessment.pk == signed.pk
    assert problem.signature == signed.signatures.get()
    assert problem.expected == problem.signature.content_hash
    assert problem.found != problem.expected


def test_a_changed_narrative_is_reported_by_the_command(ours, signed):
    Assessment.objects.filter(pk=signed.pk).update(narrative="Rewritten later.")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_signatures", stdout=out)
    line = out.getvalue()
    assert f"Assessment {signed.pk} (" in line
    assert ours.faculty.email in line
    assert "content changed since it was signed" in line


def test_signed_without_signature_and_unlocked_signature_are_reported(ours, signed):
    other = _make_draft(ours)
    Assessment.objects.filter(pk=other.pk).update(status=Status.SIGNED, signed_at=signed.signed_at)
    Assessment.objects.filter(pk=signed.pk).update(status=Status.DRAFT, signed_at=None)
    problems = {p.assessment.pk: p for p in signature_verify_all()}
    assert problems[other.pk].signature is None
    assert "no signature" in problems[other.pk].reason
    assert "now marked draft" in problems[signed.pk].reason


# Concurrency


@pytest.mark.django_db(transaction=True)
def test_double_click_leaves_exactly_one_signature(ours):
    if not is_postgres():
        pytest.skip("Row locks (SELECT ... FOR UPDATE) need PostgreSQL; CI runs this there.")
    assessment = _make_draft(ours)
    barrier = threading.Barrier(2)
    outcomes = []

    def click():
        try:
            actor = type(ours.faculty).objects.get(pk=ours.faculty.pk)
            stale = Assessment.objects.get(pk=assessment.pk)
            barrier.wait(timeout=10)
            assessment_sign(actor=actor, assessment=stale, password=PASSWORD)
            outcomes.append("signed")
        except ValidationError as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(map(str, outcomes)).count("signed") == 1
    [refused] = [o for o in outcomes if o != "signed"]
    assert "already signed" in str(refused)
    assert Signature.objects.filter(assessment=assessment).count() == 1


def test_signing_is_refused_after_repeated_wrong_passwords(db):
    from assessments.seals import SIGNING_ATTEMPTS_LIMIT, confirm_identity
    from tests.accounts.factories import PASSWORD, UserFactory

    user = UserFactory()
    for _ in range(SIGNING_ATTEMPTS_LIMIT):
        with pytest.raises(ValidationError, match="not correct"):
            confirm_identity(user, password="guess")
    with pytest.raises(ValidationError, match="Too many wrong attempts"):
        confirm_identity(user, password=PASSWORD)
