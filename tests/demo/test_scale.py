from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from assessments.models import Assessment, CCCReview, ConsensusLevel, Rating, Signature
from assessments.services.signatures.verify import signature_verify_all
from curriculum.models import Membership, Program
from demo.scale import SCALE_INSTITUTION, ScaleSizes, scale_build
from procedures.models import ProcedureLogEntry
from trainees.models import Deadline, Enrolment
from workhours.models import Shift

SMALL = ScaleSizes(
    years=2,
    fellows_per_year=2,
    large_fellows_per_year=3,
    faculty=2,
    entries_per_fellow_year=20,
    assessments_per_fellow_year=6,
)


@pytest.mark.django_db
def test_scale_build_creates_programs_people_and_history():
    result = scale_build(programs=2, sizes=SMALL)
    programs = Program.objects.filter(institution=SCALE_INSTITUTION)
    assert programs.count() == 2
    assert len(result.created) == 2
    fellows = Enrolment.objects.filter(cohort__program__in=programs)
    assert fellows.count() == 2 * 3 + 2 * 2  # the first program is the large one
    assert result.counts["fellows"] == fellows.count()
    assert Membership.objects.filter(program__in=programs, role="faculty").count() == 4
    # Several years: the past cohort completed, one current fellow on leave.
    assert fellows.filter(status="completed").count() == 3 + 2
    assert fellows.filter(status="leave").count() == 2
    entries = ProcedureLogEntry.objects.filter(program__in=programs)
    assert entries.count() == result.counts["procedure_entries"] > 20
    assessments = Assessment.objects.filter(program__in=programs)
    assert assessments.count() == result.counts["assessments"] > 6
    signed = assessments.filter(status__in=["signed", "acknowledged"])
    assert Rating.objects.filter(assessment__in=signed).count() == result.counts["ratings"]
    assert not Rating.objects.exclude(assessment__in=signed).exists()
    assert Signature.objects.filter(assessment__isnull=False).count() == signed.count()
    assert signature_verify_all() == []  # real hashes, like signing makes
    reviews = CCCReview.objects.filter(period__program__in=programs)
    assert reviews.count() == result.counts["ccc_reviews"] > 0
    assert set(reviews.values_list("status", flat=True)) == {"finalised"}
    assert ConsensusLevel.objects.filter(review__in=reviews).count() == reviews.count() * 18
    assert Deadline.objects.filter(program__in=programs).count() == result.counts["deadlines"]
    # Work hours: about six months of shifts for every fellow (the past cohort's at least).
    shifts = Shift.objects.filter(program__in=programs)
    assert shifts.count() == result.counts["work_hour_shifts"] > 0
    past = fellows.filter(status="completed").values_list("membership_id", flat=True)
    assert set(shifts.values_list("fellow_id", flat=True)) >= set(past)
    # One shared password hash, not a PBKDF2 run per user.
    hashes = set(
        User.objects.filter(email__endswith="@scale.test").values_list("password", flat=True)
    )
    assert len(hashes) == 1


@pytest.mark.django_db
def test_scale_build_is_idempotent():
    scale_build(programs=1, sizes=SMALL)
    entries = ProcedureLogEntry.objects.count()
    result = scale_build(programs=2, sizes=SMALL)
    assert len(result.present) == 1 and len(result.created) == 1
    assert Program.objects.filter(institution=SCALE_INSTITUTION).count() == 2
    assert ProcedureLogEntry.objects.count() > entries
    again = scale_build(programs=2, sizes=SMALL)
    assert again.created == [] and len(again.present) == 2


@pytest.mark.django_db
def test_seed_demo_scale_command_reports_counts_and_time():
    out = StringIO()
    call_command(
        "seed_demo",
        "--scale",
        "1",
        "--years",
        "1",
        "--large-fellows-per-year",
        "2",
        "--faculty",
        "1",
        "--entries-per-fellow",
        "10",
        "--assessments-per-fellow",
        "4",
        stdout=out,
    )
    text = out.getvalue()
    assert "Built 1 scale program(s) in" in text
    assert Enrolment.objects.count() == 2
    out = StringIO()
    call_command("seed_demo", "--scale", "1", stdout=out)
    assert "already present" in out.getvalue()
    assert Enrolment.objects.count() == 2
