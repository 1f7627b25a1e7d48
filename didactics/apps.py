from django.apps import AppConfig


class DidacticsConfig(AppConfig):
    name = "didactics"
