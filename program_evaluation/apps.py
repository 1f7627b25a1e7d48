from django.apps import AppConfig


class ProgramEvaluationConfig(AppConfig):
    """The annual program evaluation held by the Program Evaluation Committee."""

    name = "program_evaluation"
    verbose_name = "Annual program evaluation"
