"""Where a reminder points, and the signed links that emails carry.

A link in an email is ``/programs/<id>/notifications/open/<token>/`` where the token is the
reminder id signed with ``django.core.signing`` (salted, time-stamped). The view still requires
sign-in, checks that the reminder belongs to the signed-in person, marks it read and redirects.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

LINK_SALT = "reminders.notification-link"


def link_token(reminder_id: int) -> str:
    return signing.dumps(reminder_id, salt=LINK_SALT, compress=False)


def link_token_load(token: str) -> int | None:
    """The reminder id the token was signed for, or None if forged or expired."""
    max_age = datetime.timedelta(days=settings.REMINDERS_LINK_MAX_AGE_DAYS)
    try:
        value = signing.loads(token, salt=LINK_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def open_path(*, program_id: int, reminder_id: int) -> str:
    return reverse(
        "reminders:notification_open",
        kwargs={"program_id": program_id, "token": link_token(reminder_id)},
    )


# Item pages, reversed once per program so the sweep spends no time on URL resolving per row.
def program_paths(program_id: int) -> dict[str, str]:
    kwargs = {"program_id": program_id}
    return {
        "calendar": reverse("trainees:calendar", kwargs=kwargs),
        "faculty_queue": reverse("dashboard:faculty_queue", kwargs=kwargs),
        "verification_queue": reverse("procedures:verification_queue", kwargs=kwargs),
        "my_progress": reverse("procedures:my_progress", kwargs=kwargs),
        "cohort_progress": reverse("procedures:cohort_progress", kwargs=kwargs),
        "assessment": reverse(
            "assessments:assessment_detail", kwargs={**kwargs, "assessment_id": 0}
        ),
        "preferences": reverse("reminders:preferences", kwargs=kwargs),
    }


def assessment_path(paths: dict[str, str], assessment_id: int) -> str:
    # The assessment URL was reversed with id 0; put the real id in its place.
    return paths["assessment"].replace("/0/", f"/{assessment_id}/", 1)
