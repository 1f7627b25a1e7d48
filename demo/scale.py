"""Scale data for benchmarks: N programs of realistic size with several years of history.

``scale_build(programs=20)`` gives about 20 programs, 400 fellows, 100,000 procedure entries and
30,000 signed assessments with ratings, finalised CCC reviews with consensus levels, deadlines.
The first program is a large one (``ScaleSizes.large_fellows_per_year``): benchmarks sign in
there. Catalogue, targets, milestones and assessment forms go through the same loaders and
services as the demo; the history rows are bulk-inserted in batches. Signed assessments carry a
real content hash, so ``verify_signatures`` passes on scale data too.

Idempotent per program: a program that already exists (matched by name) is left alone and
reported as already present. Each program is built in one transaction, so an interrupted run
leaves whole programs only. Users share one password hash (computed once): hashing hundreds of
passwords would dominate the run time.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import DateTimeField, F
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import User
from assessments import seals as signing
from assessments.models import (
    Assessment,
    AssessmentTemplate,
    CCCReview,
    ConsensusLevel,
    Rating,
    ReviewPeriod,
    Signature,
)
from assessments.seals import SIGNATURE_MEANING, assessment_content, content_hash
from assessments.services.workflow import template_create
from curriculum.models import Membership, Program
from curriculum.services import milestone_set_load_default, program_create
from procedures.models import ProcedureCategory, ProcedureLogEntry, ProcedureType
from procedures.services.catalogue import catalogue_load_default, target_set
from trainees.models import AcademicYear, Cohort, Deadline, Enrolment
from workhours.models import Kind as ShiftKind
from workhours.models import Shift

from .assessments import DEMO_TEMPLATES, NARRATIVES
from .procedures import CERVICAL_LEVELS, COMMON, DEMO_TARGETS, LEVELS, NOTES

SCALE_INSTITUTION = "Scale Health System"
SCALE_PASSWORD = "scale-pass-2026"  # noqa: S105 (benchmark data only; seed_demo is refused in production)
SCALE_EMAIL_DOMAIN = "scale.test"
BATCH = 2000
TIMEZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
Role = Membership.Role
Entry = ProcedureLogEntry


def scale_program_name(index: int) -> str:
    return f"Scale Pain Medicine Fellowship {index:02d}"


@dataclass(frozen=True)
class ScaleSizes:
    """Per program. The defaults, with 20 programs: 385 fellows, about 95,000 entries and
    27,000 assessments (the current academic year is only partly over)."""

    years: int = 5
    fellows_per_year: int = 3
    large_fellows_per_year: int = 20  # program 01, the one the benchmarks use
    faculty: int = 8
    entries_per_fellow_year: int = 280
    assessments_per_fellow_year: int = 80
    work_hour_weeks: int = 26  # the last six months of each enrolment (to today), in shifts


@dataclass
class ScaleResult:
    created: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, value: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + value


def scale_build(*, programs: int, sizes: ScaleSizes | None = None, log=None) -> ScaleResult:
    """Build the programs that are missing; returns what was created and counted."""
    sizes = sizes or ScaleSizes()
    result = ScaleResult()
    password = make_password(SCALE_PASSWORD)
    for index in range(1, programs + 1):
        name = scale_program_name(index)
        if Program.objects.filter(name=name, institution=SCALE_INSTITUTION).exists():
            result.present.append(name)
            continue
        per_year = sizes.large_fellows_per_year if index == 1 else sizes.fellows_per_year
        with transaction.atomic():
            _ProgramBuilder(index, sizes, per_year, password, result).build()
        result.created.append(name)
        if log:
            log(f"{name}: built ({per_year} fellows a year for {sizes.years} years)")
    return result


def _academic_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year if day.month >= 7 else day.year - 1, 7, 1)


def _at(day: datetime.date, hour: int = 17) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class _ProgramBuilder:
    def __init__(self, index, sizes: ScaleSizes, per_year: int, password: str, result):
        self.index, self.sizes, self.per_year = index, sizes, per_year
        self.password, self.result = password, result
        self.rng = random.Random(1000 + index)  # noqa: S311 (repeatable benchmark data)
        self.today = timezone.localdate()

    # -- people and structure -------------------------------------------------------------------

    def build(self) -> None:
        self.program = program_create(
            actor=None,
            name=scale_program_name(self.index),
            institution=SCALE_INSTITUTION,
            timezone=TIMEZONES[self.index % len(TIMEZONES)],
        )
        self._people()
        self.milestone_set = milestone_set_load_default(actor=None, program=self.program)
        self.subs = list(self.milestone_set.subcompetencies.order_by("competency__order", "order"))
        self._catalogue()
        self._templates()
        self._years_and_enrolments()
        self._deadlines()
        self._entries()
        self._assessments()
        self._ccc_reviews()
        self._work_hours()

    def _user(self, key: str, full_name: str) -> User:
        return User(
            email=f"scale{self.index:02d}-{key}@{SCALE_EMAIL_DOMAIN}",
            full_name=full_name,
            password=self.password,
        )

    def _people(self) -> None:
        sizes = self.sizes
        users = [
            (self._user("director", f"Director {self.index:02d}"), Role.DIRECTOR),
            (self._user("coordinator", f"Coordinator {self.index:02d}"), Role.COORDINATOR),
        ]
        users += [
            (self._user(f"faculty{k}", f"Dr. Faculty {self.index:02d}-{k}"), Role.FACULTY)
            for k in range(1, sizes.faculty + 1)
        ]
        users += [
            (self._user(f"fellow{y}-{k}", f"Dr. Fellow {self.index:02d}-{y}-{k}"), Role.FELLOW)
            for y in range(1, sizes.years + 1)
            for k in range(1, self.per_year + 1)
        ]
        User.objects.bulk_create([user for user, _ in users], batch_size=BATCH)
        memberships = Membership.objects.bulk_create(
            [Membership(program=self.program, user=user, role=role) for user, role in users],
            batch_size=BATCH,
        )
        for membership, (user, _) in zip(memberships, users, strict=True):
            membership.user = user
        self.director = memberships[0]
        self.faculty = [m for m in memberships if m.role == Role.FACULTY]
        self.fellows = [m for m in memberships if m.role == Role.FELLOW]
        self.result.add("users", len(users))

    def _catalogue(self) -> None:
        catalogue_load_default(actor=None, program=self.program)
        self.types = {t.name: t for t in ProcedureType.objects.filter(program=self.program)}
        categories = {c.name: c for c in ProcedureCategory.objects.filter(program=self.program)}
        for name, is_category, role, minimum in DEMO_TARGETS:
            subject = (
                {"category": categories[name]}
                if is_category
                else {"procedure_type": self.types[name]}
            )
            target_set(actor=None, program=self.program, role=role, minimum=minimum, **subject)

    def _templates(self) -> None:
        subs = {s.code: s for s in self.subs}
        self.templates = {}
        for name, kind, codes in DEMO_TEMPLATES:
            if kind == AssessmentTemplate.Kind.SELF:
                continue
            template = template_create(
                actor=self.director.user,
                program=self.program,
                name=name,
                kind=kind,
                milestone_set=self.milestone_set,
                subcompetencies=[subs[c] for c in codes],
            )
            self.templates[kind] = (template, [subs[c] for c in codes])

    def _years_and_enrolments(self) -> None:
        current = _academic_start(self.today)
        starts = [current.replace(year=current.year - back) for back in range(self.sizes.years)]
        starts.reverse()
        self.years = AcademicYear.objects.bulk_create(
            AcademicYear(
                program=self.program,
                start_date=start,
                end_date=AcademicYear.default_end_date(start),
            )
            for start in starts
        )
        cohorts = Cohort.objects.bulk_create(
            Cohort(program=self.program, academic_year=year, name=f"Class of {year.end_date.year}")
            for year in self.years
        )
        enrolments = []
        for y, (year, cohort) in enumerate(zip(self.years, cohorts, strict=True)):
            is_current = year.start_date == current
            for k in range(self.per_year):
                fellow = self.fellows[y * self.per_year + k]
                enrolment = Enrolment(
                    membership=fellow,
                    cohort=cohort,
                    start_date=year.start_date,
                    end_date=year.end_date,
                    status=Enrolment.Status.ACTIVE if is_current else Enrolment.Status.COMPLETED,
                )
                if is_current and k == 1:  # one fellow of each current cohort is on leave
                    enrolment.status = Enrolment.Status.LEAVE
                    # a count with no dates, as leave was kept before it had periods
                    enrolment.undated_leave_days = enrolment.leave_days = 21
                    enrolment.leave_extension_days = 21
                enrolment.cohort = cohort
                enrolments.append(enrolment)
        self.enrolments = Enrolment.objects.bulk_create(enrolments, batch_size=BATCH)
        self.result.add("fellows", len(self.enrolments))

    def _deadlines(self) -> None:
        deadlines = []
        for year in self.years:
            for kind, day in (("midyear", (12, 15)), ("year_end", (6, 15))):
                due = datetime.date(year.start_date.year + (day[0] < 7), day[0], day[1])
                deadlines.append(
                    Deadline(
                        program=self.program,
                        academic_year=year,
                        kind=Deadline.Kind.CCC_REVIEW,
                        title=f"CCC {kind.replace('_', '-')} milestone review",
                        due_date=due,
                        key=f"scale-ccc-{year.start_date.year}-{kind}",
                    )
                )
        by_year = {year.pk: year for year in self.years}
        for enrolment in self.enrolments:
            year = by_year[enrolment.cohort.academic_year_id]
            deadlines.append(
                Deadline(
                    program=self.program,
                    academic_year=year,
                    kind=Deadline.Kind.FINAL_SUMMATIVE,
                    title=f"Final summative evaluation: {enrolment.membership.user.full_name}",
                    due_date=enrolment.end_date - datetime.timedelta(days=30),
                    enrolment=enrolment,
                    key=f"scale-final-{enrolment.membership_id}",
                )
            )
            # End-of-rotation evaluations every four weeks through the year.
            day, block = enrolment.start_date + datetime.timedelta(days=41), 1
            while day <= enrolment.end_date:
                deadlines.append(
                    Deadline(
                        program=self.program,
                        academic_year=year,
                        kind=Deadline.Kind.ROTATION_EVALUATION,
                        title=f"End-of-rotation evaluation {block}: "
                        f"{enrolment.membership.user.full_name}",
                        due_date=day,
                        enrolment=enrolment,
                        key=f"scale-eor-{enrolment.membership_id}-{block}",
                    )
                )
                day, block = day + datetime.timedelta(days=28), block + 1
        Deadline.objects.bulk_create(deadlines, batch_size=BATCH)
        self.result.add("deadlines", len(deadlines))

    # -- history --------------------------------------------------------------------------------

    def _days(self, enrolment, count: int) -> list[datetime.date]:
        """``count`` weekdays (with repeats) between the start and today or the end, sorted;
        fewer in a year still under way."""
        last = min(enrolment.end_date, self.today)
        span = (last - enrolment.start_date).days
        if span <= 0:
            return []
        full = (enrolment.end_date - enrolment.start_date).days
        count = round(count * span / full)
        days = []
        while len(days) < count:
            day = enrolment.start_date + datetime.timedelta(days=self.rng.randrange(span + 1))
            if day.weekday() < 5:
                days.append(day)
        return sorted(days)

    def _entries(self) -> None:
        rng = self.rng
        names, weights = zip(*COMMON.items(), strict=True)
        types = [self.types[name] for name in names]
        entries = []
        for enrolment in self.enrolments:
            fellow = enrolment.membership
            for day in self._days(enrolment, self.sizes.entries_per_fellow_year):
                procedure = rng.choices(types, weights)[0]
                supervisor = rng.choice(self.faculty)
                level = ""
                if procedure.has_level:
                    level = rng.choice(CERVICAL_LEVELS if "Cervical" in procedure.name else LEVELS)
                entry = Entry(
                    program=self.program,
                    fellow=fellow,
                    performed_on=day,
                    procedure_type=procedure,
                    level=level,
                    laterality=rng.choice(["left", "right", "bilateral"])
                    if procedure.has_laterality
                    else "",
                    guidance=procedure.allowed_guidance[0],
                    role=rng.choices(["performed", "assisted", "observed"], [7, 2, 1])[0],
                    supervisor=supervisor,
                    supervision_level="direct"
                    if (day - enrolment.start_date).days < 90
                    else rng.choice(["direct", "indirect"]),
                    complication=rng.choices(["none", "vasovagal", "dural_puncture"], [97, 2, 1])[
                        0
                    ],
                    age_band=rng.choices(["18_39", "40_64", "65_79", "80_plus"], [2, 5, 3, 1])[0],
                    note=rng.choice(NOTES),
                )
                if (self.today - day).days > 10:
                    entry.status = Entry.Status.VERIFIED
                    entry.verified_by = supervisor.user
                    entry.verified_at = _at(day + datetime.timedelta(days=2))
                elif rng.random() < 0.05:
                    entry.status = Entry.Status.RETURNED
                    entry.return_reason = "Please add the spinal level."
                entries.append(entry)
                if len(entries) >= BATCH:
                    Entry.objects.bulk_create(entries)
                    self.result.add("procedure_entries", len(entries))
                    entries = []
        Entry.objects.bulk_create(entries)
        self.result.add("procedure_entries", len(entries))

    def _level(self, observed_on: datetime.date, start: datetime.date) -> Decimal:
        months = (observed_on - start).days / 30
        value = 2.0 + months / 6 + self.rng.choice([-0.5, 0, 0, 0.5])
        return Decimal(str(min(5.0, max(1.0, round(value * 2) / 2))))

    def _assessments(self) -> None:
        rng, due_days = self.rng, self.program.evaluation_due_days
        kinds = [
            AssessmentTemplate.Kind.END_OF_ROTATION,
            AssessmentTemplate.Kind.DIRECT_OBSERVATION,
        ]
        assessments, rating_sets, open_keys = [], [], set()
        for enrolment in self.enrolments:
            fellow = enrolment.membership
            for day in self._days(enrolment, self.sizes.assessments_per_fellow_year):
                template, subs = self.templates[rng.choices(kinds, [55, 45])[0]]
                assessor = rng.choice(self.faculty)
                assessment = Assessment(
                    program=self.program,
                    template=template,
                    fellow=fellow,
                    assessor=assessor,
                    requested_by=fellow.user
                    if template.kind == AssessmentTemplate.Kind.DIRECT_OBSERVATION
                    else None,
                    observed_on=day,
                    due_date=day + datetime.timedelta(days=due_days),
                )
                age = (self.today - day).days
                # Recent ones are still open; a few older ones were never done (overdue).
                if age > 21 and rng.random() > 0.01:
                    signed_on = day + datetime.timedelta(days=rng.choice([1, 2, 3, 5, 8, 13, 21]))
                    assessment.signed_at = _at(min(signed_on, self.today), 18)
                    assessment.status = Assessment.Status.ACKNOWLEDGED
                    if rng.random() < 0.15:
                        assessment.status = Assessment.Status.SIGNED
                    else:
                        assessment.acknowledged_at = assessment.signed_at + datetime.timedelta(
                            days=1
                        )
                    if rng.random() < 0.6:
                        assessment.narrative = rng.choice(NARRATIVES)
                    ratings = [
                        Rating(subcompetency=sub, level=self._level(day, enrolment.start_date))
                        for sub in subs
                    ]
                else:
                    key = (template.pk, fellow.pk, assessor.pk, day)
                    if key in open_keys:  # one open request per form, pair and day
                        continue
                    open_keys.add(key)
                    ratings = []
                assessments.append(assessment)
                rating_sets.append(ratings)
        created = Assessment.objects.bulk_create(assessments, batch_size=BATCH)
        # Created when the work was observed, not today: "days to sign" reads sensibly.
        Assessment.objects.filter(program=self.program).update(
            created_at=Cast(F("observed_on"), DateTimeField())
        )
        ratings, signatures = [], []
        for assessment, rating_set in zip(created, rating_sets, strict=True):
            for rating in rating_set:
                rating.assessment = assessment
            ratings.extend(rating_set)
            if assessment.status in Assessment.LOCKED_STATUSES:
                # Hash exactly what signing hashes: the ratings are handed over as a prefetch.
                assessment._prefetched_objects_cache = {"ratings": rating_set}
                signatures.append(
                    Signature(
                        assessment=assessment,
                        signer=assessment.assessor.user,
                        signed_at=assessment.signed_at,
                        meaning=SIGNATURE_MEANING,
                        method=Signature.Method.PASSWORD,
                        content_hash=content_hash(assessment_content(assessment)),
                    )
                )
        Rating.objects.bulk_create(ratings, batch_size=BATCH)
        Signature.objects.bulk_create(signatures, batch_size=BATCH)
        self.result.add("assessments", len(created))
        self.result.add("ratings", len(ratings))

    def _ccc_reviews(self) -> None:
        periods = []
        for year in self.years:
            mid_end = datetime.date(year.start_date.year, 12, 31)
            for kind, starts, ends in (
                (ReviewPeriod.Kind.MIDYEAR, year.start_date, mid_end),
                (ReviewPeriod.Kind.YEAR_END, mid_end + datetime.timedelta(days=1), year.end_date),
            ):
                if ends < self.today:
                    periods.append(
                        ReviewPeriod(
                            program=self.program,
                            academic_year=year,
                            kind=kind,
                            starts_on=starts,
                            ends_on=ends,
                            meeting_date=ends - datetime.timedelta(days=10),
                        )
                    )
        periods = ReviewPeriod.objects.bulk_create(periods)
        by_year: dict[int, list[ReviewPeriod]] = {}
        for period in periods:
            by_year.setdefault(period.academic_year_id, []).append(period)
        reviews, level_sets = [], []
        for enrolment in self.enrolments:
            for period in by_year.get(enrolment.cohort.academic_year_id, []):
                base = 3.0 if period.kind == ReviewPeriod.Kind.MIDYEAR else 4.0
                reviews.append(
                    CCCReview(
                        period=period,
                        fellow=enrolment.membership,
                        status=CCCReview.Status.FINALISED,
                        finalised_at=_at(period.meeting_date),
                        committee_notes="Progressing as expected.",
                    )
                )
                level_sets.append(
                    [
                        ConsensusLevel(
                            subcompetency=sub,
                            level=Decimal(str(base + self.rng.choice([-0.5, 0, 0, 0.5]))),
                            recorded_by=self.director.user,
                        )
                        for sub in self.subs
                    ]
                )
        reviews = CCCReview.objects.bulk_create(reviews, batch_size=BATCH)
        levels = []
        for review, level_set in zip(reviews, level_sets, strict=True):
            for level in level_set:
                level.review = review
            levels.extend(level_set)
        ConsensusLevel.objects.bulk_create(levels, batch_size=BATCH)
        self._ccc_signatures(reviews, level_sets)
        self.result.add("ccc_reviews", len(reviews))
        self.result.add("consensus_levels", len(levels))

    def _ccc_signatures(self, reviews, level_sets) -> None:
        """Finalised reviews are signed by the director, hashed the way the CCC service does."""
        review_content = getattr(signing, "ccc_review_content", None)
        if review_content is None:  # CCC signing not built yet: nothing to sign against
            return
        signatures = []
        for review, level_set in zip(reviews, level_sets, strict=True):
            review._prefetched_objects_cache = {"levels": level_set}
            signatures.append(
                Signature(
                    ccc_review=review,
                    signer=self.director.user,
                    signed_at=review.finalised_at,
                    meaning=getattr(signing, "CCC_SIGNATURE_MEANING", SIGNATURE_MEANING),
                    method=Signature.Method.PASSWORD,
                    content_hash=content_hash(review_content(review)),
                )
            )
        Signature.objects.bulk_create(signatures, batch_size=BATCH)

    # -- work hours -----------------------------------------------------------------------------

    def _work_hours(self) -> None:
        """About six months of shifts per enrolment, ending at its end or today: weekdays of
        clinical work or a morning of education, an in-house call about once a week (clinical
        day, call night, post-call day off) and now and then a moonlighting evening. Wall-clock
        times in the program's zone, stored in UTC; bulk-inserted."""
        rng, zone = self.rng, self.program.zone
        weeks = self.sizes.work_hour_weeks
        shifts = []

        def add(fellow, day, start_hour, hours, kind):
            start = datetime.datetime.combine(day, datetime.time(start_hour), tzinfo=zone)
            shifts.append(
                Shift(
                    program=self.program,
                    fellow=fellow,
                    start=start,
                    end=start + datetime.timedelta(hours=hours),
                    kind=kind,
                    source=Shift.Source.IMPORTED,
                )
            )

        for enrolment in self.enrolments:
            last = min(enrolment.end_date, self.today - datetime.timedelta(days=1))
            first = max(enrolment.start_date, last - datetime.timedelta(weeks=weeks))
            fellow, day, post_call = enrolment.membership, first, False
            while weeks and day <= last:
                if post_call:
                    post_call = False
                elif day.weekday() < 5:
                    if rng.random() < 0.15:
                        add(fellow, day, 7, 10, ShiftKind.CLINICAL)
                        add(fellow, day, 17, 14, ShiftKind.IN_HOUSE_CALL)  # to 07:00
                        post_call = True
                    else:
                        kind = ShiftKind.EDUCATION if day.weekday() == 2 else ShiftKind.CLINICAL
                        add(fellow, day, 7, 5 if kind == ShiftKind.EDUCATION else 10, kind)
                        if rng.random() < 0.03:
                            add(fellow, day, 19, 4, ShiftKind.MOONLIGHTING)
                day += datetime.timedelta(days=1)
            if len(shifts) >= BATCH:
                Shift.objects.bulk_create(shifts, batch_size=BATCH)
                self.result.add("work_hour_shifts", len(shifts))
                shifts = []
        Shift.objects.bulk_create(shifts, batch_size=BATCH)
        self.result.add("work_hour_shifts", len(shifts))
