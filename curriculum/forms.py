"""Input shape only: the services decide what a valid milestone set is."""

from pathlib import PurePath

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.urls import reverse

MAX_UPLOAD_BYTES = 1024 * 1024
FORMAT_BY_EXTENSION = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}


class MilestoneSetImportForm(forms.Form):
    file = forms.FileField(
        label="Milestone file",
        help_text="YAML (.yaml, .yml) or CSV (.csv), at most 1 MB. Export a set to see the shape.",
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
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB.")
        try:
            self.cleaned_data["content"] = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text (save it as UTF-8 and try again)."
            ) from None
        self.cleaned_data["file_format"] = FORMAT_BY_EXTENSION[extension]
        return upload
