"""Periodic work for assessments; thin: each task calls one service."""

from celery import shared_task
from django.utils import timezone

from .services.workflow import rotation_evaluations_create


@shared_task(name="assessments.tasks.create_rotation_evaluations")
def create_rotation_evaluations() -> int:
    """Create the end-of-rotation evaluations of blocks that have ended (idempotent)."""
    return rotation_evaluations_create(today=timezone.localdate())
