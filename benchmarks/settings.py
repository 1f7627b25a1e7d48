"""Benchmark settings: the test settings (fast hashing, local memory cache, eager Celery) with
DEBUG off and production's psycopg 3 connection pool, so timings do not include a new
PostgreSQL connection per request."""

from psycopg_pool import ConnectionPool

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

DEBUG = False
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
    "min_size": 2,
    "max_size": 4,
    "timeout": 10,
    "check": ConnectionPool.check_connection,
}
