"""Forms of the program's work-hour pages: the import upload, the compliance filters, the
export period. Input shape only."""

import datetime
import zoneinfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Hidden, Submit
from django import forms
from django.urls import reverse

from . import rules
from .imports import IMPORT_SHAPE
from .program_selectors import RULE_WORDS

MAX_EXPORT_DAYS = 3 * 366


def _zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class ShiftImportForm(forms.Form):
    """The uploaded file (read into ``cleaned_data["content"]``) and the zone its times are in."""

    file = forms.FileField(
        label="Shifts file (CSV)",
        help_text=f"A .csv file saved as UTF-8, at most {IMPORT_SHAPE.max_bytes // 1024} KB "
        f"and {IMPORT_SHAPE.max_rows:,} shifts.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    timezone = forms.ChoiceField(
        label="Time zone of the times in the file",
        help_text="Times written with an offset (such as +02:00) keep their offset.",
    )

    def __init__(self, *args, program, **kwargs) -> None:
        kwargs.setdefault("initial", {"timezone": program.timezone})
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = _zone_choices()
        self.helper = FormHelper()
        self.helper.form_action = reverse(
            "workhours:shift_import", kwargs={"program_id": program.pk}
        )
        self.helper.form_error_title = "The file could not be checked:"
        self.helper.add_input(Hidden("step", "preview"))
        self.helper.add_input(Submit("upload", "Check the file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_SHAPE.max_bytes:
            raise forms.ValidationError(
                f"The file is larger than {IMPORT_SHAPE.max_bytes // 1024} KB. "
                "Split it into smaller files and import them one at a time."
            )
        self.cleaned_data["content"] = upload.read()
        return upload


class ComplianceFilterForm(forms.Form):
    """Which weeks (an academic year, or the last 12 weeks) and which findings to list."""

    year = forms.ChoiceField(label="Weeks", required=False)
    fellow = forms.TypedChoiceField(label="Fellow", required=False, coerce=int, empty_value=None)
    rule = forms.ChoiceField(
        label="Rule",
        required=False,
        choices=[
            ("", "All rules"),
            *((code, f"{code}: {RULE_WORDS[code]}") for code in rules.RULES),
        ],
    )

    def __init__(self, *args, years, fellows, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [
            ("", "Last 12 weeks"),
            *((str(year.pk), f"Academic year {year}") for year in years),
        ]
        self.fields["fellow"].choices = [
            ("", "All fellows"),
            *((fellow.membership_id, fellow.name) for fellow in fellows),
        ]


class ExportPeriodForm(forms.Form):
    """The first and last day (program zone) an export covers."""

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The last day must be on or after the first.")
            elif end - start > datetime.timedelta(days=MAX_EXPORT_DAYS):
                self.add_error("end", "An export covers at most three years.")
        return cleaned
