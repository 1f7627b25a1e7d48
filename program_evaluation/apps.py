from django.apps import AppConfig


class ProgramEvaluationConfig(AppConfig):
    """The annual program evaluation held by the Program Evaluation Committee."""

    name = "program_evaluation"
    verbose_name = "Annual program evaluation"
    # ``manage.py verify_signatures`` also runs this: (what, how many checked, problems).
    signature_check = "program_evaluation.services.evaluation_signature_check"
