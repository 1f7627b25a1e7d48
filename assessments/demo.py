"""Demo assessments: half a year of signed end-of-rotation evaluations and direct observations
for every demo fellow, ratings that rise through the year, and a few still waiting.

Signed ones carry a real signature (content hash), so ``verify_signatures`` passes on the demo.
Deterministic: the same random seed gives the same assessments.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from curriculum.models import Membership, Program
from trainees.models import ScheduleBlock

from .models import Assessment, AssessmentTemplate, Rating, Signature
from .services.workflow import template_create
from .signing import SIGNATURE_MEANING, assessment_content, content_hash

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
    """Create the forms and the assessments; does nothing if the program already has any."""
    if Assessment.objects.filter(program=program).exists():
        return 0
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
        for block in blocks:
            fellow = block.enrolment.membership
            year_start = block.enrolment.cohort.academic_year.start_date
            recent = (today - block.end_date).days < 14
            created += _assessment(
                rng,
                templates[AssessmentTemplate.Kind.END_OF_ROTATION],
                fellow,
                rng.choice(faculty),
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
    Signature.objects.create(
        assessment=assessment,
        signer=assessor.user,
        signed_at=signed_at,
        meaning=SIGNATURE_MEANING,
        method=Signature.Method.PASSWORD,
        content_hash=content_hash(assessment_content(assessment)),
    )
    return 1
