"""Demo multi-source evaluations: a nurse, a physical therapist and a patient answered for the
first demo fellows, and one request still waiting. Idempotent: a program that already has an
external request is left alone. Answers go through the same submit service as the public form.
"""

import datetime
import secrets
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import invitation_token_hash as token_hash
from assessments.models import AssessmentTemplate
from assessments.services.workflow import template_create
from curriculum.models import Membership, Program
from evaluators.models import (
    REQUEST_TTL,
    EvaluatorRole,
    ExternalEvaluation,
    ExternalEvaluationRequest,
)
from evaluators.services import external_evaluation_submit

TEMPLATE_NAME = "Multi-source evaluation (interdisciplinary team)"
TEMPLATE_CODES = ["ICS1", "ICS2", "ICS3", "SBP2", "PROF1"]
TEMPLATE_INSTRUCTIONS = (
    "For nurses, therapists, psychologists, surgeons and colleagues who work with the fellow: "
    "how do they communicate with patients and with the team?"
)

# fellow email, role, name, email, days ago, ratings offset from 3.0, narrative / patient answers
DEMO_ANSWERS = [
    (
        "fellow1@demo.test",
        EvaluatorRole.NURSE,
        "Grace Lindqvist, RN",
        "g.lindqvist@demo-hospital.test",
        55,
        0,
        "Always introduces himself to the nursing team and explains the plan before a block. "
        "Could update us sooner when the plan changes during a busy list.",
    ),
    (
        "fellow1@demo.test",
        EvaluatorRole.PHYSICAL_THERAPIST,
        "Tomás Ibarra, DPT",
        "t.ibarra@demo-hospital.test",
        30,
        0.5,
        "Comes to the rehab huddle and asks what we see in clinic. Good at framing activity "
        "goals together with the patient.",
    ),
    (
        "fellow1@demo.test",
        EvaluatorRole.PATIENT,
        "",
        "",
        12,
        None,
        "He took time to explain the injection and what to expect afterwards.",
    ),
    (
        "fellow2@demo.test",
        EvaluatorRole.NURSE,
        "Aisha Bello, RN",
        "a.bello@demo-hospital.test",
        20,
        -0.5,
        "Kind with patients and calm in the procedure room. Please write clearer post-procedure "
        "instructions for the recovery nurses.",
    ),
]
PATIENT_ANSWERS = {
    "explained": 5,
    "listened": 5,
    "involved": 4,
    "respect": 5,
    "team": 0,
    "followed_up": 4,
}
PENDING = ("fellow1@demo.test", EvaluatorRole.PSYCHOLOGIST, "Dr. Noor Haddad", "n.haddad@demo.test")


def _template(program: Program, director) -> AssessmentTemplate | None:
    template = AssessmentTemplate.objects.filter(
        program=program, kind=AssessmentTemplate.Kind.MULTI_SOURCE, is_active=True
    ).first()
    if template is not None:
        return template
    milestone_set = program.milestone_sets.order_by("-effective_date").first()
    if milestone_set is None:
        return None
    subs = list(milestone_set.subcompetencies.filter(code__in=TEMPLATE_CODES))
    return template_create(
        actor=director,
        program=program,
        name=TEMPLATE_NAME,
        kind=AssessmentTemplate.Kind.MULTI_SOURCE,
        milestone_set=milestone_set,
        subcompetencies=subs,
        instructions=TEMPLATE_INSTRUCTIONS,
    )


def _request(program, fellow, sender, role, name, email, template, created) -> tuple:
    token = secrets.token_urlsafe(32)
    request = ExternalEvaluationRequest(
        program=program,
        fellow=fellow,
        requested_by=sender,
        evaluator_role=role,
        evaluator_name=name,
        evaluator_email=email,
        template=None if role == EvaluatorRole.PATIENT else template,
        token_hash=token_hash(token),
        expires_at=timezone.now() + REQUEST_TTL,  # moved back once answered
        sent_at=None if role == EvaluatorRole.PATIENT else created,
    )
    request.full_clean()
    request.save()
    return request, token


def demo_evaluators_seed(*, program: Program) -> int:
    """Create the demo answers and the pending request; returns how many evaluations were made."""
    if ExternalEvaluationRequest.objects.filter(program=program).exists():
        return 0
    director = (
        Membership.objects.filter(program=program, role=Membership.Role.DIRECTOR, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    fellows = {
        m.user.email: m
        for m in Membership.objects.filter(
            program=program, role=Membership.Role.FELLOW, is_active=True
        ).select_related("user", "program")
    }
    if director is None or not fellows:
        return 0
    now = timezone.now()
    created = 0
    with transaction.atomic():
        template = _template(program, director.user)
        if template is None:
            return 0
        subs = list(template.subcompetencies.order_by("code"))
        for fellow_email, role, name, email, days_ago, offset, narrative in DEMO_ANSWERS:
            fellow = fellows.get(fellow_email)
            if fellow is None:
                continue
            when = now - datetime.timedelta(days=days_ago)
            request, token = _request(
                program, fellow, fellow.user, role, name, email, template, when
            )
            ratings = {}
            if offset is not None:
                ratings = {
                    sub.pk: f"{int(3 + offset + i % 2):.1f}"  # whole levels: the plain scale
                    for i, sub in enumerate(subs)
                }
            evaluation = external_evaluation_submit(
                token=token, narrative=narrative, ratings=ratings, answers=PATIENT_ANSWERS
            )
            answered = when + datetime.timedelta(days=2)
            ExternalEvaluation.objects.filter(pk=evaluation.pk).update(
                submitted_at=answered,
                submitted_on=timezone.localdate(answered, ZoneInfo(program.timezone)),
                created_at=answered,
            )
            ExternalEvaluationRequest.objects.filter(pk=request.pk).update(
                used_at=answered, created_at=when, expires_at=when + REQUEST_TTL
            )
            created += 1
        fellow_email, role, name, email = PENDING
        if fellow_email in fellows:
            fellow = fellows[fellow_email]
            _request(program, fellow, fellow.user, role, name, email, template, now)
    return created
