"""Input shape only: the didactics services decide what is allowed."""

import datetime

from django import forms

from curriculum.models import Membership, Subcompetency

from .models import Attendance, Series
from .services.attendance import REASON_MAX_LENGTH
from .services.checkin import CODE_LENGTH
from .services.objectives import MAX_RESOURCE_BYTES


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.user.display_name} ({obj.get_role_display()})"


class SubcompetencyField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.title}"


class SeriesForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=Series.Kind.choices)
    attendance_required = forms.BooleanField(
        required=False, initial=True, label="Attendance counts toward the requirement"
    )
    description = forms.CharField(max_length=300, required=False)


class SessionFieldsForm(forms.Form):
    """What every session has; the one-off and the recurring forms add their dates."""

    series = forms.ModelChoiceField(queryset=Series.objects.none())
    start_time = forms.TimeField(widget=TimeInput, label="Starts at")
    end_time = forms.TimeField(widget=TimeInput, label="Ends at")
    topic = forms.CharField(max_length=200)
    presenter = MemberChoiceField(
        queryset=Membership.objects.none(), required=False, label="Presenter (a member)"
    )
    guest_presenter = forms.CharField(
        max_length=120, required=False, label="Or a guest presenter", help_text="Name only."
    )
    location = forms.CharField(max_length=120, required=False)
    seed_domains = forms.MultipleChoiceField(
        choices=Subcompetency.SeedDomain.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Domains served",
    )
    subcompetencies = SubcompetencyField(
        queryset=Subcompetency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Subcompetencies served",
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["series"].queryset = Series.objects.filter(program=program)
        self.fields["presenter"].queryset = (
            Membership.objects.filter(program=program, is_active=True)
            .exclude(role=Membership.Role.FELLOW)
            .select_related("user")
            .order_by("user__full_name")
        )
        self.fields["subcompetencies"].queryset = Subcompetency.objects.filter(
            milestone_set__program=program
        ).order_by("milestone_set", "competency__order", "order")

    def clean(self):
        data = super().clean()
        if data.get("presenter") and data.get("guest_presenter"):
            self.add_error("guest_presenter", "Name a member or a guest, not both.")
        return data


class SessionForm(SessionFieldsForm):
    date = forms.DateField(widget=DateInput)
    field_order = ["series", "date"]


def _parse_dates(text: str) -> list[datetime.date]:
    dates = []
    for part in (text or "").replace(",", " ").split():
        try:
            dates.append(datetime.date.fromisoformat(part))
        except ValueError as exc:
            raise forms.ValidationError(f"“{part}” is not a date (use YYYY-MM-DD).") from exc
    return dates


class RecurringForm(SessionFieldsForm):
    first_date = forms.DateField(widget=DateInput, label="First session")
    last_date = forms.DateField(widget=DateInput, label="Last session on or before")
    every_weeks = forms.TypedChoiceField(
        coerce=int, choices=[(1, "Every week"), (2, "Every two weeks")], label="Repeats"
    )
    skip_dates = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Skip these dates",
        help_text="Holidays and other gaps, YYYY-MM-DD, separated by spaces or commas.",
    )
    field_order = ["series", "first_date", "last_date", "every_weeks", "skip_dates"]

    def clean_skip_dates(self):
        return _parse_dates(self.cleaned_data.get("skip_dates", ""))


class CheckinWindowForm(forms.Form):
    opens_at = forms.DateTimeField(widget=DateTimeInput, label="Check-in opens")
    closes_at = forms.DateTimeField(widget=DateTimeInput, label="Check-in closes")
    new_code = forms.BooleanField(required=False, label="Make a new code")


class CheckinForm(forms.Form):
    code = forms.CharField(
        max_length=CODE_LENGTH + 4,
        label="Check-in code",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "form-control form-control-lg text-uppercase",
            }
        ),
        help_text="The six characters shown in the room.",
    )


class RollForm(forms.Form):
    status = forms.ChoiceField(choices=Attendance.Status.choices)
    reason = forms.CharField(max_length=REASON_MAX_LENGTH, label="Reason")


class RequirementForm(forms.Form):
    def __init__(self, *args, requirements: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Series.Kind.choices:
            self.fields[kind] = forms.IntegerField(
                label=f"{label} (%)", min_value=0, max_value=100, initial=requirements[kind]
            )


class ObjectiveForm(forms.Form):
    text = forms.CharField(max_length=300, label="Objective")
    seed_domain = forms.ChoiceField(
        choices=[("", "No particular domain"), *Subcompetency.SeedDomain.choices],
        required=False,
        label="Domain",
    )


class ResourceForm(forms.Form):
    title = forms.CharField(max_length=200)
    url = forms.URLField(required=False, label="Link", assume_scheme="https")
    file = forms.FileField(
        required=False,
        help_text=f"PDF, Word, PowerPoint, PNG or JPEG, at most {MAX_RESOURCE_BYTES // 2**20} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.pptx,.png,.jpg,.jpeg"}),
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("url")) == bool(data.get("file")):
            raise forms.ValidationError("Give either a link or a file.")
        return data


class MarkMetForm(forms.Form):
    note = forms.CharField(max_length=500, required=False, label="Note (optional)")


class TeacherForm(forms.Form):
    faculty = MemberChoiceField(queryset=Membership.objects.none(), label="Faculty member")

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["faculty"].queryset = Membership.objects.filter(
            program=program, role=Membership.Role.FACULTY, is_active=True
        ).select_related("user")
