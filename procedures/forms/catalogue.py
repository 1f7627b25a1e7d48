"""Input shape only for the catalogue and targets; the services decide what is valid."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.urls import reverse

from ..models import Guidance, ProcedureCategory, ProcedureLogEntry

ROLE_CHOICES = [("", "Any role"), *ProcedureLogEntry.Role.choices]


class ProcedureCategoryForm(forms.Form):
    name = forms.CharField(max_length=120, label="Category name")
    allows_telecom_supervision = forms.BooleanField(
        required=False,
        initial=True,
        label="Direct supervision through telecommunication may be logged",
        help_text="Untick for invasive procedures: the supervisor must then be physically "
        "present for direct supervision (ACGME Common Program Requirements VI.A.2).",
    )

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save category" if editing else "Add category"))


class ProcedureSettingsForm(forms.Form):
    split_pediatric_age_bands = forms.BooleanField(
        required=False,
        label='Split the pediatric age band: offer "Under 12" and "12-17" instead of "Under 18"',
        help_text='Entries already logged as "Under 18" keep that band.',
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save settings"))


class ProcedureTypeForm(forms.Form):
    name = forms.CharField(max_length=160, label="Procedure name")
    category = forms.ModelChoiceField(queryset=ProcedureCategory.objects.none())
    allowed_guidance = forms.MultipleChoiceField(
        choices=Guidance.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Guidance it may be logged with",
    )
    has_level = forms.BooleanField(required=False, label="A spinal level applies")
    has_laterality = forms.BooleanField(required=False, label="A side (left/right) applies")
    is_active = forms.BooleanField(
        required=False,
        initial=True,
        label="Active (untick to retire: it is no longer offered, logged entries stay)",
    )

    def __init__(self, *args, program, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ProcedureCategory.objects.filter(
            program=program
        ).order_by("order", "name")
        if not editing:
            del self.fields["is_active"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save procedure type"))


class TargetForm(forms.Form):
    """``subject`` is one select: a whole category, or one procedure type grouped by category."""

    subject = forms.ChoiceField(label="Procedure or category")
    role = forms.ChoiceField(choices=ROLE_CHOICES, required=False, label="Counting")
    minimum = forms.IntegerField(min_value=1, label="Minimum count")

    def __init__(self, *args, program_id: int, categories, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._subjects = {}
        whole = []
        groups = []
        for category in categories:
            key = f"category:{category.pk}"
            self._subjects[key] = {"category": category, "procedure_type": None}
            whole.append((key, f"Any procedure in {category.name}"))
            options = []
            for procedure_type in category.procedure_types.all():
                if not procedure_type.is_active:
                    continue
                key = f"type:{procedure_type.pk}"
                self._subjects[key] = {"category": None, "procedure_type": procedure_type}
                options.append((key, procedure_type.name))
            if options:
                groups.append((category.name, options))
        self.fields["subject"].choices = [
            ("", "Choose a procedure or category"),
            *([("Whole categories", whole)] if whole else []),
            *groups,
        ]
        self.helper = FormHelper()
        self.helper.form_action = reverse("procedures:targets", kwargs={"program_id": program_id})
        self.helper.add_input(Submit("save", "Save target"))

    def clean_subject(self) -> dict:
        return self._subjects[self.cleaned_data["subject"]]
