"""Nobody left waiting (issue 15, item 3): when work lands on a person they hear of it at once,
in the notification centre and by email as their preferences say."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments.models import Assessment, AssessmentTemplate, ReviewPeriod
from assessments.services.ccc import ccc_packets_assemble
from assessments.services.requests import assessment_decline, assessment_requests_expire
from assessments.services.workflow import (
    assessment_request,
    assessment_return,
    assessment_save_draft,
    template_create,
)
from assessments.tasks import expire_requests
from audit.models import AuditEvent
from core.notices import Notice, NoticeKind, notify
from curriculum.models import Membership
from curriculum.services import milestone_set_load_default
from procedures.services.verification import entry_return
from reminders.models import Delivery, NotificationPreference, Reminder
from tests.accounts.factories import PASSWORD
from tests.procedures.factories import ProcedureLogEntryFactory
from tests.trainees.factories import AcademicYearFactory, CohortFactory, EnrolmentFactory

Role = Membership.Role
Kind = Reminder.Kind


def member(people, role):
    return Membership.objects.get(user=people.user(role), program=people.program, role=role)


def wants_each_at_once(user):
    NotificationPreference.objects.update_or_create(
        user=user, defaults={"delivery": NotificationPreference.Delivery.IMMEDIATE}
    )


@pytest.fixture
def subs(ours):
    milestone_set = milestone_set_load_default(actor=None, program=ours.program)
    return list(milestone_set.subcompetencies.order_by("code")[:2])


@pytest.fixture
def template(ours, subs):
    return template_create(
        actor=ours.director,
        program=ours.program,
        name="Direct observation",
        kind=AssessmentTemplate.Kind.DIRECT_OBSERVATION,
        milestone_set=subs[0].milestone_set,
        subcompetencies=subs,
    )


def ask(ours, template, **fields):
    return assessment_request(
        actor=ours.fellow,
        template=template,
        assessor=member(ours, Role.FACULTY),
        observed_on=fields.pop("observed_on", ours.program.today()),
        **fields,
    )


# --- a request reaches the faculty member ---


def test_a_request_reaches_the_faculty_member_at_once_by_email(
    ours, template, django_capture_on_commit_callbacks
):
    wants_each_at_once(ours.faculty)
    with django_capture_on_commit_callbacks(execute=True):
        assessment = ask(ours, template)
    [notice] = Reminder.objects.filter(recipient=ours.faculty)
    assert notice.kind == Kind.ASSESSMENT_REQUESTED and notice.object_id == assessment.pk
    assert notice.url_path == assessment.get_absolute_url() and notice.read_at is None
    assert ours.fellow.display_name in notice.subject and "Direct observation" in notice.subject
    [message] = mail.outbox
    assert message.to == [ours.faculty.email] and "asks you for an assessment" in message.subject
    assert "/notifications/open/" in message.body
    notice.refresh_from_db()
    assert notice.status == Reminder.Status.SENT


def test_with_a_digest_preference_the_request_waits_for_the_digest(
    ours, template, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(ours, template)
    notice = Reminder.objects.get(recipient=ours.faculty)
    assert notice.channel == NotificationPreference.Delivery.DIGEST and notice.delivery is None
    assert mail.outbox == []  # the sweep gathers it into the faculty member's daily digest


def test_the_request_shows_in_the_faculty_members_notification_centre(client, ours, template):
    ask(ours, template)
    client.force_login(ours.faculty)
    page = client.get(reverse("reminders:notification_centre", args=[ours.program.pk]))
    assert page.status_code == 200
    assert "asks you for an assessment: Direct observation" in page.content.decode()


def test_a_muted_kind_is_not_recorded_and_a_double_submit_notifies_once(ours, template):
    first = ask(ours, template)
    again = ask(ours, template)  # the same open request: the existing draft comes back
    assert first.pk == again.pk
    assert Reminder.objects.filter(recipient=ours.faculty).count() == 1
    NotificationPreference.objects.update_or_create(
        user=ours.faculty, defaults={"muted_kinds": [Kind.ASSESSMENT_REQUESTED]}
    )
    ask(ours, template, observed_on=ours.program.today() - datetime.timedelta(days=1))
    assert Reminder.objects.filter(recipient=ours.faculty).count() == 1


def test_a_self_assessment_tells_nobody(ours, subs):
    form = template_create(
        actor=ours.director,
        program=ours.program,
        name="Self",
        kind=AssessmentTemplate.Kind.SELF,
        milestone_set=subs[0].milestone_set,
        subcompetencies=subs,
    )
    assessment_request(
        actor=ours.fellow, template=form, assessor=None, observed_on=ours.program.today()
    )
    assert not Reminder.objects.exists()


def test_the_same_notice_twice_is_one_row(ours):
    notice = Notice(
        program_id=ours.program.pk,
        recipient_id=ours.fellow.pk,
        kind=NoticeKind.ASSESSMENT_SIGNED,
        object_type="assessment",
        object_id=1,
        subject="Signed",
        url_path="/",
        key="k",
    )
    assert notify([notice]) == 1
    assert notify([notice]) == 0
    assert Reminder.objects.count() == 1


# --- returned work reaches the fellow (and the assessor) ---


def test_a_returned_entry_reaches_the_fellow_and_shows_on_their_home(
    client, ours, django_capture_on_commit_callbacks
):
    wants_each_at_once(ours.fellow)
    entry = ProcedureLogEntryFactory(
        program=ours.program,
        fellow=member(ours, Role.FELLOW),
        supervisor=member(ours, Role.FACULTY),
    )
    with django_capture_on_commit_callbacks(execute=True):
        entry_return(actor=ours.faculty, entry=entry, reason="Level was L5-S1")
    [notice] = Reminder.objects.filter(recipient=ours.fellow)
    assert notice.kind == Kind.ENTRY_RETURNED and "Level was L5-S1" in notice.subject
    assert notice.url_path == reverse("procedures:entry_edit", args=[ours.program.pk, entry.pk])
    [message] = mail.outbox
    assert message.to == [ours.fellow.email]

    client.force_login(ours.fellow)
    home = client.get(reverse("dashboard:my_progress", args=[ours.program.pk])).content.decode()
    assert "Returned to you" in home and "Level was L5-S1" in home
    assert reverse("procedures:entry_edit", args=[ours.program.pk, entry.pk]) in home


def test_without_returned_entries_the_home_has_no_returned_section(client, ours):
    ProcedureLogEntryFactory(program=ours.program, fellow=member(ours, Role.FELLOW))
    client.force_login(ours.fellow)
    home = client.get(reverse("dashboard:my_progress", args=[ours.program.pk])).content.decode()
    assert "Returned to you" not in home


def test_a_returned_assessment_reaches_the_assessor_and_the_fellow(ours, template):
    assessment = ask(ours, template)
    assessment_return(actor=ours.coordinator, assessment=assessment, reason="Narrative missing")
    kinds = set(
        Reminder.objects.filter(kind=Kind.ASSESSMENT_RETURNED).values_list("recipient", flat=True)
    )
    assert kinds == {ours.faculty.pk, ours.fellow.pk}


def test_a_signed_assessment_reaches_the_fellow(ours, template, subs):
    from assessments.services.signatures.sign import assessment_sign

    assessment = ask(ours, template)
    assessment_save_draft(
        actor=ours.faculty,
        assessment=assessment,
        narrative="Careful and safe.",
        ratings={sub.pk: "3.0" for sub in subs},
    )
    assessment_sign(actor=ours.faculty, assessment=assessment, password=PASSWORD)
    notice = Reminder.objects.get(recipient=ours.fellow, kind=Kind.ASSESSMENT_SIGNED)
    assert "signed your Direct observation" in notice.subject


def test_packets_waiting_for_levels_reach_the_committee(ours):
    year = AcademicYearFactory(
        program=ours.program,
        start_date=datetime.date(2026, 7, 1),
        end_date=datetime.date(2027, 6, 30),
    )
    cohort = CohortFactory(program=ours.program, academic_year=year)
    EnrolmentFactory(cohort=cohort, membership=member(ours, Role.FELLOW))
    period = ReviewPeriod.objects.create(
        program=ours.program,
        academic_year=year,
        kind=ReviewPeriod.Kind.MIDYEAR,
        starts_on=year.start_date,
        ends_on=datetime.date(2026, 12, 31),
    )
    assert len(ccc_packets_assemble(actor=ours.coordinator, period=period)) == 1
    told = set(
        Reminder.objects.filter(kind=Kind.PACKET_WAITING).values_list("recipient", flat=True)
    )
    assert told == {ours.director.pk, ours.faculty.pk}  # the committee: not staff-only, not fellows
    assert ccc_packets_assemble(actor=ours.coordinator, period=period) == []
    assert Reminder.objects.filter(kind=Kind.PACKET_WAITING).count() == 2  # nothing new: no news


# --- faculty decline with a reason ---


def test_faculty_decline_with_a_reason_the_fellow_reads(ours, template):
    assessment = ask(ours, template)
    declined = assessment_decline(
        actor=ours.faculty, assessment=assessment, reason="I did not supervise that case."
    )
    assert declined.status == Assessment.Status.DECLINED and declined.closed_at is not None
    assert declined.decline_reason == "I did not supervise that case."
    notice = Reminder.objects.get(recipient=ours.fellow, kind=Kind.REQUEST_DECLINED)
    assert notice.object_id == assessment.pk
    assert AuditEvent.objects.filter(action="assessment.decline", object_id=assessment.pk).exists()
    # Closed: off the faculty member's queue; a second decline changes nothing.
    again = assessment_decline(actor=ours.faculty, assessment=assessment, reason="Other")
    assert again.decline_reason == "I did not supervise that case."
    assert AuditEvent.objects.filter(action="assessment.decline").count() == 1
    with pytest.raises(ValidationError):
        assessment_save_draft(actor=ours.faculty, assessment=assessment, narrative="x", ratings={})


@pytest.mark.parametrize("reason", ["", "   ", "x" * 301])
def test_a_decline_needs_a_short_reason_and_saves_nothing_without(ours, template, reason):
    assessment = ask(ours, template)
    with pytest.raises(ValidationError):
        assessment_decline(actor=ours.faculty, assessment=assessment, reason=reason)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT
    assert not Reminder.objects.filter(kind=Kind.REQUEST_DECLINED).exists()


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.COORDINATOR, Role.FELLOW])
def test_only_the_assessor_asked_can_decline(ours, template, role):
    assessment = ask(ours, template)
    with pytest.raises(PermissionDenied):
        assessment_decline(actor=ours.user(role), assessment=assessment, reason="No")


def test_the_decline_page_closes_the_request(client, ours, template):
    assessment = ask(ours, template)
    client.force_login(ours.faculty)
    url = reverse("assessments:assessment_decline", args=[ours.program.pk, assessment.pk])
    detail = client.get(assessment.get_absolute_url()).content.decode()
    assert url in detail  # the assessor finds the way to decline from the assessment
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DRAFT
    done = client.post(url, {"reason": "Ask Dr Lee, who was in the room."})
    assert done.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.DECLINED
    client.force_login(ours.fellow)
    mine = client.get(reverse("assessments:assessment_list", args=[ours.program.pk]))
    assert "Ask Dr Lee, who was in the room." in mine.content.decode()


# --- requests expire after the program's number of days ---


def test_requests_expire_after_the_programs_days_with_a_message_to_both(ours, template):
    assert ours.program.request_expiry_days == 14  # the default
    made = datetime.datetime(2026, 10, 1, 15, 0, tzinfo=datetime.UTC)
    with time_machine.travel(made, tick=False):
        assessment = ask(ours, template, observed_on=datetime.date(2026, 10, 1))
    assert assessment_requests_expire(now=made + datetime.timedelta(days=13, hours=23)) == 0
    assert assessment_requests_expire(now=made + datetime.timedelta(days=14)) == 1
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.EXPIRED and assessment.closed_at is not None
    told = set(
        Reminder.objects.filter(kind=Kind.REQUEST_EXPIRED).values_list("recipient", flat=True)
    )
    assert told == {ours.fellow.pk, ours.faculty.pk}
    assert AuditEvent.objects.filter(action="assessment.expire", object_id=assessment.pk).exists()
    assert assessment_requests_expire(now=made + datetime.timedelta(days=20)) == 0  # idempotent


def test_the_expiry_follows_the_programs_setting(ours, template):
    ours.program.request_expiry_days = 3
    ours.program.save()
    made = datetime.datetime(2026, 10, 1, 15, 0, tzinfo=datetime.UTC)
    with time_machine.travel(made, tick=False):
        ask(ours, template, observed_on=datetime.date(2026, 10, 1))
    assert assessment_requests_expire(now=made + datetime.timedelta(days=3)) == 1


def test_started_work_and_system_evaluations_never_expire(ours, template, subs):
    made = datetime.datetime(2026, 10, 1, 15, 0, tzinfo=datetime.UTC)
    with time_machine.travel(made, tick=False):
        started = ask(ours, template, observed_on=datetime.date(2026, 10, 1))
        ask(ours, template, observed_on=datetime.date(2026, 9, 30))
    assessment_save_draft(
        actor=ours.faculty, assessment=started, narrative="", ratings={subs[0].pk: "2.0"}
    )
    Assessment.objects.exclude(pk=started.pk).update(requested_by=None)  # as the rotation job
    assert assessment_requests_expire(now=made + datetime.timedelta(days=30)) == 0
    assert not Assessment.objects.filter(status=Assessment.Status.EXPIRED).exists()


def test_the_expiry_task_runs_the_service(ours, template):
    made = datetime.datetime(2026, 10, 1, 15, 0, tzinfo=datetime.UTC)
    with time_machine.travel(made, tick=False):
        ask(ours, template, observed_on=datetime.date(2026, 10, 1))
    with time_machine.travel(made + datetime.timedelta(days=15), tick=False):
        assert expire_requests() == 1


def test_an_expired_request_is_off_the_overdue_lists(ours, template):
    made = datetime.datetime(2026, 10, 1, 15, 0, tzinfo=datetime.UTC)
    with time_machine.travel(made, tick=False):
        assessment = ask(ours, template, observed_on=datetime.date(2026, 10, 1))
    assessment_requests_expire(now=made + datetime.timedelta(days=15))
    assert not Assessment.objects.filter(
        pk=assessment.pk, status__in=Assessment.OPEN_STATUSES
    ).exists()
    assert Delivery.objects.filter(kind=Delivery.Kind.IMMEDIATE).count() == 0
