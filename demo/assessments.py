"""Demo assessments: half a year of signed end-of-rotation evaluations and direct observations
for every demo fellow, ratings that rise through the year, and a few still waiting; then the
mid-year CCC review: packets for every fellow, fellow1's and fellow2's finalised by the director.

Signed ones carry a real, sealed signature (``signature_create``), so ``verify_signatures``
passes on the demo.
Deterministic: the same random seed gives the same assessments.
"""

import datetime
import math
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessmentTemplate,
    CCCReview,
    CompetencyCommittee,
    Rating,
    ReviewPeriod,
    Signature,
)
from assessments.selectors.ccc import ccc_packet_build
from assessments.selectors.unscoped import (
    milestone_set_subcompetencies,
    period_milestone_set,
)
from assessments.services.ccc import (
    ccc_levels_record,
    ccc_packets_assemble,
    ccc_review_finalise,
    review_periods_create,
)
from assessments.services.committee import (
    committee_for,
    committee_meeting_record,
    committee_update,
)
from assessments.services.signatures.store import signature_create
from assessments.services.workflow import NA_FORM_VALUE, template_create
from curriculum.models import Membership, Program
from trainees.models import AcademicYear, ScheduleBlock

from .people import DEMO_PASSWORD

# name, kind, subcompetency codes
DEMO_TEMPLATES = [
    (
        "End-of-rotation evaluation",
        AssessmentTemplate.Kind.END_OF_ROTATION,
        ["PC1", "PC3", "PC5", "MK1", "SBP2", "PROF1", "ICS1", "ICS2"],
    ),
    (
        "Procedure direct observation",
        AssessmentTemplate.Kind.DIRECT_OBSERVATION,
        ["PC4", "MK2", "SBP1", "ICS1"],
    ),
    (
        "Fellow self-assessment",
        AssessmentTemplate.Kind.SELF,
        ["PC1", "PC3", "PC4", "MK1", "ICS1", "PBLI2"],
    ),
]
NARRATIVES = [
    "Thorough histories and a clear, patient-centred plan. Next step: tighten the differential "
    "for axial versus radicular pain before ordering imaging.",
    "Safe, methodical needle technique with good use of contrast. Work on explaining risks in "
    "plain language during consent.",
    "Excellent communication with the interdisciplinary team on the acute pain service. Keep "
    "documenting opioid conversion reasoning explicitly.",
    "Reliable and well prepared. Reads around cases. Could lead family meetings more often.",
    "Good progress with fluoroscopic anatomy; still needs prompting on lateral views at L5-S1.",
]


def demo_assessments_seed(*, program: Program, director, today: datetime.date) -> int:
    """Create the forms and the assessments (unless the program already has some), then the
    mid-year CCC review (idempotent on its own)."""
    created = 0
    if not Assessment.objects.filter(program=program).exists():
        created = _demo_assessments(program=program, director=director, today=today)
    demo_ccc_seed(program=program, director=director)
    return created


def _demo_assessments(*, program: Program, director, today: datetime.date) -> int:
    rng = random.Random(7)  # noqa: S311 (repeatable demo data, not a secret)
    milestone_set = program.milestone_sets.get()
    subs = {s.code: s for s in milestone_set.subcompetencies.all()}
    with transaction.atomic():
        templates = {
            kind: template_create(
                actor=director,
                program=program,
                name=name,
                kind=kind,
                milestone_set=milestone_set,
                subcompetencies=[subs[c] for c in codes],
            )
            for name, kind, codes in DEMO_TEMPLATES
        }
        faculty = list(
            Membership.objects.filter(program=program, role=Membership.Role.FACULTY)
            .select_related("user")
            .order_by("user__email")
        )
        created = 0
        blocks = (
            ScheduleBlock.objects.filter(
                enrolment__cohort__program=program,
                rotation__is_longitudinal=False,
                end_date__lt=today,
            )
            .select_related("enrolment__membership__user", "enrolment__cohort__academic_year")
            .order_by("enrolment_id", "start_date")
        )
        blocks = list(blocks)
        # Each fellow's most recently ended block still waits for its evaluation (whatever the
        # date the demo is loaded on), so every faculty queue has something in it.
        latest = {block.enrolment_id: block.pk for block in blocks}
        waiting = 0
        for block in blocks:
            fellow = block.enrolment.membership
            year_start = block.enrolment.cohort.academic_year.start_date
            recent = latest[block.enrolment_id] == block.pk
            assessor = rng.choice(faculty)
            if recent:  # the waiting ones go round the faculty, so nobody's queue is empty
                assessor = faculty[waiting % len(faculty)]
                waiting += 1
            created += _assessment(
                rng,
                templates[AssessmentTemplate.Kind.END_OF_ROTATION],
                fellow,
                assessor,
                block.end_date,
                year_start,
                sign=not recent,
                block=block,
            )
            if rng.random() < 0.5:  # a direct observation during the block
                created += _assessment(
                    rng,
                    templates[AssessmentTemplate.Kind.DIRECT_OBSERVATION],
                    fellow,
                    rng.choice(faculty),
                    block.start_date + datetime.timedelta(days=10),
                    year_start,
                    sign=True,
                )
    return created


def _level(rng, observed_on: datetime.date, year_start: datetime.date) -> Decimal:
    """Incoming fellows sit around 2; most reach 3 by mid-year and 4 by the end."""
    months = (observed_on - year_start).days / 30
    value = 2.0 + months / 6 + rng.choice([-0.5, 0, 0, 0.5])
    return Decimal(str(min(5.0, max(1.0, round(value * 2) / 2))))


def _assessment(rng, template, fellow, assessor, observed_on, year_start, *, sign, block=None):
    assessment = Assessment.objects.create(
        program=template.program,
        template=template,
        fellow=fellow,
        assessor=assessor,
        schedule_block=block,
        observed_on=observed_on,
        due_date=observed_on + datetime.timedelta(days=template.program.evaluation_due_days),
        narrative=rng.choice(NARRATIVES) if sign else "",
    )
    if not sign:  # still waiting in the faculty member's queue
        return 1
    Rating.objects.bulk_create(
        Rating(assessment=assessment, subcompetency=sub, level=_level(rng, observed_on, year_start))
        for sub in template.subcompetencies.all()
    )
    signed_at = timezone.make_aware(
        datetime.datetime.combine(observed_on + datetime.timedelta(days=3), datetime.time(18))
    )
    assessment.status = (
        Assessment.Status.ACKNOWLEDGED if rng.random() < 0.8 else Assessment.Status.SIGNED
    )
    assessment.signed_at = signed_at
    if assessment.status == Assessment.Status.ACKNOWLEDGED:
        assessment.acknowledged_at = signed_at + datetime.timedelta(days=1)
    assessment.save()
    signature_create(
        record=assessment,
        signer=assessor.user,
        signed_at=signed_at,
        method=Signature.Method.PASSWORD,
    )
    return 1


# --- CCC review -----------------------------------------------------------------------------------

FINALISED_FELLOWS = ("fellow1@demo.test", "fellow2@demo.test")
DEMO_COMMITTEE_NOTES = (
    "Steady progress across patient care; procedural skill ahead of the cohort. Agreed focus for "
    "the next six months: leading family meetings and documenting opioid conversions."
)


def _consensus_from_packet(packet: dict) -> dict[int, str]:
    """The committee's levels for the demo: the mean rating rounded down to a half level, or
    not yet assessable where nobody rated the subcompetency."""
    levels = {}
    for row in packet["subcompetencies"]:
        if row["mean"] is None:
            levels[row["id"]] = NA_FORM_VALUE
        else:
            half = math.floor(float(row["mean"]) * 2) / 2
            levels[row["id"]] = f"{min(5.0, max(1.0, half)):.1f}"
    return levels


def _demo_committee(*, program: Program, director, period: ReviewPeriod) -> None:
    """The director and every faculty member sit on the committee (quorum 3, the default), and
    all of them met for the mid-year review, once."""
    members = list(
        Membership.objects.filter(
            program=program, role__in=Membership.TEACHING_ROLES, is_active=True
        ).order_by("pk")
    )
    if committee_for(program).pk is None:
        committee_update(
            actor=director,
            program=program,
            members=members,
            quorum=CompetencyCommittee.DEFAULT_QUORUM,
        )
    if not period.meetings.exists():
        committee_meeting_record(
            actor=director,
            period=period,
            held_on=min(program.today(), period.ends_on),
            present=members,
            notes="Mid-year review of every fellow's packet.",
        )


def demo_ccc_seed(*, program: Program, director) -> int:
    """The demo year's review periods, the mid-year packets of every fellow, and the reviews of
    fellow1 and fellow2 finalised (signed by the director); the others stay drafts. Safe to run
    again: nothing is created or finalised twice. Returns how many reviews it finalised."""
    year = AcademicYear.objects.filter(program=program).order_by("-start_date").first()
    if year is None:
        return 0
    finalised = 0
    with transaction.atomic():
        review_periods_create(actor=director, academic_year=year)
        period = ReviewPeriod.objects.get(academic_year=year, kind=ReviewPeriod.Kind.MIDYEAR)
        ccc_packets_assemble(actor=director, period=period)
        _demo_committee(program=program, director=director, period=period)
        subcompetencies = milestone_set_subcompetencies(period_milestone_set(period))
        drafts = (
            CCCReview.objects.filter(
                period=period,
                status=CCCReview.Status.DRAFT,
                fellow__user__email__in=FINALISED_FELLOWS,
            )
            .select_related("period__program", "fellow__user", "fellow__program")
            .order_by("fellow__user__email")
        )
        for review in drafts:
            packet = ccc_packet_build(user=director, review=review, subcompetencies=subcompetencies)
            ccc_levels_record(
                actor=director,
                review=review,
                levels=_consensus_from_packet(packet),
                committee_notes=DEMO_COMMITTEE_NOTES,
            )
            ccc_review_finalise(actor=director, review=review, password=DEMO_PASSWORD)
            finalised += 1
    return finalised
