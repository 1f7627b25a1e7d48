"""Handing work to Celery without letting a broker outage break the web app.

When Redis is down, ``enqueue`` logs and returns False instead of raising: the request that
asked for the work still succeeds, and the work is not lost because its state lives in the
database (a pending delivery, say), where the next periodic sweep finds it once the broker is back.
"Down" includes a Redis that accepts connections but never answers: the socket timeouts in
``CELERY_BROKER_TRANSPORT_OPTIONS`` make that publish fail (kombu's OperationalError) within about
2 s, instead of blocking the request (tests/integration/test_timeouts.py).
"""

import logging

from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue(task, *args) -> bool:
    try:
        task.delay(*args)
    except (OperationalError, ConnectionError, OSError) as error:
        logger.warning(
            "Broker unavailable, %s(%s) left for the next sweep: %s", task.name, args, error
        )
        return False
    return True
