from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"

    def ready(self) -> None:
        from core import outbox

        from .services.transactional import transactional_email_queue

        # Lower apps queue one-off emails through core.outbox; the ledger that sends them is here.
        outbox.queue_register(transactional_email_queue)
