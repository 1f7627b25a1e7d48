"""Free-text model fields that refuse anything that could identify a patient.

Every text field a person types into is a ``ScreenedCharField`` or ``ScreenedTextField``. The
screen is a field validator, so ``full_clean()`` in every service, every ModelForm, the imports
and any API run it without remembering to. A text field that is deliberately not screened is
named, with the reason, in its model's ``SCREENING_EXEMPT``; tests/core/test_screened_fields.py
enumerates every model text field and fails on one that is neither.
"""

from django.core.exceptions import ValidationError
from django.db import models

from .phi import identifier_problems


def validate_no_patient_identifiers(value) -> None:
    problems = identifier_problems(value or "")
    if problems:
        raise ValidationError(problems, code="patient_identifier")


class _Screened:
    default_validators = [validate_no_patient_identifiers]
    plain_path: str

    def deconstruct(self):
        # Screening is validation, not schema: migrations record the plain Django field, so
        # turning the screen on (or tuning it) never churns a migration.
        name, _path, args, kwargs = super().deconstruct()
        return name, self.plain_path, args, kwargs


class ScreenedCharField(_Screened, models.CharField):
    plain_path = "django.db.models.CharField"


class ScreenedTextField(_Screened, models.TextField):
    plain_path = "django.db.models.TextField"


def is_screened(field) -> bool:
    return isinstance(field, _Screened)


def screened_field_problems(model, values: dict) -> dict[str, list[str]]:
    """For rows that are checked before any model instance exists (CSV previews, imports): the
    screen's reasons per screened field of ``model`` present in ``values``."""
    problems = {}
    for field in model._meta.concrete_fields:
        if is_screened(field) and field.name in values:
            found = identifier_problems(str(values[field.name] or ""))
            if found:
                problems[field.name] = found
    return problems
