from django.apps import AppConfig


class BoardsConfig(AppConfig):
    """Reports to certifying boards: the ABA's semiannual clinical competence report."""

    name = "boards"
    verbose_name = "Board reports"
    # ``manage.py verify_signatures`` also runs this: (what, how many checked, problems).
    signature_check = "boards.services.aba_signature_check"
