from django.apps import AppConfig


class TransferConfig(AppConfig):
    """Program export and import: reads every domain app, so it sits above them all."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "transfer"
    verbose_name = "Program transfer"
