from django.apps import AppConfig


class EvaluatorsConfig(AppConfig):
    name = "evaluators"
    # Our section of the CCC packet: multi-source answers from evaluators without an account
    # (declared like every contributor's; ``AssessmentsConfig.ready()`` picks it up).
    ccc_evidence = (
        {
            "name": "multi_source",
            "title": "Multi-source evaluations",
            "collect": "evaluators.evidence.multi_source_evidence",
            "template": "assessments/evidence/multi_source.html",
            "order": 10,
        },
    )

    def ready(self) -> None:
        from core import outbox

        from .services import SENT_SOURCE, external_request_mark_sent

        # The outbox tells us when a request's email has actually left (it may be retried).
        outbox.sent_handler_register(SENT_SOURCE, external_request_mark_sent)
