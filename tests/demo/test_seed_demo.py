import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from assessments.models import Assessment, Signature
from curriculum.models import Membership, MilestoneSet, Program, Rotation
from demo.people import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from procedures.models import ProcedureLogEntry, ProcedureTarget, ProcedureType
from trainees.models import (
    AcademicYear,
    Cohort,
    Deadline,
    Enrolment,
    MedicalEducation,
    Residency,
    ScheduleBlock,
)
from trainees.schedule import Span, find_gaps, find_overlaps

DEMO_LOGINS = [
    "director@demo.test",
    "coordinator@demo.test",
    *[f"faculty{i}@demo.test" for i in (1, 2, 3)],
    *[f"fellow{i}@demo.test" for i in range(1, 7)],
]


def snapshot() -> list[list[tuple]]:
    """Every row the seed writes, with its last-changed time."""
    models = [
        User,
        Membership,
        Program,
        Rotation,
        AcademicYear,
        Cohort,
        Enrolment,
        ScheduleBlock,
        Deadline,
        MilestoneSet,
        MedicalEducation,
        Residency,
        ProcedureType,
        ProcedureTarget,
        ProcedureLogEntry,
        Assessment,
        Signature,
    ]
    return [list(m.objects.order_by("pk").values_list("pk", "updated_at")) for m in models]


@pytest.mark.django_db
def test_seed_demo_creates_the_program_and_every_login(capsys):
    call_command("seed_demo")
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    for email in DEMO_LOGINS:
        user = User.objects.get(email=email)
        assert user.check_password(DEMO_PASSWORD)
        assert user.memberships.get(program=program).is_active
    roles = Membership.objects.filter(program=program).values_list("role", flat=True)
    assert sorted(roles) == sorted(["director", "coordinator"] + ["faculty"] * 3 + ["fellow"] * 6)
    assert "fellow6@demo.test" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing(capsys):
    call_command("seed_demo")
    before = snapshot()
    call_command("seed_demo")
    assert snapshot() == before
    assert "nothing changed" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_is_refused_under_production_settings(settings):
    settings.SEED_DEMO_ALLOWED = False
    with pytest.raises(CommandError, match="refused under production"):
        call_command("seed_demo")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_builds_a_realistic_training_year():
    call_command("seed_demo", verbosity=0)
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    assert program.milestone_sets.get().subcompetencies.count() == 18
    assert program.rotations.count() >= 10
    enrolments = Enrolment.objects.filter(cohort__program=program).prefetch_related(
        "blocks__rotation"
    )
    assert enrolments.count() == 6
    for enrolment in enrolments:
        spans = [
            Span(b.start_date, b.end_date, longitudinal=b.rotation.is_longitudinal)
            for b in enrolment.blocks.all()
        ]
        assert find_overlaps(spans) == []
        assert (
            find_gaps(spans, enrolment.start_date, enrolment.expected_end_date) == []
        )  # full schedule
        assert MedicalEducation.objects.filter(membership=enrolment.membership).exists()
        assert Residency.objects.filter(membership=enrolment.membership).exists()
    assert enrolments.filter(leave_days__gt=0).count() == 1
    kinds = set(Deadline.objects.filter(program=program).values_list("kind", flat=True))
    assert kinds == {"ccc_review", "rotation_evaluation", "final_summative"}


@pytest.mark.django_db
def test_seed_demo_logs_several_hundred_procedures_some_pending():
    call_command("seed_demo", verbosity=0)
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    entries = ProcedureLogEntry.objects.filter(program=program)
    assert entries.count() >= 300
    assert entries.filter(status="pending").exists() and entries.filter(status="verified").exists()
    assert entries.values("fellow").distinct().count() == 6
    assert ProcedureTarget.objects.filter(program=program).count() >= 5
    assert not entries.exclude(supervisor__role="faculty").exists()


@pytest.mark.django_db
def test_seed_demo_has_signed_assessments_that_verify_and_some_waiting(capsys):
    call_command("seed_demo", verbosity=0)
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    assessments = Assessment.objects.filter(program=program)
    assert assessments.filter(status__in=["signed", "acknowledged"]).count() >= 20
    assert assessments.filter(status="draft").exists()  # waiting in faculty queues
    call_command("verify_signatures")
    assert "all match" in capsys.readouterr().out
