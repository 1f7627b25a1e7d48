"""Every rule of the workflow services: forms, requests, drafts, returning, rotation evaluations."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.models import Assessment, AssessmentTemplate, Rating
from assessments.services.signatures.sign import assessment_sign
from assessments.services.workflow import (
    assessment_request,
    assessment_return,
    assessment_save_draft,
    rotation_evaluations_create,
    template_create,
    template_update,
)
from assessments.tasks import create_rotation_evaluations
from curriculum.models import Membership
from curriculum.services import milestone_set_load_default
from tests.accounts.factories import PASSWORD
from tests.assessments.factories import AssessmentTemplateFactory
from tests.curriculum.factories import MembershipFactory
from tests.procedures.factories import ProcedureLogEntryFactory
from tests.trainees.factories import ScheduleBlockFactory

Role = Membership.Role
Kind = AssessmentTemplate.Kind
Status = Assessment.Status


def member(people, role):
    return Membership.objects.get(user=people.user(role), program=people.program, role=role)


@pytest.fixture
def subs(ours):
    milestone_set = milestone_set_load_default(actor=None, program=ours.program)
    return list(milestone_set.subcompetencies.order_by("code")[:3])


@pytest.fixture
def template(ours, subs):
    return template_create(
        actor=ours.director,
        program=ours.program,
        name="Direct observation",
        kind=Kind.DIRECT_OBSERVATION,
        milestone_set=subs[0].milestone_set,
        subcompetencies=subs,
    )


@pytest.fixture
def request_(ours, template):
    return assessment_request(
        actor=ours.fellow,
        template=template,
        assessor=member(ours, Role.FACULTY),
        observed_on=ours.program.today(),
    )


# --- templates ---


def test_director_builds_a_form(template, subs):
    assert set(template.subcompetencies.all()) == set(subs)
    assert template.is_active


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FACULTY, Role.FELLOW])
def test_only_the_director_builds_forms(ours, subs, role):
    with pytest.raises(PermissionDenied):
        template_create(
            actor=ours.user(role),
            program=ours.program,
            name="X",
            kind=Kind.SELF,
            milestone_set=subs[0].milestone_set,
            subcompetencies=subs,
        )


def test_a_form_needs_a_subcompetency(ours, subs):
    with pytest.raises(ValidationError) as exc:
        template_create(
            actor=ours.director,
            program=ours.program,
            name="X",
            kind=Kind.SELF,
            milestone_set=subs[0].milestone_set,
            subcompetencies=[],
        )
    assert "subcompetencies" in exc.value.message_dict


def test_subcompetencies_come_from_the_programs_set(ours, theirs, subs):
    their_set = milestone_set_load_default(actor=None, program=theirs.program)
    with pytest.raises(ValidationError) as exc:
        template_create(
            actor=ours.director,
            program=ours.program,
            name="X",
            kind=Kind.SELF,
            milestone_set=their_set,
            subcompetencies=list(their_set.subcompetencies.all()[:1]),
        )
    assert "milestone_set" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        template_create(
            actor=ours.director,
            program=ours.program,
            name="X",
            kind=Kind.SELF,
            milestone_set=subs[0].milestone_set,
            subcompetencies=list(their_set.subcompetencies.all()[:1]),
        )
    assert "subcompetencies" in exc.value.message_dict


def test_form_names_are_unique_in_a_program(ours, template, subs):
    with pytest.raises(ValidationError):
        template_create(
            actor=ours.director,
            program=ours.program,
            name="Direct observation",
            kind=Kind.SELF,
            milestone_set=subs[0].milestone_set,
            subcompetencies=subs,
        )


def test_director_edits_and_deactivates_a_form(ours, template, subs):
    updated = template_update(
        actor=ours.director,
        template=template,
        name="Renamed",
        kind=Kind.MULTI_SOURCE,
        milestone_set=subs[0].milestone_set,
        subcompetencies=subs[:1],
        is_active=False,
    )
    assert (updated.name, updated.kind, updated.is_active) == ("Renamed", Kind.MULTI_SOURCE, False)
    assert list(updated.subcompetencies.all()) == subs[:1]
    with pytest.raises(PermissionDenied):
        template_update(
            actor=ours.coordinator,
            template=template,
            name="Y",
            kind=Kind.SELF,
            milestone_set=subs[0].milestone_set,
            subcompetencies=subs,
        )


# --- requests ---


def test_fellow_requests_an_assessment(ours, request_):
    assert request_.status == Status.DRAFT
    assert request_.fellow == member(ours, Role.FELLOW)
    assert request_.assessor == member(ours, Role.FACULTY)
    assert request_.requested_by == ours.fellow
    assert request_.due_date == ours.program.today() + datetime.timedelta(
        days=ours.program.evaluation_due_days
    )


def test_a_second_identical_request_returns_the_first(ours, template, request_):
    again = assessment_request(
        actor=ours.fellow,
        template=template,
        assessor=member(ours, Role.FACULTY),
        observed_on=request_.observed_on,
    )
    assert again.pk == request_.pk
    assert Assessment.objects.count() == 1


def test_the_director_may_be_asked(ours, template):
    assessment = assessment_request(
        actor=ours.fellow,
        template=template,
        assessor=member(ours, Role.DIRECTOR),
        observed_on=ours.program.today(),
    )
    assert assessment.assessor.role == Role.DIRECTOR


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.COORDINATOR, Role.FACULTY])
def test_only_fellows_request(ours, template, role):
    with pytest.raises(PermissionDenied):
        assessment_request(
            actor=ours.user(role),
            template=template,
            assessor=member(ours, Role.FACULTY),
            observed_on=ours.program.today(),
        )


def test_a_fellow_of_another_program_cannot_request(ours, theirs, template):
    with pytest.raises(PermissionDenied):
        assessment_request(
            actor=theirs.fellow,
            template=template,
            assessor=member(ours, Role.FACULTY),
            observed_on=ours.program.today(),
        )


def _assessor_error(ours, template, assessor):
    with pytest.raises(ValidationError) as exc:
        assessment_request(
            actor=ours.fellow,
            template=template,
            assessor=assessor,
            observed_on=ours.program.today(),
        )
    return exc.value.message_dict


def test_assessor_must_be_active_faculty_or_director_of_the_program(ours, theirs, template):
    assert "assessor" in _assessor_error(ours, template, member(ours, Role.COORDINATOR))
    assert "assessor" in _assessor_error(ours, template, member(theirs, Role.FACULTY))
    other_fellow = MembershipFactory(program=ours.program, role=Role.FELLOW)
    assert "assessor" in _assessor_error(ours, template, other_fellow)
    inactive = MembershipFactory(program=ours.program, role=Role.FACULTY, is_active=False)
    assert "assessor" in _assessor_error(ours, template, inactive)
    assert "assessor" in _assessor_error(ours, template, None)


def test_a_fellow_who_is_also_faculty_cannot_assess_themself(ours, template):
    own = MembershipFactory(program=ours.program, role=Role.FACULTY, user=ours.fellow)
    assert "assessor" in _assessor_error(ours, template, own)


def test_observed_day_not_in_the_future(ours, template):
    with pytest.raises(ValidationError) as exc:
        assessment_request(
            actor=ours.fellow,
            template=template,
            assessor=member(ours, Role.FACULTY),
            observed_on=ours.program.today() + datetime.timedelta(days=1),
        )
    assert "observed_on" in exc.value.message_dict


def test_inactive_or_foreign_form_refused(ours, theirs, template):
    template.is_active = False
    template.save()
    with pytest.raises(ValidationError):
        assessment_request(
            actor=ours.fellow,
            template=template,
            assessor=member(ours, Role.FACULTY),
            observed_on=ours.program.today(),
        )
    foreign = AssessmentTemplateFactory(program=theirs.program)
    with pytest.raises(PermissionDenied):
        assessment_request(
            actor=ours.fellow,
            template=foreign,
            assessor=member(ours, Role.FACULTY),
            observed_on=ours.program.today(),
        )


def test_procedure_entry_must_be_the_fellows_own(ours, template):
    fellow = member(ours, Role.FELLOW)
    own = ProcedureLogEntryFactory(program=ours.program, fellow=fellow)
    assessment = assessment_request(
        actor=ours.fellow,
        template=template,
        assessor=member(ours, Role.FACULTY),
        observed_on=ours.program.today(),
        procedure_entry=own,
    )
    assert assessment.procedure_entry == own
    someone_elses = ProcedureLogEntryFactory(program=ours.program)
    with pytest.raises(ValidationError) as exc:
        assessment_request(
            actor=ours.fellow,
            template=template,
            assessor=member(ours, Role.DIRECTOR),
            observed_on=ours.program.today(),
            procedure_entry=someone_elses,
        )
    assert "procedure_entry" in exc.value.message_dict


def test_self_assessment_is_assessed_by_the_fellow(ours, subs):
    form = template_create(
        actor=ours.director,
        program=ours.program,
        name="Self",
        kind=Kind.SELF,
        milestone_set=subs[0].milestone_set,
        subcompetencies=subs,
    )
    assessment = assessment_request(
        actor=ours.fellow,
        template=form,
        assessor=member(ours, Role.FACULTY),
        observed_on=ours.program.today(),
    )
    assert assessment.assessor == member(ours, Role.FELLOW)


# --- drafts ---


def test_assessor_saves_a_draft(ours, request_, subs):
    a, b, c = (s.pk for s in subs)
    assessment_save_draft(
        actor=ours.faculty,
        assessment=request_,
        narrative="  Good needle control.  ",
        ratings={a: "3.5", b: "na", c: ""},
    )
    request_.refresh_from_db()
    assert request_.narrative == "Good needle control."
    ratings = {r.subcompetency_id: r for r in request_.ratings.all()}
    assert ratings[a].level == Decimal("3.5")
    assert ratings[b].not_assessable and ratings[b].level is None
    assert c not in ratings
    # Changing a rating updates it; "" removes it.
    assessment_save_draft(
        actor=ours.faculty, assessment=request_, narrative="x", ratings={a: "4.0", b: ""}
    )
    assert list(request_.ratings.values_list("subcompetency_id", "level")) == [(a, Decimal("4.0"))]


@pytest.mark.parametrize(
    "narrative",
    ["Seen with pt John Smith for the epidural", "MRN 4821339 tolerated well", "SSN 123-45-6789"],
)
def test_a_narrative_that_identifies_a_patient_is_refused_and_nothing_is_saved(
    ours, request_, subs, narrative
):
    with pytest.raises(ValidationError) as excinfo:
        assessment_save_draft(
            actor=ours.faculty,
            assessment=request_,
            narrative=narrative,
            ratings={subs[0].pk: "3.0"},
        )
    assert "identify a patient" in " ".join(excinfo.value.message_dict["narrative"])
    request_.refresh_from_db()
    assert request_.narrative == "" and not Rating.objects.exists()


def test_a_return_reason_that_identifies_a_patient_is_refused(ours, request_):
    with pytest.raises(ValidationError):
        assessment_return(
            actor=ours.director, assessment=request_, reason="Redo for Mrs. Ávila, DOB 3/14/61"
        )
    request_.refresh_from_db()
    assert request_.status == Assessment.Status.DRAFT and request_.return_reason == ""


@pytest.mark.parametrize("value", ["0.5", "5.5", "3.2", "three", "4.25"])
def test_levels_are_on_the_milestone_scale(ours, request_, subs, value):
    with pytest.raises(ValidationError):
        assessment_save_draft(
            actor=ours.faculty, assessment=request_, narrative="", ratings={subs[0].pk: value}
        )
    assert not Rating.objects.exists()


def test_only_the_forms_subcompetencies(ours, request_):
    other = request_.template.milestone_set.subcompetencies.exclude(
        pk__in=request_.template.subcompetencies.all()
    ).first()
    with pytest.raises(ValidationError):
        assessment_save_draft(
            actor=ours.faculty, assessment=request_, narrative="", ratings={other.pk: "3.0"}
        )


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.COORDINATOR, Role.FELLOW])
def test_only_the_assessor_fills(ours, request_, role):
    with pytest.raises(PermissionDenied):
        assessment_save_draft(actor=ours.user(role), assessment=request_, narrative="x", ratings={})


def test_a_deactivated_assessor_cannot_fill(ours, request_):
    Membership.objects.filter(pk=request_.assessor_id).update(is_active=False)
    with pytest.raises(PermissionDenied):
        assessment_save_draft(actor=ours.faculty, assessment=request_, narrative="x", ratings={})


def _fill_and_sign(ours, assessment, subs):
    assessment_save_draft(
        actor=ours.faculty,
        assessment=assessment,
        narrative="Safe and deliberate.",
        ratings={s.pk: "3.0" for s in subs},
    )
    return assessment_sign(actor=ours.faculty, assessment=assessment, password=PASSWORD)


def test_a_signed_assessment_cannot_be_saved(ours, request_, subs):
    _fill_and_sign(ours, request_, subs)
    with pytest.raises(ValidationError):
        assessment_save_draft(actor=ours.faculty, assessment=request_, narrative="x", ratings={})


# --- returning ---


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.COORDINATOR])
def test_staff_return_a_draft_with_a_reason(ours, request_, role):
    returned = assessment_return(
        actor=ours.user(role), assessment=request_, reason="Narrative missing"
    )
    assert (returned.status, returned.return_reason) == (Status.RETURNED, "Narrative missing")


def test_a_returned_assessment_can_still_be_filled_and_signed(ours, request_, subs):
    assessment_return(actor=ours.director, assessment=request_, reason="Please rate PC")
    signature = _fill_and_sign(ours, request_, subs)
    request_.refresh_from_db()
    assert request_.status == Status.SIGNED
    assert request_.return_reason == ""
    assert signature.assessment_id == request_.pk


@pytest.mark.parametrize("role", [Role.FACULTY, Role.FELLOW])
def test_only_staff_return(ours, request_, role):
    with pytest.raises(PermissionDenied):
        assessment_return(actor=ours.user(role), assessment=request_, reason="x")


def test_staff_of_another_program_cannot_return(ours, theirs, request_):
    with pytest.raises(PermissionDenied):
        assessment_return(actor=theirs.director, assessment=request_, reason="x")


def test_return_needs_a_reason_and_a_draft(ours, request_, subs):
    with pytest.raises(ValidationError):
        assessment_return(actor=ours.director, assessment=request_, reason="  ")
    with pytest.raises(ValidationError):
        assessment_return(actor=ours.director, assessment=request_, reason="x" * 301)
    _fill_and_sign(ours, request_, subs)
    with pytest.raises(ValidationError):
        assessment_return(actor=ours.director, assessment=request_, reason="late")


# --- end-of-rotation evaluations ---


@pytest.fixture
def rotation_template(ours, subs):
    return template_create(
        actor=ours.director,
        program=ours.program,
        name="End of rotation",
        kind=Kind.END_OF_ROTATION,
        milestone_set=subs[0].milestone_set,
        subcompetencies=subs,
    )


@pytest.fixture
def ended_block(enrolment):
    return ScheduleBlockFactory(
        enrolment=enrolment,
        start_date=datetime.date(2026, 7, 1),
        end_date=datetime.date(2026, 7, 28),
    )


TODAY = datetime.date(2026, 8, 10)


def test_rotation_evaluation_goes_to_the_main_supervisor(ours, rotation_template, ended_block):
    fellow = ended_block.enrolment.membership
    main = member(ours, Role.FACULTY)
    other = MembershipFactory(program=ours.program, role=Role.FACULTY)
    for supervisor, day in [(main, 2), (main, 9), (other, 3)]:
        ProcedureLogEntryFactory(
            program=ours.program,
            fellow=fellow,
            supervisor=supervisor,
            performed_on=datetime.date(2026, 7, day),
        )
    # Outside the block: does not count.
    for _ in range(3):
        ProcedureLogEntryFactory(
            program=ours.program,
            fellow=fellow,
            supervisor=other,
            performed_on=datetime.date(2026, 8, 2),
        )
    assert rotation_evaluations_create(today=TODAY) == 1
    evaluation = Assessment.objects.get()
    assert evaluation.assessor == main
    assert evaluation.fellow == fellow
    assert evaluation.template == rotation_template
    assert evaluation.schedule_block == ended_block
    assert evaluation.requested_by is None
    assert evaluation.observed_on == ended_block.end_date
    assert evaluation.due_date == ended_block.end_date + datetime.timedelta(
        days=ours.program.evaluation_due_days
    )


def test_rotation_evaluation_falls_back_to_the_director(ours, rotation_template, ended_block):
    assert rotation_evaluations_create(today=TODAY) == 1
    assert Assessment.objects.get().assessor == member(ours, Role.DIRECTOR)


def test_the_nightly_task_uses_each_programs_own_date(ours, rotation_template, ended_block):
    # 2026-07-28 10:30 UTC is already July 29 in Kiritimati (UTC+14): the block (ending July 28)
    # has ended there, though the server's UTC date is still July 28.
    ours.program.timezone = "Pacific/Kiritimati"
    ours.program.save()
    with time_machine.travel(datetime.datetime(2026, 7, 28, 10, 30, tzinfo=datetime.UTC)):
        assert create_rotation_evaluations() == 1
    ours.program.timezone = "Pacific/Pago_Pago"  # UTC-11: still July 28 at 10:30 UTC on July 29
    ours.program.save()
    Assessment.objects.all().delete()
    with time_machine.travel(datetime.datetime(2026, 7, 29, 10, 30, tzinfo=datetime.UTC)):
        assert create_rotation_evaluations() == 0
    with time_machine.travel(datetime.datetime(2026, 7, 29, 11, 30, tzinfo=datetime.UTC)):
        assert create_rotation_evaluations() == 1


def test_rotation_evaluations_are_created_once(ours, rotation_template, ended_block):
    assert rotation_evaluations_create(today=TODAY) == 1
    assert rotation_evaluations_create(today=TODAY) == 0
    # Even when the main supervisor would now be someone else.
    ProcedureLogEntryFactory(
        program=ours.program,
        fellow=ended_block.enrolment.membership,
        performed_on=datetime.date(2026, 7, 5),
    )
    assert rotation_evaluations_create(today=TODAY + datetime.timedelta(days=1)) == 0
    assert Assessment.objects.count() == 1


def test_rotation_evaluation_due_date_from_the_calendar(ours, rotation_template, ended_block):
    from trainees.models import Deadline

    Deadline.objects.create(
        program=ours.program,
        academic_year=ended_block.enrolment.cohort.academic_year,
        kind=Deadline.Kind.ROTATION_EVALUATION,
        title="Evaluation",
        due_date=datetime.date(2026, 8, 20),
        schedule_block=ended_block,
        key=f"rotation-eval:{ended_block.pk}",
    )
    rotation_evaluations_create(today=TODAY)
    assert Assessment.objects.get().due_date == datetime.date(2026, 8, 20)


def test_blocks_not_ended_or_long_past_are_skipped(ours, rotation_template, ended_block):
    assert rotation_evaluations_create(today=ended_block.end_date) == 0
    assert rotation_evaluations_create(today=TODAY + datetime.timedelta(days=90)) == 0
    assert not Assessment.objects.exists()


def test_no_end_of_rotation_form_no_evaluation(ours, template, ended_block):
    assert rotation_evaluations_create(today=TODAY) == 0


def test_rotation_task_calls_the_service(ours, rotation_template, ended_block):
    with time_machine.travel(datetime.datetime(2026, 8, 10, 12, tzinfo=datetime.UTC)):
        assert create_rotation_evaluations.delay().get() == 1


def test_the_nightly_task_waits_for_the_programs_own_midnight(ours, rotation_template, enrolment):
    # 2027-03-01 03:30 UTC is still February 28 in Chicago: a block ending February 28 has not
    # ended there yet, though the server's (UTC) date is already March 1.
    ours.program.timezone = "America/Chicago"
    ours.program.save()
    ScheduleBlockFactory(
        enrolment=enrolment,
        start_date=datetime.date(2027, 2, 1),
        end_date=datetime.date(2027, 2, 28),
    )
    with time_machine.travel(datetime.datetime(2027, 3, 1, 3, 30, tzinfo=datetime.UTC)):
        assert create_rotation_evaluations() == 0
    with time_machine.travel(datetime.datetime(2027, 3, 1, 6, 30, tzinfo=datetime.UTC)):
        assert create_rotation_evaluations() == 1
    assert Assessment.objects.get().observed_on == datetime.date(2027, 2, 28)


# --- the audit trail of forms ---


def _template_events(action):
    from audit.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_creating_a_form_is_recorded(ours, template, subs):
    (event,) = _template_events("assessment_template.create")
    assert event.actor == ours.director
    assert event.program_id == ours.program.pk
    assert event.object_id == str(template.pk)
    assert event.changes["name"] == [None, "Direct observation"]
    assert event.changes["kind"] == [None, Kind.DIRECT_OBSERVATION]
    assert event.changes["subcompetencies"] == [None, sorted(sub.pk for sub in subs)]


def test_editing_and_archiving_a_form_are_recorded(ours, template, subs):
    fields = {
        "name": template.name,
        "kind": template.kind,
        "milestone_set": template.milestone_set,
        "subcompetencies": subs,
    }
    template_update(actor=ours.director, template=template, **fields)
    assert _template_events("assessment_template.update") == []  # nothing changed
    template_update(
        actor=ours.director, template=template, **(fields | {"subcompetencies": subs[:2]})
    )
    (updated,) = _template_events("assessment_template.update")
    assert updated.actor == ours.director
    assert updated.changes == {
        "subcompetencies": [sorted(s.pk for s in subs), sorted(s.pk for s in subs[:2])]
    }
    template_update(
        actor=ours.director,
        template=template,
        is_active=False,
        **(fields | {"subcompetencies": subs[:2], "name": "Old observation"}),
    )
    (archived,) = _template_events("assessment_template.archive")
    assert archived.changes == {
        "is_active": [True, False],
        "name": ["Direct observation", "Old observation"],
    }
    assert len(_template_events("assessment_template.update")) == 1


def test_a_refused_form_edit_records_nothing(ours, template, subs):
    with pytest.raises(PermissionDenied):
        template_update(
            actor=ours.faculty,
            template=template,
            name="Renamed",
            kind=template.kind,
            milestone_set=template.milestone_set,
            subcompetencies=subs,
        )
    assert _template_events("assessment_template.update") == []
