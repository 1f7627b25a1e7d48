from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"

    def ready(self) -> None:
        from core import notices, outbox

        from .services.notices import notices_record
        from .services.transactional import transactional_email_queue

        # Lower apps queue one-off emails through core.outbox and tell people of work that landed
        # on them through core.notices; the ledger that sends both is here.
        outbox.queue_register(transactional_email_queue)
        notices.record_register(notices_record)
