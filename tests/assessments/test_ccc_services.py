"""CCC review services: periods, assembling packets, consensus levels, finalising, the packet's
figures, verification of signed reviews, and one signature under concurrency."""

import datetime
import io
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from assessments.models import AssessmentTemplate, CCCReview, ConsensusLevel, Signature
from assessments.seals import CCC_SIGNATURE_MEANING, ccc_review_content, content_hash
from assessments.selectors.ccc import ccc_packet_build
from assessments.selectors.unscoped import latest_ccc_levels
from assessments.services.ccc import (
    ccc_levels_record,
    ccc_packets_assemble,
    ccc_review_finalise,
    review_period_update,
    review_periods_create,
)
from assessments.services.signatures.verify import signature_verify_all
from curriculum.models import Membership
from tests.accounts.factories import PASSWORD, UserFactory
from tests.assessments.test_ccc_factories import (
    all_levels,
    ccc_setup,
    finalise,
    signed_assessment,
    template,
)
from tests.conftest import is_postgres, require_service
from tests.curriculum.factories import MembershipFactory
from tests.trainees.factories import CohortFactory, EnrolmentFactory
from trainees.models import Enrolment

Role = Membership.Role
D = datetime.date


@pytest.fixture
def ccc(ours):
    return ccc_setup(ours)


# --- Periods -------------------------------------------------------------------------------------


def test_periods_get_default_dates_from_the_year_and_are_created_once(ours):
    ccc = ccc_setup(ours, assemble=False)
    assert (ccc.midyear.kind, ccc.midyear.starts_on, ccc.midyear.ends_on) == (
        "midyear",
        D(2026, 7, 1),
        D(2026, 12, 31),
    )
    assert (ccc.year_end.starts_on, ccc.year_end.ends_on) == (D(2027, 1, 1), D(2027, 6, 30))
    assert review_periods_create(actor=ours.coordinator, academic_year=ccc.year) == []


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_only_director_or_coordinator_create_periods(ours, role):
    ccc = ccc_setup(ours, assemble=False)
    with pytest.raises(PermissionDenied):
        review_periods_create(actor=ours.user(role), academic_year=ccc.year)


def test_period_dates_are_editable_within_the_year(ours):
    ccc = ccc_setup(ours, assemble=False)
    period = review_period_update(
        actor=ours.coordinator,
        period=ccc.midyear,
        starts_on=D(2026, 7, 15),
        ends_on=D(2026, 12, 15),
        meeting_date=D(2027, 1, 10),
    )
    period.refresh_from_db()
    assert (period.starts_on, period.ends_on, period.meeting_date) == (
        D(2026, 7, 15),
        D(2026, 12, 15),
        D(2027, 1, 10),
    )
    with pytest.raises(ValidationError, match="within the academic year"):
        review_period_update(
            actor=ours.director,
            period=ccc.midyear,
            starts_on=D(2026, 6, 1),
            ends_on=D(2026, 12, 15),
            meeting_date=None,
        )
    with pytest.raises(ValidationError, match="on or after"):
        review_period_update(
            actor=ours.director,
            period=ccc.midyear,
            starts_on=D(2026, 12, 1),
            ends_on=D(2026, 11, 1),
            meeting_date=None,
        )


def test_period_dates_are_frozen_once_a_review_is_finalised(ccc):
    finalise(ccc)
    with pytest.raises(ValidationError, match="already finalised"):
        review_period_update(
            actor=ccc.people.director,
            period=ccc.midyear,
            starts_on=D(2026, 8, 1),
            ends_on=D(2026, 12, 31),
            meeting_date=None,
        )
    # The meeting date alone may still change.
    review_period_update(
        actor=ccc.people.director,
        period=ccc.midyear,
        starts_on=ccc.midyear.starts_on,
        ends_on=ccc.midyear.ends_on,
        meeting_date=D(2027, 1, 12),
    )


# --- Assembling ----------------------------------------------------------------------------------


def test_assemble_creates_one_draft_per_actively_enrolled_fellow_and_is_idempotent(ours):
    ccc = ccc_setup(ours, assemble=False)
    program = ours.program
    second = EnrolmentFactory(cohort=ccc.cohort, membership__program=program)
    withdrawn = EnrolmentFactory(
        cohort=ccc.cohort, membership__program=program, status=Enrolment.Status.WITHDRAWN
    )
    inactive = EnrolmentFactory(cohort=ccc.cohort, membership__program=program)
    Membership.objects.filter(pk=inactive.membership_id).update(is_active=False)
    later_year = CohortFactory(program=program)  # 2027-2028 or later: another academic year
    EnrolmentFactory(
        cohort=later_year,
        membership__program=program,
        start_date=D(2027, 7, 1),
        end_date=D(2028, 6, 30),
    )
    created = ccc_packets_assemble(actor=ours.coordinator, period=ccc.midyear)
    fellows = {review.fellow_id for review in created}
    assert fellows == {ccc.fellow.pk, second.membership_id}
    assert withdrawn.membership_id not in fellows
    assert all(review.status == CCCReview.Status.DRAFT for review in created)
    assert ccc_packets_assemble(actor=ours.director, period=ccc.midyear) == []
    assert CCCReview.objects.filter(period=ccc.midyear).count() == 2


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_only_director_or_coordinator_assemble(ours, role):
    ccc = ccc_setup(ours, assemble=False)
    with pytest.raises(PermissionDenied):
        ccc_packets_assemble(actor=ours.user(role), period=ccc.midyear)
    assert not CCCReview.objects.exists()


# --- Consensus levels ----------------------------------------------------------------------------


def _levels(review):
    return {
        level.subcompetency.code: ("na" if level.not_assessable else f"{level.level:.1f}")
        for level in review.levels.select_related("subcompetency")
    }


def test_committee_member_records_half_levels_not_assessable_and_notes(ccc):
    pc1, pc4 = ccc.sub("PC1"), ccc.sub("PC4")
    ccc_levels_record(
        actor=ccc.people.faculty,
        review=ccc.review,
        levels={pc1.pk: "3.5", pc4.pk: "na"},
        committee_notes="  Needs more neuromodulation cases.  ",
    )
    assert _levels(ccc.review) == {"PC1": "3.5", "PC4": "na"}
    ccc.review.refresh_from_db()
    assert ccc.review.committee_notes == "Needs more neuromodulation cases."
    assert ConsensusLevel.objects.get(subcompetency=pc1).recorded_by == ccc.people.faculty
    # The director changes one and clears the other.
    ccc_levels_record(
        actor=ccc.people.director, review=ccc.review, levels={pc1.pk: "4.0", pc4.pk: ""}
    )
    assert _levels(ccc.review) == {"PC1": "4.0"}
    assert ConsensusLevel.objects.get(subcompetency=pc1).recorded_by == ccc.people.director


def test_a_bad_level_saves_nothing(ccc):
    levels = {ccc.sub("PC1").pk: "3.0", ccc.sub("PC2").pk: "3.7"}
    with pytest.raises(ValidationError, match=r"3\.7 is not a milestone level"):
        ccc_levels_record(
            actor=ccc.people.director, review=ccc.review, levels=levels, committee_notes="x"
        )
    assert not ConsensusLevel.objects.exists()
    ccc.review.refresh_from_db()
    assert ccc.review.committee_notes == ""


def test_a_subcompetency_of_another_set_is_refused(ccc, theirs):
    other = ccc_setup(theirs, assemble=False)
    with pytest.raises(ValidationError, match="outside this milestone set"):
        ccc_levels_record(
            actor=ccc.people.director, review=ccc.review, levels={other.sub("PC1").pk: "3.0"}
        )
    assert not ConsensusLevel.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "fellow"])
def test_coordinator_and_fellow_cannot_record_levels(ccc, role):
    with pytest.raises(PermissionDenied):
        ccc_levels_record(
            actor=ccc.people.user(role), review=ccc.review, levels={ccc.sub("PC1").pk: "3.0"}
        )


def test_faculty_of_another_program_cannot_record_levels(ccc, theirs):
    with pytest.raises(PermissionDenied):
        ccc_levels_record(
            actor=theirs.faculty, review=ccc.review, levels={ccc.sub("PC1").pk: "3.0"}
        )


def test_finalised_levels_cannot_change(ccc):
    finalise(ccc)
    with pytest.raises(ValidationError, match="already finalised"):
        ccc_levels_record(
            actor=ccc.people.director, review=ccc.review, levels={ccc.sub("PC1").pk: "5.0"}
        )
    assert _levels(ccc.review)["PC1"] == "3.0"


# --- Finalising ----------------------------------------------------------------------------------


def test_finalise_requires_every_subcompetency(ccc):
    levels = all_levels(ccc)
    del levels[ccc.sub("ICS3").pk], levels[ccc.sub("PC2").pk]
    ccc_levels_record(actor=ccc.people.director, review=ccc.review, levels=levels)
    with pytest.raises(ValidationError, match="missing: PC2, ICS3"):
        ccc_review_finalise(actor=ccc.people.director, review=ccc.review, password=PASSWORD)
    assert not Signature.objects.exists()


def test_finalise_needs_the_right_password(ccc):
    ccc_levels_record(actor=ccc.people.director, review=ccc.review, levels=all_levels(ccc))
    with pytest.raises(ValidationError, match="not correct"):
        ccc_review_finalise(actor=ccc.people.director, review=ccc.review, password="wrong")
    ccc.review.refresh_from_db()
    assert ccc.review.status == CCCReview.Status.DRAFT
    assert not Signature.objects.exists()


@pytest.mark.parametrize("role", ["faculty", "coordinator"])
def test_only_the_director_finalises(ccc, role):
    ccc_levels_record(actor=ccc.people.director, review=ccc.review, levels=all_levels(ccc))
    with pytest.raises(PermissionDenied):
        ccc_review_finalise(actor=ccc.people.user(role), review=ccc.review, password=PASSWORD)


def test_finalise_signs_the_review_and_snapshots_the_packet(ccc):
    tpl = template(ccc)
    signed_assessment(ccc, tpl, D(2026, 9, 1), {"PC1": "3.0", "PC4": "2.5"})
    signature = finalise(ccc, PC4="3.5", ICS1="na")
    review = CCCReview.objects.get(pk=ccc.review.pk)
    assert review.status == CCCReview.Status.FINALISED and review.finalised_at
    assert signature.ccc_review_id == review.pk
    assert signature.signer == ccc.people.director
    assert signature.meaning == CCC_SIGNATURE_MEANING
    assert signature.method == Signature.Method.PASSWORD
    content = ccc_review_content(review)
    assert signature.content_hash == content_hash(content)
    assert ["PC4", "3.5"] in content["levels"] and ["ICS1", "not yet assessable"] in content[
        "levels"
    ]
    assert content["committee_notes"] == "Strong mid-year progress."
    pc1 = next(row for row in review.packet_snapshot["subcompetencies"] if row["code"] == "PC1")
    assert (pc1["count"], pc1["mean"]) == (1, "3.00")
    # The snapshot holds the figures the committee saw: a later rating does not change them.
    signed_assessment(ccc, tpl, D(2026, 10, 1), {"PC1": "5.0", "PC4": "5.0"})
    review.refresh_from_db()
    pc1 = next(row for row in review.packet_snapshot["subcompetencies"] if row["code"] == "PC1")
    assert pc1["mean"] == "3.00"
    with pytest.raises(ValidationError, match="already finalised"):
        ccc_review_finalise(actor=ccc.people.director, review=ccc.review, password=PASSWORD)
    assert Signature.objects.filter(ccc_review=review).count() == 1


def test_latest_levels_come_from_finalised_reviews_only(ccc):
    ccc_levels_record(actor=ccc.people.director, review=ccc.review, levels=all_levels(ccc, "2.0"))
    assert latest_ccc_levels(fellow_ids=[ccc.fellow.pk]) == {}
    finalise(ccc, PC4="3.5")
    levels = latest_ccc_levels(fellow_ids=[ccc.fellow.pk])[ccc.fellow.pk]
    assert levels[ccc.sub("PC4").pk].level == 3.5


# --- The packet's figures ------------------------------------------------------------------------


def test_packet_counts_only_counted_assessments_observed_in_the_period(ccc):
    tpl = template(ccc)
    signed_assessment(ccc, tpl, D(2026, 8, 1), {"PC1": "2.0", "PC4": None})
    original = signed_assessment(ccc, tpl, D(2026, 9, 1), {"PC1": "1.0", "PC4": "1.0"})
    signed_assessment(
        ccc,
        tpl,
        D(2026, 9, 1),
        {"PC1": "3.0", "PC4": "3.5"},
        amends=original,
        narrative="Corrected narrative.",
    )
    signed_assessment(ccc, tpl, D(2026, 10, 1), {"PC1": "5.0"}, status="draft")
    signed_assessment(ccc, tpl, D(2027, 2, 1), {"PC1": "5.0"})  # year-end period
    self_tpl = template(ccc, AssessmentTemplate.Kind.SELF, codes=("PC1",))
    signed_assessment(
        ccc, self_tpl, D(2026, 11, 1), {"PC1": "4.0"}, narrative="I feel ready for more."
    )
    packet = ccc_packet_build(user=ccc.people.director, review=ccc.review, subcompetencies=ccc.subs)
    rows = {row["code"]: row for row in packet["subcompetencies"]}
    assert [row["code"] for row in packet["subcompetencies"]] == [s.code for s in ccc.subs]
    assert (rows["PC1"]["levels"], rows["PC1"]["mean"], rows["PC1"]["count"]) == (
        ["2.0", "3.0"],
        "2.50",
        2,
    )
    assert (rows["PC4"]["count"], rows["PC4"]["not_assessable"], rows["PC4"]["mean"]) == (
        1,
        1,
        "3.50",
    )
    assert rows["MK1"]["count"] == 0 and rows["MK1"]["mean"] is None
    assert packet["assessment_count"] == 2
    assert [n["narrative"] for n in packet["narratives"]] == [
        "Corrected narrative.",
        "Careful and safe; work on consent.",
    ]
    [self_assessment] = packet["self_assessments"]
    assert self_assessment["narrative"] == "I feel ready for more."
    assert self_assessment["ratings"] == [["PC1", "4.0"]]


# --- Verification --------------------------------------------------------------------------------


def test_verify_signatures_catches_a_changed_consensus_level(ccc):
    finalise(ccc)
    out = io.StringIO()
    call_command("verify_signatures", stdout=out)
    assert "all match" in out.getvalue()
    ConsensusLevel.objects.filter(review=ccc.review, subcompetency=ccc.sub("PC4")).update(
        level="4.5"
    )
    [problem] = signature_verify_all(kind="ccc_review")
    assert problem.reason == "content changed since it was signed"
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_signatures", stdout=out)
    assert f"CCC review {ccc.review.pk} (" in out.getvalue()
    assert ccc.people.director.email in out.getvalue()


def test_verify_catches_changed_notes_snapshot_and_status(ccc):
    finalise(ccc)
    CCCReview.objects.filter(pk=ccc.review.pk).update(committee_notes="Edited behind the app.")
    assert len(signature_verify_all(kind="ccc_review")) == 1
    CCCReview.objects.filter(pk=ccc.review.pk).update(
        committee_notes="Strong mid-year progress.", packet_snapshot={"version": 1}
    )
    assert len(signature_verify_all(kind="ccc_review")) == 1
    review = CCCReview.objects.get(pk=ccc.review.pk)
    snapshot = review.packet_snapshot
    Signature.objects.filter(ccc_review=review).delete()
    CCCReview.objects.filter(pk=review.pk).update(packet_snapshot=snapshot)
    [problem] = signature_verify_all(kind="ccc_review")
    assert problem.reason == "finalised but has no signature"


# --- Concurrency ---------------------------------------------------------------------------------


def _race(ccc, signers):
    barrier = threading.Barrier(len(signers))
    outcomes = []

    def click(user_pk):
        try:
            actor = type(ccc.people.director).objects.get(pk=user_pk)
            stale = CCCReview.objects.get(pk=ccc.review.pk)
            barrier.wait(timeout=10)
            ccc_review_finalise(actor=actor, review=stale, password=PASSWORD)
            outcomes.append("signed")
        except ValidationError as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(user.pk,)) for user in signers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_directors_finalising_at_once_leave_exactly_one_signature(ours):
    if not is_postgres():
        require_service("Row locks (SELECT ... FOR UPDATE) need PostgreSQL")
    second_director = UserFactory()
    MembershipFactory(program=ours.program, user=second_director, role=Role.DIRECTOR)
    ccc = ccc_setup(ours)
    ccc_levels_record(actor=ours.director, review=ccc.review, levels=all_levels(ccc))
    outcomes = _race(ccc, [ours.director, second_director])
    assert [o for o in outcomes if o == "signed"] == ["signed"]
    [refused] = [o for o in outcomes if o != "signed"]
    assert "already finalised" in str(refused)
    assert Signature.objects.filter(ccc_review=ccc.review).count() == 1
    assert CCCReview.objects.get(pk=ccc.review.pk).status == CCCReview.Status.FINALISED


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_finalise_leaves_exactly_one_signature(ours):
    if not is_postgres():
        require_service("Row locks (SELECT ... FOR UPDATE) need PostgreSQL")
    ccc = ccc_setup(ours)
    ccc_levels_record(actor=ours.director, review=ccc.review, levels=all_levels(ccc))
    outcomes = _race(ccc, [ours.director, ours.director])
    assert sorted(map(str, outcomes)).count("signed") == 1
    assert "already finalised" in str(next(o for o in outcomes if o != "signed"))
    assert Signature.objects.filter(ccc_review=ccc.review).count() == 1


def test_the_database_refuses_a_second_signature_for_a_review(ccc):
    from django.db import IntegrityError, transaction

    signature = finalise(ccc)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(
            ccc_review=ccc.review,
            signer=ccc.people.director,
            signed_at=signature.signed_at,
            meaning="again",
            method=Signature.Method.PASSWORD,
            content_hash=signature.content_hash,
        )
