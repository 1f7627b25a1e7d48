"""export_program / import_program over every table: a program with rows in each table the record
covers is exported, the database flushed, the record imported on an empty media folder, and each
covered table compared row by row, all fields. A model nobody decided about fails here."""

import datetime
import io
import json

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from assessments.models import (
    AssessmentTemplate,
    CCCReview,
    CommitteeMeeting,
    CompetencyCommittee,
    Signature,
    SummativeEvaluation,
)
from audit.services import audit_record
from boards.models import AbaFellowReport, BoardSignature
from curriculum.models import LevelDescriptor, Membership
from didactics.models import (
    AttendanceRequirement,
    CheckinThrottle,
    ObjectiveResource,
    SeriesKind,
)
from procedures.models import FavouriteProcedure, ProcedureEntryEvent, ProcedureSettings
from procedures.services.log import entry_delete
from reminders.models import (
    Delivery,
    Kind,
    NotificationPreference,
    Reminder,
    ReminderSettings,
    new_calendar_token,
)
from tests.accounts.factories import InvitationFactory
from tests.assessments.factories import AssessmentTemplateFactory
from tests.conftest import make_program_people
from tests.curriculum.factories import RotationFactory
from tests.dashboard.factories import finalised_ccc, milestone_subs
from tests.didactics.factories import (
    AttendanceFactory,
    ObjectiveFactory,
    ProgressFactory,
    SeriesFactory,
    SessionFactory,
    TeacherFactory,
)
from tests.evaluators.factories import EvaluationFactory, ExternalRatingFactory, RequestFactory
from tests.portfolio.rich import build_rich_rows as portfolio_rows
from tests.procedures.factories import ProcedureLogEntryFactory
from tests.program_evaluation.rich import build_rich_rows as program_evaluation_rows
from tests.reminders import scenario
from tests.reminders.factories import DeliveryFactory, ReminderFactory
from tests.surveys.rich import build_rich_rows as surveys_rows
from tests.trainees.factories import MedicalEducationFactory, ResidencyFactory
from tests.workhours.rich import build_rich_rows as workhours_rows
from trainees.models import LeavePeriod, LeavePolicy
from transfer import records as program_records
from transfer.records import (
    EXCLUDED,
    EXPORTED,
    STRIPPED,
    CoverageIncomplete,
    ImportRefused,
    coverage_problems,
    program_export,
    program_import,
)

pytestmark = pytest.mark.django_db(transaction=True)

Role = Membership.Role
PDF = b"%PDF-1.4\nA guide to the lumbar medial branch block.\n"


# --- Which tables the record must restore ---------------------------------------------------


def _m2m_owner(through):
    """The many-to-many field an auto-created table belongs to."""
    return next(
        field
        for model in apps.get_models()
        for field in model._meta.many_to_many
        if field.remote_field.through is through
    )


def covered_tables() -> dict[str, type]:
    """Every table a restore must give back: the exported models and the many-to-many tables
    they keep. Fails naming any installed model that has no decision."""
    covered, undecided = {}, []
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        if model._meta.auto_created:
            field = _m2m_owner(model)
            owner = field.model._meta.label
            if owner in EXPORTED and field.name not in STRIPPED.get(owner, {}):
                covered[label] = model
        elif label in EXPORTED:
            covered[label] = model
        elif label not in EXCLUDED:
            undecided.append(label)
    if undecided:
        pytest.fail(
            "No export decision for: " + ", ".join(undecided) + ". Add each to EXPORTED or "
            "EXCLUDED in transfer/records.py (with the reason) and give it rows in "
            "build_rich_program below."
        )
    return covered


def snapshot(tables: dict[str, type]) -> dict[str, list]:
    """All rows of each table, every concrete field. The importer keeps primary keys, so rows
    are compared by them; many-to-many rows are recreated, so only their two ends count."""
    rows = {}
    for label, model in tables.items():
        queryset = model._base_manager.all()
        if model._meta.auto_created:
            ends = [f.attname for f in model._meta.concrete_fields if f.is_relation]
            rows[label] = sorted(queryset.values_list(*ends))
        else:
            names = [f.attname for f in model._meta.concrete_fields]
            rows[label] = list(queryset.order_by("pk").values(*names))
    return rows


def stored_files() -> dict[str, bytes]:
    files = {}
    for resource in ObjectiveResource.objects.exclude(file=""):
        with resource.file.open("rb") as handle:
            files[resource.file.name] = handle.read()
    return files


# --- A program with rows in every covered table ---------------------------------------------


def build_rich_program(people) -> None:
    program, now = people.program, timezone.now()
    built = scenario.build(people)
    fellow, faculty = built.fellow, built.faculty
    year = built.ccc.academic_year
    block = built.rotation.schedule_block
    coordinator = Membership.objects.get(program=program, role=Role.COORDINATOR)

    # Accounts: an open and an accepted invitation; a director in an admin group.
    InvitationFactory(program=program, invited_by=people.director)
    InvitationFactory(
        program=program,
        invited_by=people.director,
        email=people.faculty.email,
        role=Role.FACULTY,
        accepted_user=people.faculty,
        accepted_at=now,
    )
    people.director.groups.add(Group.objects.create(name="Site staff"))

    # Curriculum and trainees: a milestone set with a descriptor, a multi-source form and two
    # rotations teaching some of its subcompetencies, the fellow's education.
    subs = milestone_subs(program)
    LevelDescriptor.objects.create(subcompetency=subs[0], level=1, text="Observes the block.")
    template = AssessmentTemplateFactory(
        program=program,
        milestone_set=subs[0].milestone_set,
        name="Multi-source evaluation",
        kind=AssessmentTemplate.Kind.MULTI_SOURCE,
    )
    template.subcompetencies.set(subs)
    evaluation = EvaluationFactory(
        request__program=program, request__fellow=fellow, request__template=template
    )
    block.rotation.subcompetencies.set(subs[:2])
    RotationFactory(program=program).subcompetencies.set(subs[1:])
    MedicalEducationFactory(membership=fellow)
    ResidencyFactory(membership=fellow)

    # Assessments: ratings, a finalised CCC review, a signed summative, a signature of each.
    built.signed.ratings.create(subcompetency=subs[0], level="3.5")
    review = finalised_ccc(fellow, people.director, year=year, levels={subs[1]: "3.0"})
    summative = SummativeEvaluation.objects.create(
        program=program,
        fellow=fellow,
        author=people.director,
        narrative="Ready for independent practice.",
        practices_independently=True,
        status=SummativeEvaluation.Status.SIGNED,
        signed_at=now,
    )
    signature = {"signed_at": now, "method": Signature.Method.PASSWORD, "content_hash": "a" * 64}
    Signature.objects.create(
        assessment=built.signed, signer=people.faculty, meaning="I observed it", **signature
    )
    Signature.objects.create(
        ccc_review=review, signer=people.director, meaning="Committee consensus", **signature
    )
    Signature.objects.create(
        summative_evaluation=summative, signer=people.director, meaning="Final", **signature
    )

    # The committee that agreed it, met with its members present; a leave policy and period;
    # the program's procedure log settings.
    committee = CompetencyCommittee.objects.create(program=program, quorum=2)
    committee.members.set([faculty, Membership.objects.get(program=program, role=Role.DIRECTOR)])
    meeting = CommitteeMeeting.objects.create(
        period=review.period, held_on=review.period.ends_on, recorded_by=people.director
    )
    meeting.present.set(committee.members.all())
    CCCReview.objects.filter(pk=review.pk).update(meeting=meeting)
    LeavePolicy.objects.create(program=program, allowance_days=5)
    enrolment = fellow.enrolments.order_by("pk").first()
    LeavePeriod.objects.create(
        enrolment=enrolment,
        kind=LeavePeriod.Kind.MEDICAL,
        start=enrolment.start_date,
        end=enrolment.start_date + datetime.timedelta(days=2),
    )
    ProcedureSettings.objects.create(program=program, split_pediatric_age_bands=True)

    # Boards: the ABA report of the CCC review's period, signed.
    aba = AbaFellowReport.objects.create(
        program=program,
        fellow=fellow,
        period=review.period,
        ccc_review=review,
        status=AbaFellowReport.Status.SIGNED,
        signed_at=now,
        signed_by=people.director,
    )
    BoardSignature.objects.create(
        report=aba,
        program=program,
        signer=people.director,
        meaning="ABA",
        seal="b" * 64,
        **signature,
    )

    # Evaluators: an open request besides the answered one, with a rating.
    RequestFactory(program=program, fellow=fellow, template=template)
    ExternalRatingFactory(evaluation=evaluation, subcompetency=subs[0])

    # Procedures: a favourite, the entry's history, and a deleted entry whose events stay
    # detached (one with a summary cut short before the fellow's membership).
    entry_type = built.entry.procedure_type
    FavouriteProcedure.objects.create(fellow=fellow, procedure_type=entry_type)
    ProcedureEntryEvent.objects.create(
        entry=built.entry, actor=people.fellow, action=ProcedureEntryEvent.Action.CREATED
    )
    doomed = ProcedureLogEntryFactory(
        program=program, fellow=fellow, supervisor=faculty, procedure_type=entry_type
    )
    ProcedureEntryEvent.objects.create(
        entry=doomed, actor=people.fellow, action=ProcedureEntryEvent.Action.CREATED
    )
    entry_delete(actor=people.fellow, entry=doomed)  # also writes an audit event
    ProcedureEntryEvent.objects.create(
        entry=None, actor=people.fellow, action=ProcedureEntryEvent.Action.DELETED, summary="x"
    )

    # Reminders: the director's settings, the fellow's preferences (none of them the default),
    # a sent digest with its reminder and a queued one.
    ReminderSettings.objects.create(
        program=program,
        days_before_deadline=10,
        escalate_after_days=14,
        verification_after_days=5,
        target_check_months=[4, 8],
    )
    NotificationPreference.objects.create(
        user=people.fellow,
        delivery=NotificationPreference.Delivery.IMMEDIATE,
        digest_hour=18,
        muted_kinds=[Kind.TARGETS_BEHIND, Kind.DEADLINE_UPCOMING],
        calendar_token=new_calendar_token(),
    )
    NotificationPreference.objects.create(user=people.faculty)
    digest = DeliveryFactory(
        recipient=people.fellow,
        kind=Delivery.Kind.DIGEST,
        key=f"digest:{people.fellow.pk}:{program.today()}",
        digest_date=program.today(),
        status=Delivery.Status.SENT,
        attempts=1,
        sent_at=now,
    )
    ReminderFactory(
        program=program,
        recipient=people.fellow,
        delivery=digest,
        status=Reminder.Status.SENT,
        sent_at=now,
    )
    ReminderFactory(program=program, recipient=people.faculty, read_at=now)

    # Didactics: a series and its requirement, a session on two subcompetencies with an
    # attendance and a lockout, a rotation's teacher, objective, resources and progress.
    series = SeriesFactory(program=program)
    AttendanceRequirement.objects.create(
        program=program, kind=SeriesKind.CORE_LECTURE, required_percent=80
    )
    session = SessionFactory(series=series, program=program, presenter=faculty)
    session.subcompetencies.set(subs[:2])
    AttendanceFactory(session=session, fellow=fellow, recorded_by=people.coordinator)
    CheckinThrottle.objects.create(
        session=session, fellow=fellow, failures=3, locked_until=now + datetime.timedelta(1)
    )
    TeacherFactory(rotation=block.rotation, faculty=faculty)
    objective = ObjectiveFactory(rotation=block.rotation)
    ObjectiveResource.objects.create(
        objective=objective, title="Reading list", url="https://example.test/reading"
    )
    ObjectiveResource.objects.create(
        objective=objective,
        title="Block guide",
        file=ContentFile(PDF, name="guide.pdf"),
        original_name="guide.pdf",
        size=len(PDF),
    )
    ProgressFactory(
        objective=objective, fellow=fellow, confirmed_by=people.faculty, confirmed_at=now
    )

    # The newer apps build their own rows (tests/<app>/rich.py).
    for build_rows in (workhours_rows, surveys_rows, portfolio_rows, program_evaluation_rows):
        build_rows(people, built)

    # Audit: a change recorded the usual way.
    audit_record(actor=coordinator.user, action="program.note", obj=program)


def build_other_program():
    """Another program's rows of the same kinds, none of which may travel with ours."""
    theirs = make_program_people(name="Other Pain Fellowship", institution="Other Hospital")
    fellow = Membership.objects.get(program=theirs.program, role=Role.FELLOW)
    NotificationPreference.objects.create(user=theirs.fellow, calendar_token=new_calendar_token())
    ReminderFactory(
        program=theirs.program,
        recipient=theirs.fellow,
        delivery=DeliveryFactory(recipient=theirs.fellow),
    )
    entry = ProcedureLogEntryFactory(program=theirs.program, fellow=fellow)
    entry_delete(actor=theirs.fellow, entry=entry)
    ProcedureEntryEvent.objects.create(
        entry=None, actor=theirs.fellow, action=ProcedureEntryEvent.Action.DELETED, summary="y"
    )


# --- Tests ----------------------------------------------------------------------------------


def test_every_table_round_trips_row_for_row(ours, tmp_path, settings):
    build_rich_program(ours)
    tables = covered_tables()
    before = snapshot(tables)
    empty = [label for label, rows in before.items() if not rows]
    assert not empty, f"build_rich_program gives these covered tables no rows: {empty}"
    files = stored_files()
    assert files, "the program has an uploaded file to carry"
    build_other_program()

    path = tmp_path / "record.json"
    call_command("export_program", ours.program.pk, output=str(path))
    call_command("flush", interactive=False, verbosity=0)
    settings.MEDIA_ROOT = tmp_path / "new-host-media"  # the new host has none of the files
    call_command("import_program", str(path))

    after = snapshot(tables)
    for label in tables:
        assert after[label] == before[label], f"{label} does not round-trip"
    assert stored_files() == files


def test_every_project_model_has_an_export_decision(settings):
    project = {name.rsplit(".", 1)[-1] for name in settings.LOCAL_APPS}
    undecided = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in project
        and not (EXPORTED.get(model._meta.label) or EXCLUDED.get(model._meta.label))
    ]
    assert not undecided, f"neither exported nor excluded (with a reason): {undecided}"
    assert coverage_problems() == []


def test_export_refuses_while_a_model_has_no_decision(ours, monkeypatch):
    monkeypatch.delitem(program_records.EXPORTED, "reminders.NotificationPreference")
    with pytest.raises(CoverageIncomplete, match=r"reminders\.NotificationPreference is neither"):
        program_export(program=ours.program)
    with pytest.raises(CommandError, match="the record would be incomplete"):
        call_command("export_program", ours.program.pk)


def test_a_relation_to_an_unexported_model_is_a_coverage_problem(monkeypatch):
    monkeypatch.delitem(program_records.STRIPPED, "accounts.User")
    assert "accounts.User.groups points at auth.Group, which is not exported" in " ".join(
        coverage_problems()
    )


def _record_with_a_file(people):
    objective = ObjectiveFactory(rotation=RotationFactory(program=people.program))
    ObjectiveResource.objects.create(
        objective=objective, title="Guide", file=ContentFile(PDF, name="guide.pdf"), size=len(PDF)
    )
    document = program_export(program=people.program)
    [entry] = document["files"]
    return json.loads(json.dumps(document)), entry["name"]


def test_import_refuses_a_different_file_under_the_same_name_and_writes_nothing(ours):
    document, name = _record_with_a_file(ours)
    call_command("flush", interactive=False, verbosity=0)
    # The media folder still holds the file, but with other content now.
    storage = ObjectiveResource._meta.get_field("file").storage
    storage.delete(name)
    storage.save(name, ContentFile(b"something else"))
    with pytest.raises(ImportRefused, match="A different file is already stored as"):
        program_import(document=document)
    assert not ObjectiveResource.objects.exists()
    with storage.open(name, "rb") as handle:
        assert handle.read() == b"something else"


def test_failed_import_removes_the_files_it_wrote(ours, tmp_path, settings):
    document, name = _record_with_a_file(ours)
    call_command("flush", interactive=False, verbosity=0)
    settings.MEDIA_ROOT = tmp_path / "empty-media"
    # A row pointing at a user the record does not hold: the restore fails at the end.
    broken = next(i for i in document["objects"] if i["model"] == "curriculum.membership")
    broken["fields"]["user"] = 999999
    with pytest.raises(ImportRefused, match="does not restore"):
        program_import(document=document)
    assert not ObjectiveResource.objects.exists()
    assert not ObjectiveResource._meta.get_field("file").storage.exists(name)


def _point_outside(document) -> None:
    """The row and its file both name a path outside the media folder."""
    row = next(i for i in document["objects"] if i["model"] == "didactics.objectiveresource")
    row["fields"]["file"] = document["files"][0]["name"] = "../outside.pdf"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["objects"].append({"model": "sessions.session", "pk": "x", "fields": {}}),
            "a sessions.session row, which a program record never holds",
        ),
        (lambda d: d["objects"].append(["not", "a", "row"]), "is not a model row"),
        (
            lambda d: d["objects"].append({"model": "curriculum.program", "pk": "x", "fields": {}}),
            "unusable primary key",
        ),
        (lambda d: d["files"][0].update(name="elsewhere.pdf"), "belongs to none of its rows"),
        (_point_outside, "has an unsafe name"),
        (lambda d: d["files"][0].update(content="%%%"), "is unreadable"),
    ],
)
def test_a_tampered_record_is_refused_with_nothing_written(ours, change, message):
    document, _ = _record_with_a_file(ours)
    call_command("flush", interactive=False, verbosity=0)
    change(document)
    with pytest.raises(ImportRefused, match=message):
        program_import(document=document)
    assert not ObjectiveResource.objects.exists()


def test_export_warns_about_an_upload_missing_from_storage(ours, tmp_path):
    _, name = _record_with_a_file(ours)
    ObjectiveResource._meta.get_field("file").storage.delete(name)
    path = tmp_path / "record.json"
    stderr = io.StringIO()
    call_command("export_program", ours.program.pk, output=str(path), stderr=stderr)
    assert f"Warning: {name} is referred to but missing from storage." in stderr.getvalue()
    document = json.loads(path.read_text())
    assert document["missing_files"] == [name]
    assert document["files"] == []
