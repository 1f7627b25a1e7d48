from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and scale seeding: the top layer, installed in local and test settings only."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "Demo data"
