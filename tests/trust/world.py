"""A small but complete world for the permission matrix: two programs with every role, a second
fellow and faculty member in ours, and one object of every kind the URLs name, on three sides:

- ``mine``: belongs to ``ours.fellow`` (assessed or supervised by ``ours.faculty``);
- ``other``: belongs to a second fellow of the same program (assessed by a second faculty member);
- ``foreign``: belongs to the other program.

Each side maps URL keyword arguments (``assessment_id``...) to real primary keys.
"""

import datetime
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Invitation
from assessments.models import Assessment, CCCReview, ReviewPeriod
from boards.models import AbaFellowReport
from curriculum.models import Membership
from curriculum.services import milestone_set_load_default
from procedures.models import ProcedureLogEntry
from reminders.links import link_token
from tests.accounts.factories import InvitationFactory, UserFactory
from tests.assessments.factories import AssessmentFactory, AssessmentTemplateFactory
from tests.conftest import ProgramPeople
from tests.curriculum.factories import MembershipFactory, RotationFactory
from tests.didactics.factories import (
    ObjectiveFactory,
    ProgressFactory,
    SeriesFactory,
    SessionFactory,
    TeacherFactory,
)
from tests.evaluators.factories import RequestFactory
from tests.portfolio import world as portfolio_world
from tests.procedures.factories import (
    ProcedureLogEntryFactory,
    ProcedureTargetFactory,
    ProcedureTypeFactory,
)
from tests.program_evaluation import world as program_evaluation_world
from tests.reminders.factories import ReminderFactory
from tests.surveys import world as surveys_world
from tests.trainees.factories import (
    AcademicYearFactory,
    CohortFactory,
    EnrolmentFactory,
    ScheduleBlockFactory,
)
from tests.workhours import world as workhours_world
from trainees.models import Deadline, LeavePeriod

Role = Membership.Role
SIDES = ("mine", "other", "foreign")


@dataclass
class World:
    ours: ProgramPeople
    theirs: ProgramPeople
    fellow2: object
    faculty2: object
    ids: dict[str, dict[str, object]] = field(default_factory=dict)

    def kwargs(self, names, side: str) -> dict:
        return {name: self.ids[side][name] for name in names}


def _membership(people: ProgramPeople, user) -> Membership:
    return Membership.objects.get(program=people.program, user=user)


def _program_side(people: ProgramPeople, fellow_user, faculty_user, shared: dict) -> dict:
    """Objects of one fellow (with one faculty member as their assessor and supervisor)."""
    program = people.program
    fellow = _membership(people, fellow_user)
    faculty = _membership(people, faculty_user)
    enrolment = EnrolmentFactory(cohort=shared["cohort"], membership=fellow)
    block = ScheduleBlockFactory(enrolment=enrolment, rotation=shared["rotation"])
    leave = LeavePeriod.objects.create(
        enrolment=enrolment,
        kind=LeavePeriod.Kind.VACATION,
        start=enrolment.start_date,
        end=enrolment.start_date + datetime.timedelta(days=4),
    )
    entry = ProcedureLogEntryFactory(
        program=program,
        fellow=fellow,
        supervisor=faculty,
        procedure_type=shared["procedure_type"],
    )
    signed = AssessmentFactory(
        program=program,
        template=shared["template"],
        fellow=fellow,
        assessor=faculty,
        status=Assessment.Status.SIGNED,
        signed_at=timezone.now(),
        narrative="Careful consent, clear plan.",
    )
    review = CCCReview.objects.create(
        period=shared["period"],
        fellow=fellow,
        status=CCCReview.Status.FINALISED,
        finalised_at=timezone.now(),
    )
    aba_report = AbaFellowReport.objects.create(
        program=program, fellow=fellow, period=shared["period"], ccc_review=review
    )
    deadline = Deadline.objects.create(
        program=program,
        academic_year=shared["cohort"].academic_year,
        kind=Deadline.Kind.FINAL_SUMMATIVE,
        title="Final summative evaluation",
        due_date=datetime.date(2027, 6, 15),
        enrolment=enrolment,
    )
    progress = ProgressFactory(objective=shared["objective"], fellow=fellow)
    external = RequestFactory(program=program, fellow=fellow, requested_by=fellow_user)
    reminder = ReminderFactory(program=program, recipient=fellow_user)
    newer = {}
    for app_world in (workhours_world, surveys_world, portfolio_world, program_evaluation_world):
        newer |= app_world.side_ids(people, fellow, faculty, shared)
    return newer | {
        "program_id": program.pk,
        "progress_id": progress.pk,
        "request_id": external.pk,
        "reminder_id": reminder.pk,
        "token": link_token(reminder.pk),
        "membership_id": fellow.pk,
        "enrolment_id": enrolment.pk,
        "block_id": block.pk,
        "leave_id": leave.pk,
        "entry_id": entry.pk,
        "assessment_id": signed.pk,
        "review_id": review.pk,
        "report_id": aba_report.pk,
        "deadline_id": deadline.pk,
    }


def _shared(people: ProgramPeople) -> dict:
    program = people.program
    milestone_set = milestone_set_load_default(actor=None, program=program)
    template = AssessmentTemplateFactory(program=program, milestone_set=milestone_set)
    template.subcompetencies.set(milestone_set.competencies.first().subcompetencies.all()[:2])
    year = AcademicYearFactory(
        program=program, start_date=datetime.date(2026, 7, 1), end_date=datetime.date(2027, 6, 30)
    )
    cohort = CohortFactory(program=program, academic_year=year)
    period = ReviewPeriod.objects.create(
        program=program,
        academic_year=year,
        kind=ReviewPeriod.Kind.MIDYEAR,
        starts_on=year.start_date,
        ends_on=datetime.date(2026, 12, 31),
    )
    procedure_type = ProcedureTypeFactory(program=program)
    target = ProcedureTargetFactory(program=program, procedure_type=procedure_type)
    invitation = InvitationFactory(program=program, invited_by=people.director)
    rotation = RotationFactory(program=program)
    objective = ObjectiveFactory(rotation=rotation)
    resource = objective.resources.create(
        title="Reading list",
        file=ContentFile(b"%PDF-1.4 reading list", name="reading.pdf"),
        original_name="reading.pdf",
        size=21,
    )
    now = timezone.now()
    session = SessionFactory(
        series=SeriesFactory(program=program),
        checkin_code="K7M4PX",
        checkin_opens_at=now - datetime.timedelta(hours=1),
        checkin_closes_at=now + datetime.timedelta(hours=1),
    )
    teacher = TeacherFactory(rotation=rotation, faculty=_membership(people, people.faculty))
    return {
        "objective": objective,
        "resource": resource,
        "session": session,
        "teacher": teacher,
        "milestone_set": milestone_set,
        "template": template,
        "cohort": cohort,
        "period": period,
        "rotation": rotation,
        "procedure_type": procedure_type,
        "target": target,
        "invitation": invitation,
    }


def _shared_ids(shared: dict) -> dict:
    return {
        "set_id": shared["milestone_set"].pk,
        "template_id": shared["template"].pk,
        "cohort_id": shared["cohort"].pk,
        "year_id": shared["cohort"].academic_year_id,
        "period_id": shared["period"].pk,
        "rotation_id": shared["rotation"].pk,
        "type_id": shared["procedure_type"].pk,
        "category_id": shared["procedure_type"].category_id,
        "target_id": shared["target"].pk,
        "invitation_id": shared["invitation"].pk,
        "objective_id": shared["objective"].pk,
        "resource_id": shared["resource"].pk,
        "session_id": shared["session"].pk,
        "teacher_id": shared["teacher"].pk,
    }


def build_world(ours: ProgramPeople, theirs: ProgramPeople) -> World:
    fellow2, faculty2 = UserFactory(), UserFactory()
    MembershipFactory(program=ours.program, user=fellow2, role=Role.FELLOW)
    MembershipFactory(program=ours.program, user=faculty2, role=Role.FACULTY)
    world = World(ours=ours, theirs=theirs, fellow2=fellow2, faculty2=faculty2)

    our_shared, their_shared = _shared(ours), _shared(theirs)
    world.ids["mine"] = _shared_ids(our_shared) | _program_side(
        ours, ours.fellow, ours.faculty, our_shared
    )
    world.ids["other"] = _shared_ids(our_shared) | _program_side(
        ours, fellow2, faculty2, our_shared
    )
    # The other fellow's CCC review is still a draft: nobody but the committee sees it.
    CCCReview.objects.filter(pk=world.ids["other"]["review_id"]).update(
        status=CCCReview.Status.DRAFT, finalised_at=None
    )
    world.ids["foreign"] = _shared_ids(their_shared) | _program_side(
        theirs, theirs.fellow, theirs.faculty, their_shared
    )
    # Objects of the other program are always asked for under our program's URL.
    world.ids["foreign"]["program_id"] = ours.program.pk
    assert ProcedureLogEntry.objects.count() == 3 and Invitation.objects.count() == 2
    return world
