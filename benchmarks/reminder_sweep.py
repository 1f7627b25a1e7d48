"""Benchmark: the reminder sweep over 10,000 fellows on PostgreSQL.

``measure(fellows=10_000)`` builds (bulk inserts, once; reused when present) programs of 500
fellows, each fellow with a final summative deadline coming up, an overdue assessment and a
procedure entry waiting for verification, at the 6-month target checkpoint. Then it times the
sweep: every run starts from an empty ledger (the ledger is cleared between repeats, otherwise
repeats would be no-ops), without handing email to a broker (``enqueue=False``).

Run against its own database:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fellowship_bench \
        .venv/bin/python -m benchmarks.reminder_sweep
"""

import datetime
import os
import statistics
import time

PER_PROGRAM = 500
FACULTY_PER_PROGRAM = 10
REPEATS = 3
PREFIX = "Reminder bench"
UNUSABLE = "!"  # an unusable password hash: nobody signs in as a bench user


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _months_ago(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, 28))


def _build_program(index: int, fellows: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from assessments.models import Assessment, AssessmentTemplate
    from curriculum.models import Membership, MilestoneSet, Program
    from procedures.models import (
        ProcedureCategory,
        ProcedureLogEntry,
        ProcedureTarget,
        ProcedureType,
    )
    from trainees.models import AcademicYear, Cohort, Deadline, Enrolment

    Role = Membership.Role
    with transaction.atomic():
        program = Program.objects.create(name=f"{PREFIX} {index}", institution="Bench")
        today = program.today()
        start = _months_ago(today, 6)
        year = AcademicYear.objects.create(
            program=program, start_date=start, end_date=start.replace(year=start.year + 1)
        )
        cohort = Cohort.objects.create(program=program, academic_year=year, name="Bench")
        tag = f"b{index}"
        users = User.objects.bulk_create(
            [User(email=f"{tag}-director@bench.test", password=UNUSABLE)]
            + [User(email=f"{tag}-coordinator@bench.test", password=UNUSABLE)]
            + [
                User(email=f"{tag}-faculty{n}@bench.test", password=UNUSABLE)
                for n in range(FACULTY_PER_PROGRAM)
            ]
            + [
                User(
                    email=f"{tag}-fellow{n}@bench.test", password=UNUSABLE, full_name=f"Fellow {n}"
                )
                for n in range(fellows)
            ]
        )
        roles = [Role.DIRECTOR, Role.COORDINATOR] + [Role.FACULTY] * FACULTY_PER_PROGRAM
        roles += [Role.FELLOW] * fellows
        members = Membership.objects.bulk_create(
            [Membership(user=u, program=program, role=r) for u, r in zip(users, roles, strict=True)]
        )
        faculty = members[2 : 2 + FACULTY_PER_PROGRAM]
        fellow_members = members[2 + FACULTY_PER_PROGRAM :]
        enrolments = Enrolment.objects.bulk_create(
            [
                Enrolment(
                    membership=m, cohort=cohort, start_date=year.start_date, end_date=year.end_date
                )
                for m in fellow_members
            ]
        )
        Deadline.objects.bulk_create(
            [
                Deadline(
                    program=program,
                    academic_year=year,
                    kind=Deadline.Kind.FINAL_SUMMATIVE,
                    title=f"Final summative evaluation - Fellow {n}",
                    due_date=today + datetime.timedelta(days=3),
                    enrolment=e,
                    key=f"final:{e.pk}",
                )
                for n, e in enumerate(enrolments)
            ]
            + [
                Deadline(
                    program=program,
                    academic_year=year,
                    kind=Deadline.Kind.CCC_REVIEW,
                    title="Mid-year CCC milestone review",
                    due_date=today + datetime.timedelta(days=5),
                )
            ]
        )
        milestones = MilestoneSet.objects.create(
            program=program,
            specialty="Pain Medicine",
            version="2.0",
            effective_date=datetime.date(2022, 7, 1),
        )
        template = AssessmentTemplate.objects.create(
            program=program,
            milestone_set=milestones,
            name="End of rotation",
            kind="end_of_rotation",
        )
        Assessment.objects.bulk_create(
            [
                Assessment(
                    program=program,
                    template=template,
                    fellow=m,
                    assessor=faculty[n % len(faculty)],
                    observed_on=today - datetime.timedelta(days=40),
                    due_date=today - datetime.timedelta(days=20),
                )
                for n, m in enumerate(fellow_members)
            ]
        )
        category = ProcedureCategory.objects.create(program=program, name="Facet")
        procedure = ProcedureType.objects.create(
            program=program,
            category=category,
            name="Medial branch block",
            allowed_guidance=["fluoroscopy"],
        )
        ProcedureTarget.objects.create(program=program, procedure_type=procedure, minimum=20)
        entries = ProcedureLogEntry.objects.bulk_create(
            [
                ProcedureLogEntry(
                    program=program,
                    fellow=m,
                    supervisor=faculty[n % len(faculty)],
                    procedure_type=procedure,
                    performed_on=today - datetime.timedelta(days=10),
                    guidance="fluoroscopy",
                    age_band="40_64",
                )
                for n, m in enumerate(fellow_members)
            ]
        )
        ProcedureLogEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
            updated_at=timezone.now() - datetime.timedelta(days=10)
        )


def build(fellows: int) -> None:
    """Create the bench programs unless exactly this many bench fellows exist already."""
    from curriculum.models import Membership, Program

    present = Membership.objects.filter(program__name__startswith=PREFIX, role="fellow").count()
    if present == fellows:
        return
    if present:
        raise SystemExit(f"{present} bench fellows exist; use a fresh database for {fellows}")
    programs, rest = divmod(fellows, PER_PROGRAM)
    sizes = [PER_PROGRAM] * programs + ([rest] if rest else [])
    start = Program.objects.filter(name__startswith=PREFIX).count()
    for index, size in enumerate(sizes, start=start):
        _build_program(index, size)


class _QueryCounter:
    """Counts statements without Django's debug cursor (which formats every SQL string)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _clear_ledger() -> None:
    from reminders.models import Delivery, Reminder

    Reminder.objects.all().delete()
    Delivery.objects.all().delete()


def measure(fellows: int = 10_000) -> dict:
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from reminders.services.sweep import reminders_sweep

    settings.DEBUG = False  # no query log: formatting 1,000-row INSERTs would dominate the time
    call_command("migrate", verbosity=0)
    build(fellows)
    timings, queries, created = [], None, None
    first_ms = None
    for _ in range(REPEATS):
        _clear_ledger()
        counter = _QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            result = reminders_sweep(enqueue=False)
            timings.append((time.perf_counter() - started) * 1000)
        first_ms = first_ms if first_ms is not None else timings[-1]
        if queries is None:
            queries, created = counter.count, result.reminders_created
    timings.sort()
    p95_index = min(len(timings) - 1, round(0.95 * (len(timings) - 1)))
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[p95_index], 1),
        "first_run_ms": round(first_ms, 1),
        "queries": queries,
        "reminders_created": created,
        "fellows": fellows,
        "repeats": REPEATS,
    }


if __name__ == "__main__":
    import json
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print(json.dumps(measure(count), indent=2))
