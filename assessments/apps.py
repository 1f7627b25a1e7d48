from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from . import evidence

        # Sections that apps below this one declare for the CCC packet (see ``evidence``).
        evidence.autodiscover()
