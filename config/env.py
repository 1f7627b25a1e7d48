"""The only module that reads the process environment.

Settings modules call these getters; nothing else touches ``os.environ``. A getter without a
default raises ``ImproperlyConfigured`` when the variable is missing, which is how production
refuses to start without its secrets.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

_env = environ.Env()

# Shortcuts over django-environ: it already parses DATABASE_URL, lists and booleans.
str_ = _env.str
bool_ = _env.bool
int_ = _env.int
list_ = _env.list
db_url = _env.db_url
email_url = _env.email_url


def has(name: str) -> bool:
    """True when the variable is set to a non-empty value."""
    return bool(_env.str(name, default=""))
