"""The annual program evaluation's rules: the committee's composition, opening a year's review
(with last year's items carried), the record, signing and read-only after signing, outcomes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from program_evaluation import services
from program_evaluation.models import ActionItem, AnnualProgramEvaluation, GraduateOutcome
from tests.accounts.factories import PASSWORD
from tests.program_evaluation.factories import (
    ActionItemFactory,
    GraduateOutcomeFactory,
    member,
    pec,
    year,
)


def _open(people, academic_year):
    return services.evaluation_open(
        actor=people.director, program=people.program, academic_year=academic_year
    )


def _record(people, evaluation, **fields):
    values = {
        "held_on": datetime.date(2026, 6, 1),
        "members_present": [member(people, "director")],
        "strengths": "Strong procedural volume.",
        "weaknesses": "Feedback arrives late.",
        "notes": "",
    } | fields
    return services.evaluation_update(actor=people.director, evaluation=evaluation, **values)


# --- The committee -------------------------------------------------------------------------------


def test_the_committee_needs_two_faculty_and_a_fellow(ours):
    director, faculty, fellow = (member(ours, r) for r in ("director", "faculty", "fellow"))
    with pytest.raises(ValidationError) as error:
        services.committee_update(actor=ours.director, program=ours.program, members=[director])
    text = " ".join(error.value.message_dict["members"])
    assert "at least 2 program faculty members" in text
    assert "at least one fellow" in text
    with pytest.raises(ValidationError, match="one fellow"):
        services.committee_update(
            actor=ours.director, program=ours.program, members=[director, faculty]
        )
    committee = services.committee_update(
        actor=ours.director, program=ours.program, members=[director, faculty, fellow]
    )
    assert set(committee.members.all()) == {director, faculty, fellow}
    assert AuditEvent.objects.filter(action="pec_committee.update").count() == 1


def test_a_program_without_fellows_needs_no_fellow_member(ours):
    fellow = member(ours, "fellow")
    fellow.is_active = False
    fellow.save()
    director, faculty = member(ours, "director"), member(ours, "faculty")
    services.committee_update(
        actor=ours.director, program=ours.program, members=[director, faculty]
    )


def test_only_the_director_names_the_committee_and_only_own_members(ours, theirs):
    members = [member(ours, r) for r in ("director", "faculty", "fellow")]
    with pytest.raises(PermissionDenied):
        services.committee_update(actor=ours.coordinator, program=ours.program, members=members)
    with pytest.raises(ValidationError, match="active members of this program"):
        services.committee_update(
            actor=ours.director,
            program=ours.program,
            members=[*members, member(theirs, "faculty")],
        )


# --- Opening a review and carrying last year's items --------------------------------------------


def test_opening_a_year_twice_makes_one_review(ours):
    academic_year = year(ours)
    first, created = _open(ours, academic_year)
    again, created_again = _open(ours, academic_year)
    assert (created, created_again) == (True, False)
    assert first == again
    assert AnnualProgramEvaluation.objects.count() == 1


def test_next_year_opens_with_last_years_unfinished_items(ours):
    last, _ = _open(ours, year(ours, 2025))
    open_item = ActionItemFactory(evaluation=last, title="Add a cadaver lab")
    going = ActionItemFactory(
        evaluation=last, title="Move feedback earlier", status=ActionItem.Status.IN_PROGRESS
    )
    ActionItemFactory(evaluation=last, title="Hire a coordinator", status=ActionItem.Status.DONE)
    ActionItemFactory(evaluation=last, title="Drop the old form", status=ActionItem.Status.DROPPED)
    this, _ = _open(ours, year(ours, 2026))
    carried = {item.carried_from_id: item for item in this.action_items.all()}
    assert set(carried) == {open_item.pk, going.pk}
    assert carried[going.pk].status == ActionItem.Status.IN_PROGRESS
    assert carried[open_item.pk].title == "Add a cadaver lab"


def test_the_record_shows_last_years_full_list_with_where_each_stands(ours):
    from program_evaluation.selectors import evaluation_record

    last, _ = _open(ours, year(ours, 2025))
    ActionItemFactory(evaluation=last, title="Done one", status=ActionItem.Status.DONE)
    ActionItemFactory(evaluation=last, title="Open one")
    this, _ = _open(ours, year(ours, 2026))
    carried = this.action_items.get()
    services.action_item_update(
        actor=ours.director,
        item=carried,
        title=carried.title,
        description="",
        owner=None,
        owner_name="Program leadership",
        due_on=None,
        status=ActionItem.Status.DONE,
        status_note="Finished in March.",
    )
    record = evaluation_record(this)
    rows = {row["title"]: row for row in record["previous_items"]}
    assert record["previous_year"] == "2025-2026"
    assert rows["Done one"]["status_label"] == "Done" and "now_status_label" not in rows["Done one"]
    assert rows["Open one"]["status_label"] == "Open"
    assert rows["Open one"]["now_status_label"] == "Done"


def test_an_action_item_needs_an_owner_member_or_name(ours, theirs):
    evaluation, _ = _open(ours, year(ours))
    with pytest.raises(ValidationError, match="Name who owns"):
        services.action_item_create(actor=ours.director, evaluation=evaluation, title="X")
    with pytest.raises(ValidationError, match="active member of this program"):
        services.action_item_create(
            actor=ours.director,
            evaluation=evaluation,
            title="X",
            owner=member(theirs, "faculty"),
        )
    item = services.action_item_create(
        actor=ours.director,
        evaluation=evaluation,
        title="Weekly feedback",
        owner=member(ours, "faculty"),
        due_on=datetime.date(2027, 1, 31),
    )
    assert item.owner_label == ours.faculty.display_name


def test_only_committee_members_are_marked_present(ours):
    pec(ours)
    evaluation, _ = _open(ours, year(ours))
    with pytest.raises(ValidationError, match="Only members of the committee"):
        _record(ours, evaluation, members_present=[member(ours, "coordinator")])


def test_patient_identifiers_are_refused_and_nothing_is_saved(ours):
    pec(ours)
    evaluation, _ = _open(ours, year(ours))
    with pytest.raises(ValidationError):
        _record(ours, evaluation, strengths="Patient John Smith MRN 1234567 did well")
    evaluation.refresh_from_db()
    assert evaluation.strengths == ""
    assert evaluation.members_present.count() == 0


# --- Signing ------------------------------------------------------------------------------------


def _signed(people):
    pec(people)
    evaluation, _ = _open(people, year(people))
    ActionItemFactory(evaluation=evaluation, title="Earlier feedback")
    _record(people, evaluation)
    return services.evaluation_sign(actor=people.director, evaluation=evaluation, password=PASSWORD)


def test_signing_freezes_the_evidence_and_record_with_a_hash(ours):
    evaluation = _signed(ours)
    assert evaluation.is_signed and evaluation.signed_by == ours.director
    assert evaluation.snapshot["record"]["strengths"] == "Strong procedural volume."
    assert evaluation.snapshot["record"]["action_items"][0]["title"] == "Earlier feedback"
    assert {"milestones", "case_logs", "completion", "outcomes"} <= evaluation.snapshot[
        "evidence"
    ].keys()
    assert len(evaluation.content_hash) == 64
    assert services.evaluation_signature_problems() == []
    # The snapshot does not follow later data: a new outcome changes the live evidence only.
    GraduateOutcomeFactory(program=ours.program, graduation_year=2027)
    evaluation.refresh_from_db()
    assert evaluation.snapshot["evidence"]["outcomes"]["taken"] == 0


def test_signing_needs_the_password_and_the_meeting(ours):
    pec(ours)
    evaluation, _ = _open(ours, year(ours))
    with pytest.raises(ValidationError, match="Record when the committee met"):
        services.evaluation_sign(actor=ours.director, evaluation=evaluation, password=PASSWORD)
    _record(ours, evaluation)
    with pytest.raises(ValidationError) as error:
        services.evaluation_sign(actor=ours.director, evaluation=evaluation, password="wrong")
    assert "password" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.evaluation_sign(actor=ours.coordinator, evaluation=evaluation, password=PASSWORD)
    evaluation.refresh_from_db()
    assert not evaluation.is_signed


def test_a_signed_review_and_its_items_never_change(ours):
    evaluation = _signed(ours)
    with pytest.raises(ValidationError, match="signed"):
        _record(ours, evaluation, strengths="Changed")
    with pytest.raises(ValidationError, match="signed"):
        services.action_item_create(
            actor=ours.director, evaluation=evaluation, title="Late", owner_name="Someone"
        )
    item = evaluation.action_items.get()
    with pytest.raises(ValidationError, match="signed"):
        services.action_item_update(
            actor=ours.director,
            item=item,
            title="Changed",
            description="",
            owner=None,
            owner_name="Someone",
            due_on=None,
            status=ActionItem.Status.DONE,
            status_note="",
        )
    with pytest.raises(ValidationError, match="already signed"):
        services.evaluation_sign(actor=ours.director, evaluation=evaluation, password=PASSWORD)


def test_verify_signatures_finds_a_changed_snapshot(ours):
    evaluation = _signed(ours)
    call_command("verify_signatures")
    snapshot = evaluation.snapshot
    snapshot["record"]["strengths"] = "Rewritten after signing"
    AnnualProgramEvaluation.objects.filter(pk=evaluation.pk).update(snapshot=snapshot)
    assert any("content changed" in p for p in services.evaluation_signature_problems())
    with pytest.raises(CommandError):
        call_command("verify_signatures")


# --- Graduates' outcomes ------------------------------------------------------------------------


def _outcome(people, actor, **fields):
    values = {
        "graduate_name": "Avery Quinn",
        "graduation_year": 2026,
        "fellow": None,
        "board_exam": GraduateOutcome.BoardExam.PASSED,
        "board_exam_year": 2026,
        "first_position": GraduateOutcome.Position.ACADEMIC,
        "notes": "",
    } | fields
    return services.outcome_create(actor=actor, program=people.program, **values)


def test_the_coordinator_records_outcomes_faculty_do_not(ours):
    outcome = _outcome(ours, ours.coordinator)
    assert outcome.program == ours.program
    with pytest.raises(PermissionDenied):
        _outcome(ours, ours.faculty)
    services.outcome_delete(actor=ours.coordinator, outcome=outcome)
    assert not GraduateOutcome.objects.exists()
    assert AuditEvent.objects.filter(action="graduate_outcome.delete").count() == 1


def test_an_exam_year_only_for_a_taken_exam_and_a_fellow_of_the_program(ours, theirs):
    with pytest.raises(ValidationError, match="passed or failed"):
        _outcome(ours, ours.director, board_exam=GraduateOutcome.BoardExam.NOT_TAKEN)
    with pytest.raises(ValidationError, match="fellow of this program"):
        _outcome(ours, ours.director, fellow=member(theirs, "fellow"))
    assert not GraduateOutcome.objects.exists()
