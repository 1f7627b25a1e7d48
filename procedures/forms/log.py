"""Input shape only for the case log: the services decide what may be logged and by whom."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Hidden, Submit
from django import forms

from ..csv_entries import MAX_BYTES as IMPORT_MAX_BYTES
from ..models import Guidance, ProcedureLogEntry, ProcedureSettings

Entry = ProcedureLogEntry
ANY = [("", "Any")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class SupervisorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.user.display_name


def grouped_type_choices(types, favourites) -> list:
    """The select's options: favourites first, then every type under its category."""
    choices: list = [("", "Choose a procedure")]
    if favourites:
        choices.append(("Favourites", [(t.pk, t.name) for t in favourites]))
    groups: dict[str, list] = {}
    for procedure_type in types:
        groups.setdefault(procedure_type.category.name, []).append(
            (procedure_type.pk, procedure_type.name)
        )
    choices += list(groups.items())
    return choices


class EntryForm(forms.Form):
    performed_on = forms.DateField(label="Date", widget=DateInput())
    procedure_type = forms.ModelChoiceField(label="Procedure", queryset=None)
    guidance = forms.ChoiceField(label="Guidance", choices=Guidance.choices)
    role = forms.ChoiceField(
        label="Your role", choices=Entry.Role.choices, widget=forms.RadioSelect
    )
    supervisor = SupervisorChoiceField(label="Supervising faculty", queryset=None)
    supervision_level = forms.ChoiceField(
        label="Supervision level",
        choices=Entry.SupervisionLevel.choices,
        help_text="Direct through telecommunication only where the procedure's category allows it.",
    )
    complication = forms.ChoiceField(label="Complication", choices=Entry.Complication.choices)
    age_band = forms.ChoiceField(
        label="Age band", choices=[("", "Choose an age band"), *Entry.AgeBand.choices]
    )
    level = forms.CharField(
        label="Level", max_length=20, required=False, help_text="e.g. L4-L5, only if it applies."
    )
    laterality = forms.ChoiceField(
        label="Laterality",
        required=False,
        choices=[("", "Not applicable"), *Entry.Laterality.choices],
    )
    note = forms.CharField(
        label="Note (optional)",
        max_length=200,
        required=False,
        help_text="Never a name, record number or birth date.",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 200}),
    )

    def __init__(
        self,
        *args,
        types,
        favourites,
        supervisors,
        action: str,
        split_age_bands: bool = False,
        current_age_band: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        offered = ProcedureSettings.offered_age_bands(split=split_age_bands, keep=current_age_band)
        labels = dict(Entry.AgeBand.choices)
        self.fields["age_band"].choices = [
            ("", "Choose an age band"),
            *((value, labels[value]) for value in offered),
        ]
        self.fields["procedure_type"].queryset = types
        # Built when the select is drawn, not for a POST that saves (validation reads one row).
        self.fields["procedure_type"].choices = lambda: grouped_type_choices(types, favourites)
        self.fields["supervisor"].queryset = supervisors
        self.fields["supervisor"].empty_label = "Choose a supervisor"
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_id = "entry-form"
        self.helper.form_error_title = "The entry was not saved:"
        self.helper.add_input(Submit("save", "Save entry", css_class="btn-lg w-100"))


class EntryFilterForm(forms.Form):
    """The list's filters (GET); an invalid value is simply not applied."""

    date_from = forms.DateField(label="From", required=False, widget=DateInput())
    date_to = forms.DateField(label="To", required=False, widget=DateInput())
    category = forms.ModelChoiceField(
        label="Category", queryset=None, required=False, empty_label="Any"
    )
    role = forms.ChoiceField(label="Role", required=False, choices=ANY + Entry.Role.choices)
    status = forms.ChoiceField(label="Status", required=False, choices=ANY + Entry.Status.choices)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def filters(self) -> dict:
        """Keyword arguments for ``entry_list``: only the values that are valid."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        category = data.pop("category")
        return {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "category_id": category.pk if category else None,
            "role": data["role"] or None,
            "status": data["status"] or None,
        }


class EntryImportForm(forms.Form):
    """The uploaded entries file, read into ``cleaned_data["content"]`` (bytes) for the service."""

    file = forms.FileField(
        label="Log file (CSV)",
        help_text="A .csv file saved as UTF-8, at most 256 KB and 1000 entries.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, action: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_error_title = "The file could not be checked:"
        self.helper.add_input(Hidden("step", "preview"))
        self.helper.add_input(Submit("upload", "Check the file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {IMPORT_MAX_BYTES // 1024} KB. "
                "Split it into smaller files and import them one at a time."
            )
        self.cleaned_data["content"] = upload.read()
        return upload
