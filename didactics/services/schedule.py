"""Writes for the conference calendar: series, and sessions one by one or as a recurring run."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record, field_values
from curriculum.models import Membership, Program, Subcompetency

from ..models import Series, Session
from .common import enforce_calendar

MAX_RECURRING = 60
# What the audit trail records of a series or a session when it is created.
SERIES_FIELDS = ("name", "kind", "attendance_required", "description")
SESSION_FIELDS = (
    "series",
    "date",
    "start_time",
    "end_time",
    "topic",
    "presenter",
    "guest_presenter",
    "location",
    "seed_domains",
)


def _record_session(actor, session: Session, subcompetencies) -> None:
    changes = field_values(session, SESSION_FIELDS)
    changes["subcompetencies"] = sorted(sub.pk for sub in subcompetencies)
    audit_record(actor=actor, action="didactics.session.create", obj=session, changes=changes)


@transaction.atomic
def series_create(
    *,
    actor,
    program: Program,
    name: str,
    kind: str,
    attendance_required: bool = True,
    description: str = "",
) -> Series:
    enforce_calendar(actor, program)
    series = Series(
        program=program,
        name=(name or "").strip(),
        kind=kind,
        attendance_required=attendance_required,
        description=description,
    )
    series.full_clean()
    series.save()
    audit_record(
        actor=actor,
        action="didactics.series.create",
        obj=series,
        changes=field_values(series, SERIES_FIELDS),
    )
    return series


def _clean_session_fields(program: Program, presenter, subcompetencies) -> None:
    if presenter is not None and (presenter.program_id != program.pk or not presenter.is_active):
        raise ValidationError(
            {"presenter": "The presenter must be an active member of the program."}
        )
    for sub in subcompetencies or ():
        if sub.milestone_set.program_id != program.pk:
            raise ValidationError({"subcompetencies": "Choose this program's subcompetencies."})


def _build_session(series: Series, **fields) -> Session:
    subcompetencies = fields.pop("subcompetencies", None) or []
    session = Session(program=series.program, series=series, **fields)
    _clean_session_fields(series.program, session.presenter, subcompetencies)
    session.full_clean()
    return session, subcompetencies


@transaction.atomic
def session_create(
    *,
    actor,
    series: Series,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    topic: str,
    presenter: Membership | None = None,
    guest_presenter: str = "",
    location: str = "",
    seed_domains: list[str] | None = None,
    subcompetencies: list[Subcompetency] | None = None,
) -> Session:
    """One session of ``series`` (times are the program's local wall-clock times)."""
    enforce_calendar(actor, series.program)
    session, subs = _build_session(
        series,
        date=date,
        start_time=start_time,
        end_time=end_time,
        topic=(topic or "").strip(),
        presenter=presenter,
        guest_presenter=(guest_presenter or "").strip(),
        location=location,
        seed_domains=list(seed_domains or []),
        subcompetencies=subcompetencies,
    )
    session.save()
    session.subcompetencies.set(subs)
    _record_session(actor, session, subs)
    return session


def recurring_dates(
    *,
    first_date: datetime.date,
    last_date: datetime.date,
    every_weeks: int,
    skip_dates: list[datetime.date] | None = None,
) -> list[datetime.date]:
    """The dates of a weekly (1) or fortnightly (2) series from ``first_date`` to ``last_date``
    inclusive, without ``skip_dates``. Raises ``ValidationError`` for an impossible request."""
    if every_weeks not in (1, 2):
        raise ValidationError({"every_weeks": "Choose weekly or every two weeks."})
    if last_date < first_date:
        raise ValidationError({"last_date": "The last date must not be before the first date."})
    skip = set(skip_dates or ())
    dates, day = [], first_date
    while day <= last_date:
        if day not in skip:
            dates.append(day)
        day += datetime.timedelta(weeks=every_weeks)
    if not dates:
        raise ValidationError("No session falls between these dates once the skipped dates go.")
    if len(dates) > MAX_RECURRING:
        raise ValidationError(
            f"That makes {len(dates)} sessions; at most {MAX_RECURRING} can be created at once."
        )
    return dates


@transaction.atomic
def session_create_recurring(
    *,
    actor,
    series: Series,
    first_date: datetime.date,
    last_date: datetime.date,
    every_weeks: int,
    skip_dates: list[datetime.date] | None = None,
    start_time: datetime.time,
    end_time: datetime.time,
    topic: str,
    presenter: Membership | None = None,
    guest_presenter: str = "",
    location: str = "",
    seed_domains: list[str] | None = None,
    subcompetencies: list[Subcompetency] | None = None,
) -> list[Session]:
    """Every session of a recurring run, all created or none (checked before anything is saved)."""
    enforce_calendar(actor, series.program)
    dates = recurring_dates(
        first_date=first_date, last_date=last_date, every_weeks=every_weeks, skip_dates=skip_dates
    )
    built = []
    for day in dates:
        session, subs = _build_session(
            series,
            date=day,
            start_time=start_time,
            end_time=end_time,
            topic=(topic or "").strip(),
            presenter=presenter,
            guest_presenter=(guest_presenter or "").strip(),
            location=location,
            seed_domains=list(seed_domains or []),
            subcompetencies=subcompetencies,
        )
        built.append(session)
    created = Session.objects.bulk_create(built)
    through = Session.subcompetencies.through
    through.objects.bulk_create(
        through(session_id=session.pk, subcompetency_id=sub.pk)
        for session in created
        for sub in subs
    )
    for session in created:
        _record_session(actor, session, subs)
    return created
