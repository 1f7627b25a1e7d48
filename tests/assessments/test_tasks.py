from django.conf import settings

from assessments.tasks import create_rotation_evaluations


def test_beat_schedule_creates_rotation_evaluations_nightly():
    entry = settings.CELERY_BEAT_SCHEDULE["create-rotation-evaluations"]
    assert entry["task"] == create_rotation_evaluations.name
