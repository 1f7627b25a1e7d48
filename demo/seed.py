"""The demo program that `make run` loads: realistic people, published logins.

Idempotent: a second run finds every row and changes nothing. Later features extend it while
keeping these logins.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction

from accounts.services import user_ensure
from curriculum.models import Membership, Program, Rotation
from curriculum.services import (
    membership_grant,
    milestone_set_load_default,
    program_create,
    rotation_create,
)
from trainees.models import AcademicYear, Cohort, Enrolment, LeavePeriod
from trainees.services.calendar import calendar_generate
from trainees.services.leave import leave_period_add
from trainees.services.pathway import (
    academic_year_create,
    cohort_create,
    enrolment_create,
    pathway_update,
)
from trainees.services.schedule import schedule_block_create

from .assessments import demo_assessments_seed
from .didactics import demo_didactics_seed
from .evaluators import demo_evaluators_seed
from .people import DEMO_INSTITUTION, DEMO_PASSWORD, DEMO_PEOPLE, DEMO_PROGRAM_NAME, DEMO_TIMEZONE
from .portfolio import demo_portfolio_seed
from .procedures import demo_procedures_seed
from .program_evaluation import demo_program_evaluation_seed
from .surveys import demo_surveys_seed
from .workhours import demo_work_hours_seed

D = Rotation.Discipline
# name, grid short name, discipline, site, longitudinal, subcompetencies it mainly serves
DEMO_ROTATIONS = [
    (
        "Continuity pain clinic",
        "CLIN",
        D.CHRONIC_PAIN_CLINIC,
        "Pain Center",
        True,
        ["PC1", "PC3", "ICS1"],
    ),
    (
        "Interventional pain procedures",
        "IPP",
        D.CHRONIC_PAIN_CLINIC,
        "Pain Center",
        False,
        ["PC4", "MK2"],
    ),
    (
        "Acute pain service",
        "APS",
        D.ACUTE_PAIN,
        "University Hospital",
        False,
        ["PC3", "PC5", "ICS2"],
    ),
    ("Cancer pain", "CAN", D.CANCER_PAIN, "Cancer Institute", False, ["PC3", "MK1", "ICS1"]),
    ("Pediatric pain", "PED", D.PEDIATRIC_PAIN, "Children's Hospital", False, ["PC1", "ICS1"]),
    (
        "Regional anesthesia",
        "REG",
        D.REGIONAL_ANESTHESIA,
        "University Hospital",
        False,
        ["PC4", "SBP1"],
    ),
    ("Headache neurology", "NEU", D.NEUROLOGY, "Neurology Clinic", False, ["PC1", "MK1"]),
    ("Pain psychology", "PSY", D.PSYCHIATRY, "Behavioral Medicine", False, ["PC2", "ICS1"]),
    (
        "Physical medicine & rehabilitation",
        "PMR",
        D.PMR,
        "Rehabilitation Institute",
        False,
        ["PC3", "SBP2"],
    ),
    ("Palliative care", "PAL", D.PALLIATIVE, "Hospice Unit", False, ["PC3", "PROF1"]),
    ("Neuroradiology", "NRAD", D.NEURORADIOLOGY, "Imaging Center", False, ["MK2"]),
    ("Neuromodulation", "NMOD", D.CHRONIC_PAIN_CLINIC, "Pain Center", False, ["PC4", "SBP1"]),
    ("Elective", "ELEC", D.ELECTIVE, "", False, ["PBLI1"]),
]
MAIN_ROTATIONS = [r[0] for r in DEMO_ROTATIONS if not r[4]]

# Each fellow's background: degree, school, country, graduation year, residency specialty,
# residency program, completion year, board status.
DEMO_PATHWAYS = [
    (
        "md",
        "University of Michigan Medical School",
        "United States",
        2018,
        "anesthesiology",
        "Northwestern Anesthesiology",
        2026,
        "eligible",
    ),
    (
        "do",
        "Kansas City University",
        "United States",
        2018,
        "pmr",
        "Mayo Clinic PM&R",
        2026,
        "eligible",
    ),
    (
        "mbbs",
        "Aga Khan University",
        "Pakistan",
        2016,
        "neurology",
        "University of Iowa Neurology",
        2026,
        "eligible",
    ),
    (
        "md",
        "Universidad de Guadalajara",
        "Mexico",
        2017,
        "anesthesiology",
        "Baylor Anesthesiology",
        2026,
        "eligible",
    ),
    (
        "md",
        "Heidelberg University",
        "Germany",
        2017,
        "psychiatry",
        "Johns Hopkins Psychiatry",
        2026,
        "certified",
    ),
    (
        "md",
        "Keio University",
        "Japan",
        2018,
        "emergency_medicine",
        "Emory Emergency Medicine",
        2026,
        "eligible",
    ),
]
DEMO_YEAR_START = datetime.date(2026, 7, 1)
BLOCK_DAYS = 28  # four-week blocks, the usual unit of a rotation schedule


@dataclass(frozen=True)
class SeedResult:
    program: Program
    users_created: int
    memberships_created: int


def demo_program_seed() -> SeedResult:
    """Create the demo program and its people where they are missing."""
    with transaction.atomic():
        program = Program.objects.filter(
            name=DEMO_PROGRAM_NAME, institution=DEMO_INSTITUTION
        ).first() or program_create(
            actor=None,
            name=DEMO_PROGRAM_NAME,
            institution=DEMO_INSTITUTION,
            timezone=DEMO_TIMEZONE,
        )
        users_created = memberships_created = 0
        for email, full_name, role in DEMO_PEOPLE:
            user, created = user_ensure(email=email, full_name=full_name, password=DEMO_PASSWORD)
            users_created += created
            existed = Membership.objects.filter(program=program, user=user, role=role).exists()
            membership_grant(actor=None, program=program, user=user, role=role)
            memberships_created += not existed
        if not Cohort.objects.filter(program=program).exists():
            _seed_training_year(program)
        demo_evaluators_seed(program=program)
        demo_didactics_seed(program=program)
        demo_work_hours_seed(program=program)
        demo_surveys_seed(program=program)
        demo_portfolio_seed(program=program)
        demo_program_evaluation_seed(program=program)
    return SeedResult(program, users_created, memberships_created)


def _seed_training_year(program: Program) -> None:
    """Milestones, rotations, the 2026-2027 cohort with pathways and a full schedule, and the
    calendar generated from it. Runs once: a program that has a cohort is left alone."""
    milestone_set_load_default(actor=None, program=program)
    subcompetencies = {sub.code: sub for sub in program.milestone_sets.get().subcompetencies.all()}
    rotations = {}
    for name, short, discipline, site, longitudinal, codes in DEMO_ROTATIONS:
        rotations[name] = Rotation.objects.filter(program=program, name=name).first() or (
            rotation_create(
                actor=None,
                program=program,
                name=name,
                short_name=short,
                discipline=discipline,
                site=site,
                is_longitudinal=longitudinal,
                subcompetencies=[subcompetencies[c] for c in codes],
            )
        )
    year = AcademicYear.objects.filter(program=program, start_date=DEMO_YEAR_START).first()
    year = year or academic_year_create(actor=None, program=program, start_date=DEMO_YEAR_START)
    cohort = cohort_create(actor=None, program=program, academic_year=year, name="Class of 2027")
    fellows = (
        Membership.objects.filter(
            program=program, role=Membership.Role.FELLOW, user__email__endswith="@demo.test"
        )
        .select_related("user")
        .order_by("user__email")
    )
    for index, (membership, pathway) in enumerate(zip(fellows, DEMO_PATHWAYS, strict=True)):
        degree, school, country, grad, specialty, residency, done, board = pathway
        pathway_update(
            actor=None,
            membership=membership,
            medical_education={
                "degree": degree,
                "school": school,
                "country": country,
                "graduation_year": grad,
            },
            residency={
                "specialty": specialty,
                "program_name": residency,
                "completion_year": done,
                "board_status": board,
            },
        )
        enrolment = enrolment_create(
            actor=None, cohort=cohort, membership=membership, start_date=year.start_date
        )
        if index == 5:  # three weeks of leave of absence, which moves this fellow's end date
            leave_period_add(
                actor=None,
                enrolment=enrolment,
                kind=LeavePeriod.Kind.MEDICAL,
                start=year.start_date + datetime.timedelta(days=120),
                end=year.start_date + datetime.timedelta(days=140),
            )
            enrolment.refresh_from_db()
        _seed_schedule(enrolment, rotations, offset=index * 2)
    calendar_generate(actor=None, academic_year=year)
    demo_procedures_seed(program=program, since=year.start_date)
    director = Membership.objects.get(
        program=program, role=Membership.Role.DIRECTOR, user__email="director@demo.test"
    ).user
    demo_assessments_seed(program=program, director=director, today=program.today())


def _seed_schedule(enrolment: Enrolment, rotations: dict, offset: int) -> None:
    """The continuity clinic for the whole enrolment and four-week main blocks end to end,
    each fellow starting at a different point of the rotation list so services are staffed."""
    schedule_block_create(
        actor=None,
        enrolment=enrolment,
        rotation=rotations["Continuity pain clinic"],
        start_date=enrolment.start_date,
        end_date=enrolment.expected_end_date,
    )
    start, index, last = enrolment.start_date, offset, enrolment.expected_end_date
    while start <= last:
        end = min(start + datetime.timedelta(days=BLOCK_DAYS - 1), last)
        rotation = rotations[MAIN_ROTATIONS[index % len(MAIN_ROTATIONS)]]
        schedule_block_create(
            actor=None, enrolment=enrolment, rotation=rotation, start_date=start, end_date=end
        )
        start, index = end + datetime.timedelta(days=1), index + 1
