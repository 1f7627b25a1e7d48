"""The project's single Celery application.

Settings come from Django settings under the ``CELERY_`` namespace; the beat schedule is in code
(``CELERY_BEAT_SCHEDULE`` in ``config/settings/base.py``) so it is reviewed like everything else.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("fellowship")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
