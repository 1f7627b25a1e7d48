"""Input shape only: the services decide what is valid (milestone sets, rotations)."""

from pathlib import PurePath

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.urls import reverse

from .milestones import FILE_TOO_LARGE, MAX_FILE_BYTES
from .models import Rotation, Subcompetency

FORMAT_BY_EXTENSION = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}


class MilestoneSetImportForm(forms.Form):
    file = forms.FileField(
        label="Milestone file",
        help_text=(
            f"YAML (.yaml, .yml) or CSV (.csv), at most {MAX_FILE_BYTES // 1024} KB. "
            "Export a set to see the shape."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,.csv"}),
    )

    def __init__(self, *args, program_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = reverse(
            "curriculum:milestone_set_import", kwargs={"program_id": program_id}
        )
        self.helper.form_error_title = "Nothing was imported. Fix these problems and try again:"
        self.helper.add_input(Submit("import", "Import"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = PurePath(upload.name).suffix.lower()
        if extension not in FORMAT_BY_EXTENSION:
            raise forms.ValidationError("Choose a .yaml, .yml or .csv file.")
        if upload.size > MAX_FILE_BYTES:  # checked before reading it
            raise forms.ValidationError(FILE_TOO_LARGE)
        try:
            self.cleaned_data["content"] = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text (save it as UTF-8 and try again)."
            ) from None
        self.cleaned_data["file_format"] = FORMAT_BY_EXTENSION[extension]
        return upload


class RotationForm(forms.Form):
    name = forms.CharField(max_length=120)
    short_name = forms.CharField(
        max_length=8, help_text="Up to 8 letters, shown in the schedule grid (e.g. APS)."
    )
    discipline = forms.ChoiceField(choices=Rotation.Discipline.choices)
    site = forms.CharField(max_length=120, required=False)
    is_longitudinal = forms.BooleanField(
        required=False,
        label="Longitudinal (runs alongside other rotations, e.g. a weekly continuity clinic)",
    )
    is_active = forms.BooleanField(
        required=False, initial=True, label="Active (untick to retire; scheduled blocks stay)"
    )
    subcompetencies = forms.ModelMultipleChoiceField(
        queryset=Subcompetency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The subcompetencies this rotation mainly serves.",
    )

    def __init__(self, *args, program, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subcompetencies"].queryset = Subcompetency.objects.filter(
            milestone_set__program=program
        ).order_by("milestone_set__effective_date", "code")
        self.fields["subcompetencies"].label_from_instance = lambda s: f"{s.code} {s.title}"
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save rotation"))
