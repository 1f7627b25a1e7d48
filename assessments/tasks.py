"""Periodic work for assessments; thin: each task calls one service."""

from celery import shared_task

from .services.requests import assessment_requests_expire
from .services.workflow import rotation_evaluations_create


@shared_task(name="assessments.tasks.create_rotation_evaluations")
def create_rotation_evaluations() -> int:
    """Create the end-of-rotation evaluations of blocks that have ended, by each program's own
    date (idempotent)."""
    return rotation_evaluations_create()


@shared_task(name="assessments.tasks.expire_requests")
def expire_requests() -> int:
    """Withdraw fellows' requests nobody started within the program's expiry (idempotent)."""
    return assessment_requests_expire()
