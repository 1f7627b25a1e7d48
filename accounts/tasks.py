from celery import shared_task

from .services import session_purge_expired


@shared_task(name="accounts.tasks.purge_expired_sessions")
def purge_expired_sessions() -> int:
    """Nightly (beat schedule in settings): drop expired sessions so the table stays small."""
    return session_purge_expired()
