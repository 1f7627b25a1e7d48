"""Demo didactics: a year of conferences, attendance at the past ones, rotation objectives.

Idempotent: a program that already has a conference series is left alone. Series,
requirements, objectives, teachers and resources go through the services; the sessions, past
attendance and the fellows' objective progress are bulk-inserted (the demo has no real fellows
to check in, and one service call per session made the seed several seconds slower).
Deterministic: no randomness, the same dates give the same roll.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from curriculum.models import Membership, Program, Rotation, Subcompetency
from didactics.models import Attendance, ObjectiveProgress, Series, SeriesKind, Session
from didactics.services.attendance import requirement_set
from didactics.services.objectives import objective_create, resource_add, teacher_add
from didactics.services.schedule import series_create

Role = Membership.Role
Domain = Subcompetency.SeedDomain
T = datetime.time

CORE_TOPICS = [
    ("Pain pathways and central sensitisation", [Domain.ASSESSMENT], ["MK1"]),
    ("History and examination of the spine", [Domain.ASSESSMENT], ["PC1"]),
    ("Imaging for the pain physician", [Domain.ASSESSMENT], ["MK2"]),
    ("Fluoroscopy safety and radiation dose", [Domain.INTERVENTIONAL], ["PC4", "SBP1"]),
    ("Epidural steroid injections: evidence and technique", [Domain.INTERVENTIONAL], ["PC4"]),
    ("Radiofrequency ablation", [Domain.INTERVENTIONAL], ["PC4"]),
    ("Neuromodulation: patient selection", [Domain.INTERVENTIONAL], ["PC3", "PC4"]),
    ("Psychological assessment of chronic pain", [Domain.ASSESSMENT], ["PC2"]),
    ("Breaking difficult news about pain outcomes", [Domain.COMMUNICATION], ["ICS1"]),
    ("Working with physical therapy and psychology", [Domain.INTERDISCIPLINARY], ["ICS2"]),
    ("Cancer pain management", [Domain.PHARMACOLOGY, Domain.INTERDISCIPLINARY], ["PC3"]),
    ("Headache syndromes", [Domain.ASSESSMENT], ["PC1", "MK1"]),
]
PHARMACOLOGY_TOPICS = [
    "Opioids: pharmacology and conversion",
    "Opioid risk assessment and tapering",
    "Buprenorphine in chronic pain",
    "Adjuvants: gabapentinoids",
    "Adjuvants: antidepressants",
    "Anti-inflammatory drugs and their risks",
    "Topical agents and ketamine",
]
# Objectives per rotation: (text, domain), with one link resource on the first.
OBJECTIVES = {
    "Acute pain service": [
        ("Manage a multimodal perioperative analgesia plan", Domain.PHARMACOLOGY),
        ("Place and manage epidural and peripheral nerve catheters", Domain.INTERVENTIONAL),
        ("Hand over acute pain patients to the ward team clearly", Domain.COMMUNICATION),
    ],
    "Interventional pain procedures": [
        ("Obtain informed consent for common spine procedures", Domain.COMMUNICATION),
        ("Perform a lumbar transforaminal injection under fluoroscopy", Domain.INTERVENTIONAL),
        ("Recognise and manage vasovagal and local anaesthetic toxicity", Domain.INTERVENTIONAL),
    ],
    "Cancer pain": [
        ("Convert between opioids and routes safely", Domain.PHARMACOLOGY),
        ("Plan care with oncology and palliative teams", Domain.INTERDISCIPLINARY),
    ],
    "Pain psychology": [
        ("Screen for depression, anxiety and catastrophising", Domain.ASSESSMENT),
        ("Explain a biopsychosocial plan to a patient", Domain.COMMUNICATION),
    ],
    "Continuity pain clinic": [
        ("Complete a comprehensive chronic pain assessment", Domain.ASSESSMENT),
        ("Run an opioid treatment agreement visit", Domain.PHARMACOLOGY),
        ("Coordinate care with physical therapy", Domain.INTERDISCIPLINARY),
    ],
}
RESOURCE = ("ACGME Pain Medicine program requirements", "https://www.acgme.org/specialties/")


def demo_didactics_seed(*, program: Program) -> int:
    """Seed the demo program's didactics once; returns how many sessions were created."""
    if Series.objects.filter(program=program).exists():
        return 0
    year = program.academic_years.order_by("start_date").first()
    if year is None:
        return 0
    with transaction.atomic():
        sessions = _seed_calendar(program, year.start_date, year.end_date)
        _seed_attendance(program)
        _seed_objectives(program)
    return sessions


def _people(program: Program, role: str) -> list[Membership]:
    return list(
        Membership.objects.filter(program=program, role=role, is_active=True)
        .select_related("user")
        .order_by("user__email")
    )


def _weekday_dates(first: datetime.date, last: datetime.date, weekday: int, step_weeks: int):
    day = first + datetime.timedelta(days=(weekday - first.weekday()) % 7)
    while day <= last:
        yield day
        day += datetime.timedelta(weeks=step_weeks)


def _monthly(first: datetime.date, last: datetime.date, weekday: int, nth: int):
    month = first.replace(day=1)
    while month <= last:
        day = month + datetime.timedelta(days=(weekday - month.weekday()) % 7 + 7 * (nth - 1))
        if first <= day <= last:
            yield day
        month = (month + datetime.timedelta(days=32)).replace(day=1)


def _seed_calendar(program: Program, first: datetime.date, last: datetime.date) -> int:
    faculty = _people(program, Role.FACULTY)
    subs = {s.code: s for s in Subcompetency.objects.filter(milestone_set__program=program)}
    core = series_create(
        actor=None, program=program, name="Core lectures", kind=SeriesKind.CORE_LECTURE
    )
    journal = series_create(
        actor=None, program=program, name="Journal club", kind=SeriesKind.JOURNAL_CLUB
    )
    mm = series_create(
        actor=None,
        program=program,
        name="Morbidity and mortality",
        kind=SeriesKind.MORBIDITY_MORTALITY,
    )
    pharm = series_create(
        actor=None,
        program=program,
        name="Pharmacology: opioids, adjuvants and anti-inflammatories",
        kind=SeriesKind.PHARMACOLOGY,
    )
    requirement_set(actor=None, program=program, kind=SeriesKind.JOURNAL_CLUB, required_percent=75)
    count = 0
    pending: list[tuple[Session, list]] = []

    def add(*, actor, series, subcompetencies, **fields) -> None:
        # Bulk-inserted: the demo's sessions are known to be valid (see session_create).
        pending.append((Session(program=program, series=series, **fields), subcompetencies))

    for index, day in enumerate(_weekday_dates(first, last, weekday=2, step_weeks=1)):
        topic, domains, codes = CORE_TOPICS[index % len(CORE_TOPICS)]
        presenter = faculty[index % len(faculty)] if index % 6 else None
        add(
            actor=None,
            series=core,
            date=day,
            start_time=T(7, 0),
            end_time=T(8, 0),
            topic=topic,
            presenter=presenter,
            guest_presenter="" if presenter else "Visiting professor",
            location="Pain Center conference room",
            seed_domains=domains,
            subcompetencies=[subs[c] for c in codes if c in subs],
        )
        count += 1
    for index, day in enumerate(_monthly(first, last, weekday=3, nth=1)):
        add(
            actor=None,
            series=journal,
            date=day,
            start_time=T(17, 0),
            end_time=T(18, 0),
            topic=f"Journal club: {day:%B} articles",
            presenter=faculty[index % len(faculty)],
            seed_domains=[Domain.ASSESSMENT],
            subcompetencies=[subs[c] for c in ("PBLI1",) if c in subs],
        )
        count += 1
    for index, day in enumerate(_monthly(first, last, weekday=4, nth=3)):
        add(
            actor=None,
            series=mm,
            date=day,
            start_time=T(7, 0),
            end_time=T(8, 0),
            topic=f"M&M: {day:%B} cases",
            presenter=faculty[(index + 1) % len(faculty)],
            subcompetencies=[subs[c] for c in ("SBP1", "PBLI2") if c in subs],
        )
        count += 1
    for index, day in enumerate(_weekday_dates(first, last, weekday=1, step_weeks=2)):
        add(
            actor=None,
            series=pharm,
            date=day,
            start_time=T(12, 0),
            end_time=T(13, 0),
            topic=PHARMACOLOGY_TOPICS[index % len(PHARMACOLOGY_TOPICS)],
            presenter=faculty[(index + 2) % len(faculty)],
            seed_domains=[Domain.PHARMACOLOGY],
            subcompetencies=[subs[c] for c in ("MK1", "PC3") if c in subs],
        )
        count += 1
    created = Session.objects.bulk_create([session for session, _ in pending])
    through = Session.subcompetencies.through
    through.objects.bulk_create(
        through(session_id=session.pk, subcompetency_id=sub.pk)
        for session, (_, subs_of_session) in zip(created, pending, strict=True)
        for sub in subs_of_session
    )
    return count


def _seed_attendance(program: Program) -> None:
    """Past sessions: most fellows miss about one session in twelve (half of those excused);
    the last fellow misses two in five and is below every requirement."""
    fellows = _people(program, Role.FELLOW)
    coordinator = next(iter(_people(program, Role.COORDINATOR)), None)
    past = Session.objects.filter(program=program, date__lt=program.today()).select_related(
        "program"
    )
    seen: dict[int, int] = {}  # series id -> sessions so far
    rows = []
    for session in past.order_by("date"):
        number = seen[session.series_id] = seen.get(session.series_id, -1) + 1
        for index, fellow in enumerate(fellows):
            if index == len(fellows) - 1:
                status = None if number % 5 in (1, 3) else Attendance.Status.PRESENT
            else:
                turn = (number + 2 * index) % 12
                status = {0: None, 6: Attendance.Status.EXCUSED}.get(
                    turn, Attendance.Status.PRESENT
                )
            if status == Attendance.Status.PRESENT:
                rows.append(
                    Attendance(
                        session=session,
                        fellow=fellow,
                        status=status,
                        method=Attendance.Method.CHECK_IN,
                        recorded_by=fellow.user,
                        recorded_at=session.starts_at + datetime.timedelta(minutes=3),
                    )
                )
            elif status == Attendance.Status.EXCUSED:
                rows.append(
                    Attendance(
                        session=session,
                        fellow=fellow,
                        status=status,
                        method=Attendance.Method.ROLL,
                        reason="On call for the acute pain service",
                        recorded_by=coordinator.user if coordinator else None,
                        recorded_at=session.ends_at + datetime.timedelta(hours=2),
                    )
                )
    Attendance.objects.bulk_create(rows)


def _seed_objectives(program: Program) -> None:
    rotations = {r.name: r for r in Rotation.objects.filter(program=program)}
    faculty = _people(program, Role.FACULTY)
    fellows = _people(program, Role.FELLOW)
    director = Membership.objects.filter(program=program, role=Role.DIRECTOR).first()
    for index, (name, objectives) in enumerate(OBJECTIVES.items()):
        rotation = rotations.get(name)
        if rotation is None:
            continue
        teacher = faculty[index % len(faculty)] if faculty else None
        if teacher:
            teacher_add(actor=None, rotation=rotation, faculty=teacher)
        created = [
            objective_create(actor=None, rotation=rotation, text=text, seed_domain=domain)
            for text, domain in objectives
        ]
        title, url = RESOURCE
        resource_add(actor=None, objective=created[0], title=title, url=url)
        now = timezone.now()
        progress = []
        for number, fellow in enumerate(fellows):
            for position, objective in enumerate(created):
                if (number + position + index) % 3 == 0:
                    continue
                confirmed = (number + position) % 2 == 0
                confirmer = teacher.user if teacher else director.user
                progress.append(
                    ObjectiveProgress(
                        objective=objective,
                        fellow=fellow,
                        met_at=now - datetime.timedelta(days=20 + position),
                        confirmed_by=confirmer if confirmed else None,
                        confirmed_at=now - datetime.timedelta(days=10) if confirmed else None,
                    )
                )
        ObjectiveProgress.objects.bulk_create(progress)
