"""Writes for the didactic calendar, check-in and the roll, and learning objectives.

``actor=None`` is the system (seeding, commands); a person must hold the role each rule names.
"""

import datetime
import secrets
import zoneinfo
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format, time_format

from curriculum.models import Membership, Program, Rotation, Subcompetency

from .models import (
    Attendance,
    AttendanceRequirement,
    CheckinThrottle,
    LearningObjective,
    ObjectiveProgress,
    ObjectiveResource,
    RotationTeacher,
    Series,
    Session,
)
from .permissions import (
    can_confirm_objective,
    can_manage_calendar,
    can_manage_objectives,
    can_manage_teachers,
    can_run_checkin,
    is_fellow,
)

Role = Membership.Role
Status = Attendance.Status

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a code read off a projector is typed right the first time.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
OPENS_BEFORE_START = datetime.timedelta(minutes=15)
CLOSES_AFTER_END = datetime.timedelta(minutes=30)
MAX_WRONG_CODES = 5
LOCKOUT = datetime.timedelta(minutes=15)
MAX_RECURRING = 60
REASON_MAX_LENGTH = 300

# settings.MAX_UPLOAD_BYTES (the request-size guard for uploads) must let this much through.
MAX_RESOURCE_BYTES = 10 * 1024 * 1024
# extension -> (content type, how the file starts)
RESOURCE_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (b"PK\x03\x04",),
    ),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}


def _enforce(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _enforce_calendar(actor, program: Program) -> None:
    _enforce(
        actor is None or can_manage_calendar(actor, program),
        "Only the program coordinator or director can change the conference calendar.",
    )


def _local(program: Program, value: datetime.datetime) -> str:
    local = timezone.localtime(value, timezone=zoneinfo.ZoneInfo(program.timezone))
    return f"{date_format(local, 'D M j')} at {time_format(local, 'g:i A')}"


# --- Series and sessions ------------------------------------------------------------------------


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
    _enforce_calendar(actor, program)
    series = Series(
        program=program,
        name=(name or "").strip(),
        kind=kind,
        attendance_required=attendance_required,
        description=description,
    )
    series.full_clean()
    series.save()
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
    _enforce_calendar(actor, series.program)
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
    _enforce_calendar(actor, series.program)
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
    return created


# --- Check-in -------------------------------------------------------------------------------------


def new_checkin_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).upper()


def default_window(session: Session) -> tuple[datetime.datetime, datetime.datetime]:
    return session.starts_at - OPENS_BEFORE_START, session.ends_at + CLOSES_AFTER_END


@transaction.atomic
def session_open_checkin(
    *,
    actor,
    session: Session,
    opens_at: datetime.datetime | None = None,
    closes_at: datetime.datetime | None = None,
    new_code: bool = False,
) -> Session:
    """Give the session a check-in code (kept unless ``new_code``) and a window (default: 15
    minutes before the start to 30 minutes after the end)."""
    session = Session.objects.select_for_update().select_related("program").get(pk=session.pk)
    _enforce(
        actor is None or can_run_checkin(actor, session),
        "Only the presenter or the program coordinator can run check-in.",
    )
    default_opens, default_closes = default_window(session)
    session.checkin_opens_at = opens_at or session.checkin_opens_at or default_opens
    session.checkin_closes_at = closes_at or session.checkin_closes_at or default_closes
    if session.checkin_closes_at <= session.checkin_opens_at:
        raise ValidationError({"closes_at": "The window must close after it opens."})
    if new_code or not session.checkin_code:
        session.checkin_code = new_checkin_code()
    session.full_clean()
    session.save(
        update_fields=["checkin_code", "checkin_opens_at", "checkin_closes_at", "updated_at"]
    )
    return session


@dataclass(frozen=True)
class CheckinResult:
    attendance: Attendance
    already: bool  # the fellow had checked in before: nothing changed


def session_check_in(*, actor, session: Session, code: str) -> CheckinResult:
    """A fellow of the session's program checks in with its code, within its window.

    Refused (``ValidationError``) outside the window, with a wrong code (the fifth wrong code
    locks the fellow out of this session for 15 minutes) or while locked out. A second check-in
    changes nothing and says so.
    """
    program = session.program
    fellow = Membership.objects.filter(
        user=actor, program=program, role=Role.FELLOW, is_active=True
    ).first()
    _enforce(fellow is not None and is_fellow(actor, program), "Only fellows check in.")
    now = timezone.now()
    error = None
    with transaction.atomic():
        session = Session.objects.select_related("program").get(pk=session.pk)
        throttle, _ = CheckinThrottle.objects.get_or_create(session=session, fellow=fellow)
        throttle = CheckinThrottle.objects.select_for_update().get(pk=throttle.pk)
        existing = Attendance.objects.filter(session=session, fellow=fellow).first()
        if existing is not None and existing.status == Status.PRESENT:
            return CheckinResult(existing, already=True)
        if not session.checkin_is_set_up:
            raise ValidationError("Check-in is not open for this session yet.")
        if throttle.locked_until and throttle.locked_until > now:
            raise ValidationError(
                "Too many wrong codes. Try again after "
                f"{_local(program, throttle.locked_until)}, or ask the coordinator."
            )
        if now < session.checkin_opens_at:
            raise ValidationError(
                "Check-in has not opened yet: it opens "
                f"{_local(program, session.checkin_opens_at)}."
            )
        if now > session.checkin_closes_at:
            raise ValidationError(
                f"Check-in closed {_local(program, session.checkin_closes_at)}. "
                "Ask the coordinator to correct the roll if you attended."
            )
        # Bytes: compare_digest refuses non-ASCII text, and a typed code may hold anything.
        if not secrets.compare_digest(normalise_code(code).encode(), session.checkin_code.encode()):
            throttle.failures += 1
            left = MAX_WRONG_CODES - throttle.failures
            if left <= 0:
                throttle.failures = 0
                throttle.locked_until = now + LOCKOUT
                error = (
                    "That code is wrong. After five wrong codes check-in is locked until "
                    f"{_local(program, throttle.locked_until)}."
                )
            else:
                error = (
                    f"That code is wrong. Check the code on the screen ({left} "
                    f"{'try' if left == 1 else 'tries'} left)."
                )
            throttle.save(update_fields=["failures", "locked_until", "updated_at"])
        else:
            attendance = existing or Attendance(session=session, fellow=fellow)
            attendance.status = Status.PRESENT
            attendance.method = Attendance.Method.CHECK_IN
            attendance.reason = ""
            attendance.recorded_by = actor
            attendance.recorded_at = now
            attendance.full_clean(validate_unique=False)
            try:
                with transaction.atomic():
                    attendance.save()
            except IntegrityError:  # a second tap raced the first: it is already recorded
                return CheckinResult(
                    Attendance.objects.get(session=session, fellow=fellow), already=True
                )
            throttle.failures = 0
            throttle.locked_until = None
            throttle.save(update_fields=["failures", "locked_until", "updated_at"])
            return CheckinResult(attendance, already=False)
    raise ValidationError(error)  # after the block, so the counted failure is kept


@transaction.atomic
def attendance_correct(
    *, actor, session: Session, fellow: Membership, status: str, reason: str
) -> Attendance:
    """The coordinator (or director) sets a fellow present, absent or excused, with a reason;
    who and when are recorded."""
    _enforce_calendar(actor, session.program)
    if fellow.program_id != session.program_id or fellow.role != Role.FELLOW:
        raise ValidationError("Only the program's fellows are on the roll.")
    if status not in Status.values:
        raise ValidationError({"status": "Choose present, absent or excused."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason for the correction."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"Keep the reason to {REASON_MAX_LENGTH} characters."})
    attendance = Attendance.objects.select_for_update().filter(
        session=session, fellow=fellow
    ).first() or Attendance(session=session, fellow=fellow)
    attendance.status = status
    attendance.method = Attendance.Method.ROLL
    attendance.reason = reason
    attendance.recorded_by = actor
    attendance.recorded_at = timezone.now()
    attendance.full_clean(validate_unique=False)
    attendance.save()
    return attendance


@transaction.atomic
def requirement_set(*, actor, program: Program, kind: str, required_percent: int):
    _enforce_calendar(actor, program)
    if not 0 <= required_percent <= 100:
        raise ValidationError({"required_percent": "Enter a percentage from 0 to 100."})
    requirement, _ = AttendanceRequirement.objects.update_or_create(
        program=program, kind=kind, defaults={"required_percent": required_percent}
    )
    requirement.full_clean()
    return requirement


# --- Learning objectives --------------------------------------------------------------------------


def _enforce_objectives(actor, program: Program) -> None:
    _enforce(
        actor is None or can_manage_objectives(actor, program),
        "Only the program director or coordinator can change learning objectives.",
    )


@transaction.atomic
def objective_create(
    *, actor, rotation: Rotation, text: str, seed_domain: str = "", order: int | None = None
) -> LearningObjective:
    _enforce_objectives(actor, rotation.program)
    if order is None:
        order = rotation.learning_objectives.count() + 1
    objective = LearningObjective(
        rotation=rotation, text=(text or "").strip(), seed_domain=seed_domain, order=order
    )
    objective.full_clean()
    objective.save()
    return objective


def _check_upload(upload) -> str:
    """The upload's extension when it is an allowed file of at most 10 MB; else a reason."""
    name = PurePath(upload.name or "").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in RESOURCE_TYPES:
        raise ValidationError(
            {"file": "Upload a PDF, Word (.docx), PowerPoint (.pptx), PNG or JPEG file."}
        )
    if upload.size > MAX_RESOURCE_BYTES:
        limit = MAX_RESOURCE_BYTES // 2**20
        raise ValidationError({"file": f"The file is larger than {limit} MB."})
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(RESOURCE_TYPES[suffix][1]):
        raise ValidationError({"file": f"The file's content is not a {suffix[1:].upper()} file."})
    return name


@transaction.atomic
def resource_add(
    *, actor, objective: LearningObjective, title: str, url: str = "", upload=None
) -> ObjectiveResource:
    """A link or an uploaded file (PDF, DOCX, PPTX, PNG, JPEG; at most 10 MB), not both."""
    _enforce_objectives(actor, objective.rotation.program)
    url = (url or "").strip()
    if bool(url) == bool(upload):
        raise ValidationError("Give either a link or a file.")
    resource = ObjectiveResource(objective=objective, title=(title or "").strip(), url=url)
    if upload is not None:
        resource.original_name = _check_upload(upload)
        resource.size = upload.size
        resource.file.save(resource.original_name, upload, save=False)
    try:
        resource.full_clean()
        resource.save()
    except Exception:
        if resource.file:  # nothing half-saved: no file without its row
            resource.file.delete(save=False)
        raise
    return resource


@transaction.atomic
def teacher_add(*, actor, rotation: Rotation, faculty: Membership) -> RotationTeacher:
    _enforce(
        actor is None or can_manage_teachers(actor, rotation.program),
        "Only the program director says who teaches on a rotation.",
    )
    if faculty.program_id != rotation.program_id or faculty.role != Role.FACULTY:
        raise ValidationError({"faculty": "Choose a faculty member of this program."})
    teacher, _ = RotationTeacher.objects.get_or_create(rotation=rotation, faculty=faculty)
    return teacher


@transaction.atomic
def teacher_remove(*, actor, teacher: RotationTeacher) -> None:
    _enforce(
        actor is None or can_manage_teachers(actor, teacher.rotation.program),
        "Only the program director says who teaches on a rotation.",
    )
    teacher.delete()


@transaction.atomic
def objective_mark_met(
    *, actor, objective: LearningObjective, note: str = "", fellow: Membership | None = None
) -> ObjectiveProgress:
    """The fellow says they met the objective (idempotent; the note may be updated until a
    teacher confirms it). ``fellow`` is for seeding (``actor=None``)."""
    program = objective.rotation.program
    if actor is not None:
        fellow = Membership.objects.filter(
            user=actor, program=program, role=Role.FELLOW, is_active=True
        ).first()
        _enforce(fellow is not None, "Only the program's fellows mark objectives as met.")
    note = (note or "").strip()
    progress = (
        ObjectiveProgress.objects.select_for_update()
        .filter(objective=objective, fellow=fellow)
        .first()
    )
    if progress is None:
        progress = ObjectiveProgress(objective=objective, fellow=fellow, met_at=timezone.now())
    elif progress.confirmed_at:
        raise ValidationError("This objective is already confirmed; it cannot change now.")
    progress.note = note
    progress.full_clean(validate_unique=False)
    progress.save()
    return progress


@transaction.atomic
def objective_unmark(*, actor, progress: ObjectiveProgress) -> None:
    """The fellow withdraws a claim that no one has confirmed yet."""
    progress = (
        ObjectiveProgress.objects.select_for_update().select_related("fellow").get(pk=progress.pk)
    )
    _enforce(progress.fellow.user_id == actor.pk, "Only the fellow can withdraw their claim.")
    if progress.confirmed_at:
        raise ValidationError("This objective is already confirmed; it cannot change now.")
    progress.delete()


@transaction.atomic
def objective_confirm(*, actor, progress: ObjectiveProgress) -> ObjectiveProgress:
    """A teacher of the rotation (or the director) confirms a fellow met the objective."""
    progress = (
        ObjectiveProgress.objects.select_for_update(of=("self",))
        .select_related("objective__rotation__program")
        .get(pk=progress.pk)
    )
    rotation = progress.objective.rotation
    _enforce(
        actor is not None and can_confirm_objective(actor, rotation),
        "Only the rotation's teaching faculty or the program director can confirm.",
    )
    if progress.confirmed_at:
        return progress
    progress.confirmed_by = actor
    progress.confirmed_at = timezone.now()
    progress.full_clean(validate_unique=False)
    progress.save(update_fields=["confirmed_by", "confirmed_at", "updated_at"])
    return progress
