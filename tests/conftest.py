"""Shared fixtures: two programs with every role, so each view is tried from inside and outside."""

from dataclasses import dataclass

import factory.random
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from curriculum.models import Membership, Program
from tests.accounts.factories import UserFactory
from tests.curriculum.factories import MembershipFactory, ProgramFactory

Role = Membership.Role
# Factory data (names from Faker) is the same on every run: a run must not pass or fail by the
# names it happened to draw.
factory.random.reseed_random("fellowship")


def pytest_sessionstart(session) -> None:
    """In CI the suite runs on PostgreSQL or not at all: a silent SQLite run would prove nothing."""
    if settings.RUNNING_IN_CI and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        pytest.exit("CI=true but DATABASE_URL is not a PostgreSQL URL", returncode=2)


def require_service(reason: str) -> None:
    """Fail in CI, skip on a developer machine, when a real service a test needs is missing."""
    if settings.RUNNING_IN_CI:
        pytest.fail(f"{reason} (CI requires it)")
    pytest.skip(reason)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # allauth's login rate limits live in the cache; one test's failures must not throttle the next.
    cache.clear()


@dataclass
class ProgramPeople:
    program: Program
    director: object
    coordinator: object
    faculty: object
    fellow: object

    def user(self, role: str):
        return getattr(self, role)


def make_program_people(**program_fields) -> ProgramPeople:
    program = ProgramFactory(**program_fields)
    people = {}
    for role in Role.values:
        people[role] = UserFactory()
        MembershipFactory(program=program, user=people[role], role=role)
    return ProgramPeople(program=program, **people)


@pytest.fixture
def ours(db) -> ProgramPeople:
    return make_program_people(name="Pain Medicine Fellowship")


@pytest.fixture
def theirs(db) -> ProgramPeople:
    return make_program_people(name="Other Pain Fellowship", institution="Other Hospital")


@pytest.fixture
def enrolment(ours):
    """A fellow of ``ours`` enrolled for the 2026-2027 academic year (July 1 to June 30)."""
    from datetime import date

    from tests.trainees.factories import AcademicYearFactory, CohortFactory, EnrolmentFactory

    year = AcademicYearFactory(
        program=ours.program, start_date=date(2026, 7, 1), end_date=date(2027, 6, 30)
    )
    cohort = CohortFactory(program=ours.program, academic_year=year)
    return EnrolmentFactory(cohort=cohort, membership__program=ours.program)
