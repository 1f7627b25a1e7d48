"""The demo seed: a year of conferences, attendance with one fellow short, objectives; once."""

import datetime

from curriculum.models import Membership
from demo.didactics import OBJECTIVES, demo_didactics_seed
from didactics.models import Attendance, LearningObjective, ObjectiveProgress, Series, Session
from didactics.selectors import attendance_summary, objective_progress
from tests.curriculum.factories import MembershipFactory, RotationFactory
from tests.trainees.factories import AcademicYearFactory, CohortFactory, EnrolmentFactory

Role = Membership.Role


def test_demo_seed_builds_a_year_once(ours):
    program = ours.program
    year_start = program.today().replace(month=7, day=1)
    if year_start > program.today():
        year_start = year_start.replace(year=year_start.year - 1)
    year = AcademicYearFactory(
        program=program,
        start_date=year_start,
        end_date=year_start.replace(year=year_start.year + 1) - datetime.timedelta(days=1),
    )
    fellows = [Membership.objects.get(user=ours.fellow, program=program)] + [
        MembershipFactory(program=program, role=Role.FELLOW) for _ in range(5)
    ]
    cohort = CohortFactory(program=program, academic_year=year)
    for fellow in fellows:
        EnrolmentFactory(cohort=cohort, membership=fellow)
    for name in OBJECTIVES:
        RotationFactory(program=program, name=name)

    created = demo_didactics_seed(program=program)
    assert created == Session.objects.filter(program=program).count() > 100
    kinds = set(Series.objects.filter(program=program).values_list("kind", flat=True))
    assert {"core_lecture", "journal_club", "mm", "pharmacology"} <= kinds
    assert Attendance.objects.filter(session__date__gte=program.today()).count() == 0
    past = Session.objects.filter(program=program, date__lt=program.today()).exists()
    short = [
        fellow
        for fellow in fellows
        if any(row.shortfall for row in attendance_summary(fellow=fellow))
    ]
    if past:
        assert short == [sorted(fellows, key=lambda f: f.user.email)[-1]]
    assert LearningObjective.objects.filter(rotation__program=program).count() == 13
    assert ObjectiveProgress.objects.filter(confirmed_at__isnull=False).exists()
    assert any(row.met for row in objective_progress(fellow=fellows[0]))

    counts = (
        Session.objects.count(),
        Attendance.objects.count(),
        ObjectiveProgress.objects.count(),
    )
    assert demo_didactics_seed(program=program) == 0
    assert counts == (
        Session.objects.count(),
        Attendance.objects.count(),
        ObjectiveProgress.objects.count(),
    )
