from django.apps import AppConfig


class EvaluatorsConfig(AppConfig):
    name = "evaluators"

    def ready(self) -> None:
        from core import outbox

        from .services import SENT_SOURCE, external_request_mark_sent

        # The outbox tells us when a request's email has actually left (it may be retried).
        outbox.sent_handler_register(SENT_SOURCE, external_request_mark_sent)
