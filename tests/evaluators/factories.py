"""Evaluator requests and answers written straight to the tables (services are tested apart)."""

import factory
from django.utils import timezone

from accounts.models import invitation_token_hash
from assessments.models import AssessmentTemplate
from curriculum.models import Membership
from curriculum.services import milestone_set_load_default
from evaluators.models import (
    REQUEST_TTL,
    EvaluatorRole,
    ExternalEvaluation,
    ExternalEvaluationRequest,
    ExternalRating,
)
from tests.assessments.factories import AssessmentTemplateFactory
from tests.curriculum.factories import MembershipFactory, ProgramFactory

MULTI_SOURCE_CODES = ["ICS1", "ICS2", "SBP2"]


def multi_source_template(program, codes=MULTI_SOURCE_CODES) -> AssessmentTemplate:
    """The program's multi-source form on the shipped Pain Medicine 2.0 milestones (made once)."""
    existing = AssessmentTemplate.objects.filter(program=program, name="Multi-source evaluation")
    if existing.exists():
        return existing.get()
    milestone_set = milestone_set_load_default(actor=None, program=program)
    template = AssessmentTemplateFactory(
        program=program,
        milestone_set=milestone_set,
        name="Multi-source evaluation",
        kind=AssessmentTemplate.Kind.MULTI_SOURCE,
    )
    template.subcompetencies.set(milestone_set.subcompetencies.filter(code__in=codes))
    return template


class RequestFactory(factory.django.DjangoModelFactory):
    """An open request to a nurse whose link secret is ``token`` (pass ``token=`` to choose)."""

    class Meta:
        model = ExternalEvaluationRequest
        exclude = ["token"]

    program = factory.SubFactory(ProgramFactory)
    fellow = factory.SubFactory(
        MembershipFactory, program=factory.SelfAttribute("..program"), role=Membership.Role.FELLOW
    )
    requested_by = factory.SelfAttribute("fellow.user")
    evaluator_role = EvaluatorRole.NURSE
    evaluator_name = "Grace Lindqvist"
    evaluator_email = factory.Sequence(lambda n: f"nurse{n}@hospital.test")
    template = factory.LazyAttribute(lambda o: multi_source_template(o.program))
    token = factory.Sequence(lambda n: f"evaluation-token-{n}")
    token_hash = factory.LazyAttribute(lambda o: invitation_token_hash(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + REQUEST_TTL)

    class Params:
        patient = factory.Trait(
            evaluator_role=EvaluatorRole.PATIENT,
            evaluator_name="",
            evaluator_email="",
            template=None,
        )


class EvaluationFactory(factory.django.DjangoModelFactory):
    """A submitted answer (its request marked used)."""

    class Meta:
        model = ExternalEvaluation

    request = factory.SubFactory(RequestFactory, used_at=factory.LazyFunction(timezone.now))
    program = factory.SelfAttribute("request.program")
    fellow = factory.SelfAttribute("request.fellow")
    evaluator_role = factory.SelfAttribute("request.evaluator_role")
    narrative = "Explains the plan to the team before every list."
    submitted_at = factory.LazyFunction(timezone.now)
    submitted_on = factory.LazyFunction(timezone.localdate)


class ExternalRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalRating

    evaluation = factory.SubFactory(EvaluationFactory)
    level = "3.0"
