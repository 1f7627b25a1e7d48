"""Every free-text field of the app's own models refuses patient identifiers, or says why not.

A new CharField, TextField or JSONField fails here until it is a Screened*Field or is named in
its model's ``SCREENING_EXEMPT`` with the reason.
"""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from core.fields import ScreenedCharField, is_screened, validate_no_patient_identifiers
from core.phi import MRN_LABEL

PROJECT_APPS = {
    "accounts",
    "assessments",
    "audit",
    "core",
    "curriculum",
    "dashboard",
    "didactics",
    "evaluators",
    "procedures",
    "reminders",
    "trainees",
}
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def _text_fields():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, TEXT_FIELDS):
                yield model, field


def test_every_text_field_is_screened_or_exempt_with_a_reason():
    undecided = []
    for model, field in _text_fields():
        exempt = getattr(model, "SCREENING_EXEMPT", {})
        reason = exempt.get(field.name, "")
        if is_screened(field):
            assert not reason, f"{model._meta.label}.{field.name} is screened and exempt"
        elif field.choices or isinstance(field, models.EmailField):
            continue  # a closed list of values, or an address the form already validates
        elif not reason.strip():
            undecided.append(f"{model._meta.label}.{field.name}")
    assert not undecided, f"neither screened nor exempt with a reason: {undecided}"


def test_exemptions_name_real_text_fields():
    for model in apps.get_models():
        for name in getattr(model, "SCREENING_EXEMPT", {}):
            field = model._meta.get_field(name)
            assert isinstance(field, TEXT_FIELDS) and not is_screened(field), (model, name)


def test_the_clinical_narratives_the_review_named_are_screened():
    for label in [
        "assessments.Assessment.narrative",
        "assessments.Assessment.return_reason",
        "assessments.CCCReview.committee_notes",
        "assessments.SummativeEvaluation.narrative",
        "didactics.ObjectiveProgress.note",
        "didactics.Attendance.reason",
        "procedures.ProcedureLogEntry.level",
        "procedures.ProcedureLogEntry.note",
        "trainees.Deadline.title",
        "didactics.Session.topic",
        "didactics.ObjectiveResource.title",
        "curriculum.Rotation.name",
        "trainees.Residency.program_name",
    ]:
        app, model, field = label.split(".")
        assert is_screened(apps.get_model(app, model)._meta.get_field(field)), label


def test_the_validator_refuses_an_identifier_and_passes_clinical_text():
    with pytest.raises(ValidationError) as excinfo:
        validate_no_patient_identifiers("Seen with MRN 4821339 in clinic")
    assert MRN_LABEL in excinfo.value.messages
    validate_no_patient_identifiers("L4-L5 transforaminal, 3 mL 0.25% bupivacaine")
    validate_no_patient_identifiers("")


def test_screened_fields_migrate_as_plain_fields():
    _name, path, _args, kwargs = ScreenedCharField(max_length=20).deconstruct()
    assert path == "django.db.models.CharField" and kwargs == {"max_length": 20}
