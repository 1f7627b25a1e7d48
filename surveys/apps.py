from django.apps import AppConfig


class SurveysConfig(AppConfig):
    """Fellows' confidential evaluations of faculty, rotations and the program, kept apart
    from who gave them."""

    name = "surveys"
    verbose_name = "Confidential evaluations"
