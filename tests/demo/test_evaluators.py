"""The demo seed: answered evaluations (nurse, physical therapist, patient) and one pending
request for the demo fellows, loaded once."""

from django.core.management import call_command

from evaluators.models import ExternalEvaluation, ExternalEvaluationRequest


def test_seed_demo_loads_external_evaluations_once(db):
    call_command("seed_demo", verbosity=0)
    roles = sorted(ExternalEvaluation.objects.values_list("evaluator_role", flat=True))
    assert roles == ["nurse", "nurse", "patient", "physical_therapist"]
    pending = [r for r in ExternalEvaluationRequest.objects.all() if r.status == "pending"]
    assert [r.evaluator_role for r in pending] == ["psychologist"]
    patient = ExternalEvaluation.objects.get(evaluator_role="patient")
    assert patient.request.evaluator_name == patient.request.evaluator_email == ""
    assert patient.ratings.filter(subcompetency__code="ICS1", level__isnull=False).exists()
    professional = ExternalEvaluation.objects.filter(evaluator_role="nurse").first()
    assert professional.ratings.count() == 5

    call_command("seed_demo", verbosity=0)
    assert ExternalEvaluation.objects.count() == 4
    assert ExternalEvaluationRequest.objects.count() == 5
