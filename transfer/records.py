"""A program's whole record as one JSON document, and its exact restoration.

What the record holds is decided per model, for every model installed: ``EXPORTED`` or
``EXCLUDED`` below, each with its reason. ``program_export`` refuses to run while a model has no
decision (``coverage_problems``), so a new table cannot silently stay behind on the old host.

Rows are found by following foreign keys to ``curriculum.Program`` along every path (a signature
reached through an assessment or through a CCC review both count), then the rows those rows
point at (the people), then what belongs to those people (their notification preferences), until
nothing new appears. Uploaded files travel inside the document. ``program_import`` loads such a
document into a database that does not hold those rows yet, keeping primary keys, in one
transaction: a failure leaves nothing, neither rows nor files.

Used by ``manage.py export_program`` / ``import_program`` to move a program to another host or
hand its record to an auditor.
"""

import base64
import binascii
import datetime
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.apps import apps
from django.core import serializers
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.utils import validate_file_name
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

FORMAT_VERSION = 1
MAX_PATH_DEPTH = 4

# --- What a program's record holds: one decision for every installed model ------------------

BY_PROGRAM = "the program's own rows, found by following foreign keys to the program"

EXPORTED: dict[str, str] = {
    "accounts.User": "the program's people: every user an exported row points at",
    "accounts.Invitation": BY_PROGRAM,
    "curriculum.Program": "the program itself",
    "curriculum.Membership": BY_PROGRAM,
    "curriculum.MilestoneSet": BY_PROGRAM,
    "curriculum.Competency": BY_PROGRAM,
    "curriculum.Subcompetency": BY_PROGRAM,
    "curriculum.LevelDescriptor": BY_PROGRAM,
    "curriculum.Rotation": BY_PROGRAM,
    "trainees.AcademicYear": BY_PROGRAM,
    "trainees.Cohort": BY_PROGRAM,
    "trainees.Enrolment": BY_PROGRAM,
    "trainees.MedicalEducation": BY_PROGRAM,
    "trainees.Residency": BY_PROGRAM,
    "trainees.ScheduleBlock": BY_PROGRAM,
    "trainees.LeavePolicy": BY_PROGRAM,
    "trainees.LeavePeriod": BY_PROGRAM,
    "trainees.Deadline": BY_PROGRAM,
    "assessments.AssessmentTemplate": BY_PROGRAM,
    "assessments.Assessment": BY_PROGRAM,
    "assessments.Rating": BY_PROGRAM,
    "assessments.ReviewPeriod": BY_PROGRAM,
    "assessments.CompetencyCommittee": BY_PROGRAM + "; its members travel with it",
    "assessments.CommitteeMeeting": BY_PROGRAM + "; the members present travel with it",
    "assessments.CCCReview": BY_PROGRAM,
    "assessments.ConsensusLevel": BY_PROGRAM,
    "assessments.SummativeEvaluation": BY_PROGRAM,
    "assessments.Signature": BY_PROGRAM,
    "procedures.ProcedureCategory": BY_PROGRAM,
    "procedures.ProcedureSettings": BY_PROGRAM,
    "procedures.ProcedureType": BY_PROGRAM,
    "procedures.ProcedureTarget": BY_PROGRAM,
    "procedures.ProcedureLogEntry": BY_PROGRAM,
    "procedures.ProcedureEntryEvent": (
        "the history of the program's entries, including the detached events of deleted "
        "entries (found by the fellow membership their summary names)"
    ),
    "procedures.FavouriteProcedure": BY_PROGRAM,
    "reminders.ReminderSettings": BY_PROGRAM,
    "reminders.NotificationPreference": (
        "how each exported person wants reminders (delivery, digest hour, muted kinds, calendar "
        "token as stored); personal, so it applies in each of their programs"
    ),
    "reminders.Reminder": "the program's reminder ledger: without it the sweep would resend all",
    "reminders.Delivery": "the emails of the program's reminders, so sent ones stay sent",
    "didactics.Series": BY_PROGRAM,
    "didactics.AttendanceRequirement": BY_PROGRAM,
    "didactics.Session": BY_PROGRAM,
    "didactics.Attendance": BY_PROGRAM,
    "didactics.CheckinThrottle": "a fellow's wrong check-in codes: a lockout survives the move",
    "didactics.RotationTeacher": BY_PROGRAM,
    "didactics.LearningObjective": BY_PROGRAM,
    "didactics.ObjectiveResource": BY_PROGRAM + "; uploaded files travel in the document",
    "didactics.ObjectiveProgress": BY_PROGRAM,
    "evaluators.ExternalEvaluationRequest": BY_PROGRAM,
    "evaluators.ExternalEvaluation": BY_PROGRAM,
    "evaluators.ExternalRating": BY_PROGRAM,
    "boards.AbaFellowReport": BY_PROGRAM,
    "boards.BoardSignature": BY_PROGRAM,
    "audit.AuditEvent": "the program's audit trail (events naming the program)",
    # workhours (helper section)
    "workhours.Shift": BY_PROGRAM,
    "workhours.ShiftTemplate": BY_PROGRAM,
    "workhours.FindingExplanation": BY_PROGRAM,
    # surveys (helper section)
    "surveys.EvaluationForm": BY_PROGRAM,
    "surveys.EvaluationQuestion": BY_PROGRAM,
    "surveys.Collection": BY_PROGRAM,
    "surveys.Invitation": BY_PROGRAM + "; completion only, never linked to a response",
    "surveys.Response": BY_PROGRAM + "; no link to who gave it, no time stamp",
    "surveys.Answer": BY_PROGRAM,
    # portfolio (helper section)
    "portfolio.LearningPlan": BY_PROGRAM,
    "portfolio.LearningGoal": BY_PROGRAM + " (the goals of the program's learning plans)",
    "portfolio.ScholarlyActivity": BY_PROGRAM,
    # program_evaluation (helper section)
    "program_evaluation.ProgramEvaluationCommittee": BY_PROGRAM + "; its members travel with it",
    "program_evaluation.AnnualProgramEvaluation": (
        BY_PROGRAM + "; the members present and the signed snapshot travel with it"
    ),
    "program_evaluation.ActionItem": BY_PROGRAM,
    "program_evaluation.GraduateOutcome": BY_PROGRAM,
}

EXCLUDED: dict[str, str] = {
    "admin.LogEntry": "the Django admin's history of this host; it names this database's ids",
    "auth.Permission": "made by migrate on every host, with ids that differ between databases",
    "auth.Group": "site-wide admin groups, not a program's; the app grants nothing through them",
    "contenttypes.ContentType": "made by migrate on every host",
    "sessions.Session": "sign-ins to this host; after a move people sign in again",
    "account.EmailAddress": (
        "allauth's copy of User.email; verification is off (invitations confirm addresses), "
        "so people sign in with their e-mail and password without it"
    ),
    "account.EmailConfirmation": "pending confirmation links of this host (verification is off)",
    "mfa.Authenticator": (
        "authenticator secrets stay on the host they were enrolled on; people set up their "
        "authenticator again after a move"
    ),
}

# Many-to-many fields of exported models left out of the document, and why.
STRIPPED: dict[str, dict[str, str]] = {
    "accounts.User": {
        "groups": "auth.Group is not exported (site-wide)",
        "user_permissions": "auth.Permission ids differ between databases",
    },
}

# Exported models whose rows are not found by a foreign-key path to the program.
_REFERENCED_ONLY = {"accounts.User", "reminders.Delivery"}  # rows exported rows point at
_OWNED_BY_PERSON = {"reminders.NotificationPreference": "user"}  # rows of exported people

# The summary ``procedures.services.log.entry_summary`` keeps on the events of a deleted entry;
# the supervisor part after the fellow's id proves the id was not cut short at 300 characters.
_DELETED_ENTRY_FELLOW = re.compile(r"fellow membership (\d+), supervisor membership \d")


class ImportRefused(Exception):
    """The document cannot be restored here; the message says why, nothing was written."""


class CoverageIncomplete(Exception):
    """A model has no decision (exported or excluded): exporting would silently lose it."""


def coverage_problems() -> list[str]:
    """Why ``EXPORTED`` / ``EXCLUDED`` / ``STRIPPED`` do not cover the installed models; empty
    when they do."""
    problems = []
    installed = {model._meta.label: model for model in apps.get_models()}
    for label in sorted(installed):
        if label in EXPORTED and label in EXCLUDED:
            problems.append(f"{label} is both exported and excluded.")
        elif label not in EXPORTED and label not in EXCLUDED:
            problems.append(
                f"{label} is neither exported nor excluded: add it to EXPORTED or EXCLUDED in "
                "transfer/records.py, with the reason."
            )
        elif not (EXPORTED.get(label) or EXCLUDED.get(label) or "").strip():
            problems.append(f"{label} has no reason given.")
    for label in sorted(EXPORTED.keys() | EXCLUDED.keys() | STRIPPED.keys()):
        if label not in installed:
            problems.append(f"{label} is named in transfer/records.py but not installed.")
    program_model = apps.get_model("curriculum", "Program")
    for label in sorted(EXPORTED.keys() & installed.keys()):
        model = installed[label]
        relations = [f for f in model._meta.concrete_fields if f.is_relation]
        for field in relations + list(model._meta.many_to_many):
            target = field.related_model._meta.label
            stripped = field.many_to_many and field.name in STRIPPED.get(label, {})
            if target not in EXPORTED and not stripped:
                problems.append(
                    f"{label}.{field.name} points at {target}, which is not exported: a restore "
                    "would break."
                )
        found_otherwise = label in _REFERENCED_ONLY or label in _OWNED_BY_PERSON
        if not found_otherwise and not _paths_to_program(model, program_model):
            problems.append(f"{label} is exported but has no foreign-key path to the program.")
    return problems


def _exported_models() -> list[type[models.Model]]:
    return [apps.get_model(label) for label in EXPORTED]


def _forward_relations(model) -> list[models.Field]:
    return [
        field
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and (field.many_to_one or field.one_to_one)
    ]


def _kept_many_to_many(model) -> list[models.Field]:
    stripped = STRIPPED.get(model._meta.label, {})
    return [field for field in model._meta.many_to_many if field.name not in stripped]


def _paths_to_program(model, program_model, depth: int = 0, seen=()) -> list[str]:
    """Every ``a__b__program`` lookup from ``model`` to the program, shortest paths only per
    first step, never through the same model twice."""
    if model is program_model:
        return ["pk"]
    if depth >= MAX_PATH_DEPTH:
        return []
    paths = []
    for field in _forward_relations(model):
        target = field.related_model
        if target in seen or target is model:
            continue
        if target is program_model:
            paths.append(field.name)
            continue
        for rest in _paths_to_program(target, program_model, depth + 1, (*seen, model)):
            paths.append(f"{field.name}__{rest}")
    return paths


def _program_rows(program) -> dict[type[models.Model], set]:
    program_model = apps.get_model("curriculum", "Program")
    rows: dict[type[models.Model], set] = defaultdict(set)
    for model in _exported_models():
        paths = _paths_to_program(model, program_model)
        if not paths:
            continue
        condition = reduce(or_, (Q(**{path: program.pk}) for path in paths))
        rows[model].update(model._base_manager.filter(condition).values_list("pk", flat=True))
    event_model = apps.get_model("procedures", "ProcedureEntryEvent")
    rows[event_model] |= _deleted_entry_events(program)
    return rows


def _deleted_entry_events(program) -> set:
    """Deleting an entry detaches its events (``entry`` empty) and writes a summary naming the
    fellow's membership, which names the program. A summary cut short before that id falls back
    to the actor being a member here (rather exported twice than lost)."""
    event_model = apps.get_model("procedures", "ProcedureEntryEvent")
    membership_model = apps.get_model("curriculum", "Membership")
    members = list(membership_model.objects.filter(program=program).values_list("pk", "user_id"))
    membership_ids = {pk for pk, _ in members}
    user_ids = {user_id for _, user_id in members}
    found = set()
    detached = event_model.objects.filter(entry__isnull=True).values_list(
        "pk", "summary", "actor_id"
    )
    for pk, summary, actor_id in detached.iterator():
        if match := _DELETED_ENTRY_FELLOW.search(summary):
            ours = int(match.group(1)) in membership_ids
        else:
            ours = actor_id in user_ids
        if ours:
            found.add(pk)
    return found


def _complete(rows: dict[type[models.Model], set]) -> None:
    """Add what exported rows point at (users, chiefly) and what exported people own, until
    nothing new appears."""
    while True:
        _add_referenced(rows)
        grown = False
        for label, field_name in _OWNED_BY_PERSON.items():
            model = apps.get_model(label)
            owner = model._meta.get_field(field_name).related_model
            owned = set(
                model._base_manager.filter(
                    **{f"{field_name}__in": rows.get(owner, set())}
                ).values_list("pk", flat=True)
            )
            if owned - rows.get(model, set()):
                rows[model] |= owned
                grown = True
        if not grown:
            return


def _add_referenced(rows: dict[type[models.Model], set]) -> None:
    pending = list(rows)
    while pending:
        model = pending.pop()
        pks = rows[model]
        for field in _forward_relations(model):
            target = field.related_model
            referenced = set(
                model._base_manager.filter(pk__in=pks)
                .exclude(**{f"{field.attname}__isnull": True})
                .values_list(field.attname, flat=True)
            )
            new = referenced - rows.get(target, set())
            if new:
                rows[target] |= new
                pending.append(target)
        for field in _kept_many_to_many(model):
            through = field.remote_field.through
            if not through._meta.auto_created:
                continue
            target = field.related_model
            referenced = set(
                through.objects.filter(**{f"{field.m2m_field_name()}__in": pks}).values_list(
                    field.m2m_reverse_name(), flat=True
                )
            )
            new = referenced - rows.get(target, set())
            if new:
                rows[target] |= new
                pending.append(target)


def _file_fields(model) -> list[models.FileField]:
    return [field for field in model._meta.concrete_fields if isinstance(field, models.FileField)]


def _files_of(queryset, fields, missing: list[str]) -> list[dict]:
    files = []
    for row in queryset:
        for field in fields:
            name = getattr(row, field.attname).name
            if not name:
                continue
            if not field.storage.exists(name):
                missing.append(name)
                continue
            with field.storage.open(name, "rb") as handle:
                content = base64.b64encode(handle.read()).decode("ascii")
            files.append(
                {
                    "model": row._meta.label_lower,
                    "field": field.name,
                    "name": name,
                    "content": content,
                }
            )
    return files


def program_export(*, program) -> dict:
    """The program's whole record as a JSON-serialisable document, in dependency order.

    ``missing_files`` names uploads a row refers to that storage no longer holds."""
    if problems := coverage_problems():
        raise CoverageIncomplete(" ".join(problems))
    rows = _program_rows(program)
    _complete(rows)
    ordered = serializers.sort_dependencies([(None, list(rows))], allow_cycles=True)
    objects, files, missing = [], [], []
    for model in ordered:
        queryset = model._base_manager.filter(pk__in=rows[model]).order_by("pk")
        serialized = serializers.serialize("python", queryset)
        for item in serialized:
            for name in STRIPPED.get(model._meta.label, {}):
                item["fields"].pop(name, None)
        objects.extend(json.loads(json.dumps(serialized, cls=_Exact)))
        if fields := _file_fields(model):
            files.extend(_files_of(queryset, fields, missing))
    return {
        "format": FORMAT_VERSION,
        "program": {"pk": program.pk, "name": program.name},
        "exported_at": timezone.now().isoformat(),
        "objects": objects,
        "files": files,
        "missing_files": missing,
    }


def program_export_json(*, document: dict) -> str:
    """A ``program_export`` document as the text ``export_program`` writes."""
    return json.dumps(document, cls=_Exact, indent=1)


class _Exact(DjangoJSONEncoder):
    """Django's JSON encoder, but times keep their microseconds (it rounds them to
    milliseconds), so a restored record is exactly the exported one."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def _check_document(document) -> None:
    if not isinstance(document, dict) or document.get("format") != FORMAT_VERSION:
        raise ImportRefused(f"Not a program record of format {FORMAT_VERSION}.")
    if not isinstance(document.get("objects"), list):
        raise ImportRefused("The record has no list of objects.")
    if not isinstance(document.get("files", []), list):
        raise ImportRefused("The record's files are not a list.")
    exported = {apps.get_model(label)._meta.label_lower for label in EXPORTED}
    for number, item in enumerate(document["objects"], start=1):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("model"), str)
            and "pk" in item
            and isinstance(item.get("fields"), dict)
        ):
            raise ImportRefused(f"Object {number} of the record is not a model row.")
        if item["model"] not in exported:
            raise ImportRefused(
                f"Object {number} is a {item['model']} row, which a program record never holds."
            )


def _existing(objects: Iterable[dict]) -> list[str]:
    by_model: dict[str, list] = defaultdict(list)
    for item in objects:
        by_model[item["model"]].append(item["pk"])
    clashes = []
    for label, pks in by_model.items():
        model = apps.get_model(label)
        try:
            found = model._base_manager.filter(pk__in=pks).count()
        except (TypeError, ValueError) as error:
            raise ImportRefused(f"A {label} row has an unusable primary key: {error}") from error
        if found:
            clashes.append(f"{found} {model._meta.verbose_name_plural}")
    return clashes


def _files_to_write(document: dict) -> list[tuple]:
    """(storage, name, bytes) for each file of the record this host does not hold yet; refused
    when a file is not one the record's rows use, or a different file already has its name."""
    used = defaultdict(set)
    for item in document["objects"]:
        model = apps.get_model(item["model"])
        for field in _file_fields(model):
            if name := item["fields"].get(field.name):
                used[(item["model"], field.name)].add(name)
    pending = []
    for number, entry in enumerate(document.get("files", []), start=1):
        try:
            key, name = (entry["model"], entry["field"]), entry["name"]
            if name not in used.get(key, ()):
                raise ImportRefused(f"File {number} of the record belongs to none of its rows.")
            validate_file_name(name, allow_relative_path=True)
            content = base64.b64decode(entry["content"], validate=True)
            storage = apps.get_model(key[0])._meta.get_field(key[1]).storage
        except SuspiciousFileOperation as error:
            raise ImportRefused(
                f"File {number} of the record has an unsafe name: {error}"
            ) from error
        except (KeyError, TypeError, AttributeError, binascii.Error) as error:
            raise ImportRefused(f"File {number} of the record is unreadable: {error!r}") from error
        if storage.exists(name):
            with storage.open(name, "rb") as handle:
                if handle.read() != content:
                    raise ImportRefused(
                        f"A different file is already stored as {name}; restore into an empty "
                        "media folder."
                    )
            continue
        pending.append((storage, name, content))
    return pending


def program_import(*, document: dict) -> int:
    """Restore a ``program_export`` document; returns how many rows were written.

    Refused (``ImportRefused``, nothing written) when the document is not ours or when any of its
    rows already exists here: restoring over live data would silently mix two histories.
    """
    _check_document(document)
    objects = document["objects"]
    written_files: list[tuple] = []
    try:
        with transaction.atomic():
            if clashes := _existing(objects):
                raise ImportRefused(
                    "This database already holds rows of this record ("
                    + ", ".join(clashes)
                    + "); restore into an empty database."
                )
            files = _files_to_write(document)
            written = 0
            touched = set()
            for deserialized in serializers.deserialize("python", objects):
                deserialized.save()
                touched.add(type(deserialized.object))
                written += 1
            # Explicit primary keys leave PostgreSQL's sequences behind; move them past the rows.
            statements = connection.ops.sequence_reset_sql(no_style(), list(touched))
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
            # Files last: nothing can fail after them but the commit, which removes them too.
            for storage, name, content in files:
                saved = storage.save(name, ContentFile(content))
                written_files.append((storage, saved))
                if saved != name:
                    raise ImportRefused(f"The storage kept {name} as {saved}.")
    except (DeserializationError, IntegrityError) as error:
        _remove(written_files)
        raise ImportRefused(f"The record does not restore: {error}") from error
    except BaseException:
        _remove(written_files)
        raise
    return written


def _remove(files: list[tuple]) -> None:
    for storage, name in files:
        storage.delete(name)
