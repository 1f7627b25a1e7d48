"""A program's whole record as one JSON document, and its exact restoration.

``program_export`` walks every model of our apps, keeps the rows that belong to the program (found
by following foreign keys to ``curriculum.Program``, along every path, so a signature reached
through an assessment or through a CCC review both count) and then the rows those rows point at
outside any program (the users). ``program_import`` loads such a document into a database that
does not hold those rows yet, keeping primary keys, in one transaction: a failure leaves nothing.

Used by ``manage.py export_program`` / ``import_program`` to move a program to another host or
hand its record to an auditor. Sessions, MFA secrets and allauth's e-mail rows are not exported:
after a move users sign in with their password and set up their authenticator again.
"""

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

FORMAT_VERSION = 1
MAX_PATH_DEPTH = 4


class ImportRefused(Exception):
    """The document cannot be restored here; the message says why, nothing was written."""


def _own_models() -> list[type[models.Model]]:
    local = [name for name in settings.LOCAL_APPS]
    return [
        model
        for app_label in local
        for model in apps.get_app_config(app_label.rsplit(".", 1)[-1]).get_models()
    ]


def _forward_relations(model) -> list[models.Field]:
    return [
        field
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and (field.many_to_one or field.one_to_one)
    ]


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
    for model in _own_models():
        paths = _paths_to_program(model, program_model)
        if not paths:
            continue
        condition = reduce(or_, (Q(**{path: program.pk}) for path in paths))
        rows[model].update(model._default_manager.filter(condition).values_list("pk", flat=True))
    return rows


def _add_referenced(rows: dict[type[models.Model], set]) -> None:
    """Add the rows that exported rows point at (users, chiefly), until nothing new appears."""
    pending = list(rows)
    while pending:
        model = pending.pop()
        pks = rows[model]
        for field in _forward_relations(model):
            target = field.related_model
            referenced = set(
                model._default_manager.filter(pk__in=pks)
                .exclude(**{f"{field.attname}__isnull": True})
                .values_list(field.attname, flat=True)
            )
            new = referenced - rows.get(target, set())
            if new:
                rows[target] |= new
                pending.append(target)
        for field in model._meta.many_to_many:
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


def program_export(*, program) -> dict:
    """The program's whole record as a JSON-serialisable document, in dependency order."""
    rows = _program_rows(program)
    _add_referenced(rows)
    ordered = serializers.sort_dependencies([(None, list(rows))], allow_cycles=True)
    objects = []
    for model in ordered:
        queryset = model._default_manager.filter(pk__in=rows[model]).order_by("pk")
        objects.extend(
            json.loads(json.dumps(serializers.serialize("python", queryset), cls=_Exact))
        )
    return {
        "format": FORMAT_VERSION,
        "program": {"pk": program.pk, "name": program.name},
        "exported_at": timezone.now().isoformat(),
        "objects": objects,
    }


def program_export_json(*, program) -> str:
    return json.dumps(program_export(program=program), cls=_Exact, indent=1)


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


def _existing(objects: Iterable[dict]) -> list[str]:
    by_model: dict[str, list] = defaultdict(list)
    for item in objects:
        by_model[item["model"]].append(item["pk"])
    clashes = []
    for label, pks in by_model.items():
        model = apps.get_model(label)
        found = model._default_manager.filter(pk__in=pks).count()
        if found:
            clashes.append(f"{found} {model._meta.verbose_name_plural}")
    return clashes


def program_import(*, document: dict) -> int:
    """Restore a ``program_export`` document; returns how many rows were written.

    Refused (``ImportRefused``, nothing written) when the document is not ours or when any of its
    rows already exists here: restoring over live data would silently mix two histories.
    """
    _check_document(document)
    objects = document["objects"]
    with transaction.atomic():
        if clashes := _existing(objects):
            raise ImportRefused(
                "This database already holds rows of this record ("
                + ", ".join(clashes)
                + "); restore into an empty database."
            )
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
    return written
