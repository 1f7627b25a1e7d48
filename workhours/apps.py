from django.apps import AppConfig


class WorkhoursConfig(AppConfig):
    """Clinical and educational work hours: the ACGME rules, computed per fellow."""

    name = "workhours"
    verbose_name = "Work hours"
