"""Periodic work for confidential evaluations; thin: each task calls one service."""

from celery import shared_task

from .services import open_collections_sync


@shared_task(name="surveys.tasks.sync_invitations")
def sync_invitations() -> int:
    """Invite fellows that open collections call for since they were scheduled (idempotent)."""
    return open_collections_sync()
