"""Input shape only: the services decide what is allowed."""

from django import forms
from django.db.models import Q

from curriculum.models import Rotation

from .models import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    AcademicYear,
    Deadline,
    Enrolment,
    LeavePeriod,
    MedicalEducation,
    Residency,
)


class DateInput(forms.DateInput):
    input_type = "date"


class AcademicYearForm(forms.Form):
    start_date = forms.DateField(widget=DateInput, help_text="Usually July 1.")
    end_date = forms.DateField(
        widget=DateInput, required=False, help_text="Leave empty for a full year (to June 30)."
    )


class CohortForm(forms.Form):
    academic_year = forms.ModelChoiceField(queryset=AcademicYear.objects.none())
    name = forms.CharField(max_length=100, help_text='For example "Class of 2027".')

    def __init__(self, *args, academic_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].queryset = academic_years


class EnrolmentForm(forms.Form):
    membership = forms.ModelChoiceField(queryset=None, label="Fellow")
    start_date = forms.DateField(widget=DateInput)
    end_date = forms.DateField(
        widget=DateInput, required=False, help_text="Leave empty to end after the track length."
    )
    track_months = forms.TypedChoiceField(
        choices=Enrolment.Track.choices,
        coerce=int,
        initial=Enrolment.Track.STANDARD,
        label="Track length",
    )

    def __init__(self, *args, fellows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = fellows
        self.fields["membership"].label_from_instance = lambda m: m.user.display_name


class PathwayForm(forms.Form):
    """A fellow's medical education and residency, recorded together."""

    degree = forms.ChoiceField(choices=MedicalEducation.Degree.choices)
    school = forms.CharField(max_length=200, label="Medical school")
    country = forms.CharField(max_length=100)
    graduation_year = forms.IntegerField(min_value=EARLIEST_YEAR, max_value=LATEST_YEAR)
    specialty = forms.ChoiceField(choices=Residency.Specialty.choices, label="Residency specialty")
    program_name = forms.CharField(max_length=200, label="Residency program")
    completion_year = forms.IntegerField(
        min_value=EARLIEST_YEAR, max_value=LATEST_YEAR, label="Residency completion year"
    )
    board_status = forms.ChoiceField(choices=Residency.BoardStatus.choices)

    EDUCATION_FIELDS = ("degree", "school", "country", "graduation_year")
    RESIDENCY_FIELDS = ("specialty", "program_name", "completion_year", "board_status")


class EnrolmentStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=Enrolment.Status.choices,
        help_text="Record the dates of a leave of absence in the fellow's Leave section.",
    )


class LeavePolicyForm(forms.Form):
    allowance_days = forms.IntegerField(
        min_value=0,
        max_value=365,
        label="Days of leave per 12 months of training that do not extend it",
        help_text="Enter the allowance your board sets; 0 means every day of leave extends "
        "training.",
    )
    vacation_counts = forms.BooleanField(
        required=False,
        label="Vacation counts as leave",
        help_text="Off: vacation neither uses the allowance nor extends training.",
    )


class LeavePeriodForm(forms.Form):
    kind = forms.ChoiceField(choices=LeavePeriod.Kind.choices)
    start = forms.DateField(widget=DateInput, label="First day")
    end = forms.DateField(widget=DateInput, label="Last day", help_text="Included.")
    note = forms.CharField(max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The leave cannot end before it starts.")
        return data


# --- Program calendar -------------------------------------------------------------------------


class CalendarFilterForm(forms.Form):
    academic_year = forms.ModelChoiceField(
        queryset=AcademicYear.objects.none(),
        required=False,
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    kind = forms.ChoiceField(
        choices=[("", "All kinds"), *Deadline.Kind.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, academic_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].queryset = academic_years
        self.fields["academic_year"].label_from_instance = lambda year: year.label


class DeadlineForm(forms.Form):
    title = forms.CharField(max_length=200)
    due_date = forms.DateField(widget=DateInput)


class DeadlineCreateForm(DeadlineForm):
    academic_year = forms.ModelChoiceField(queryset=AcademicYear.objects.none())
    kind = forms.ChoiceField(choices=Deadline.Kind.choices, initial=Deadline.Kind.OTHER)

    field_order = ["academic_year", "kind", "title", "due_date"]

    def __init__(self, *args, academic_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].queryset = academic_years
        self.fields["academic_year"].label_from_instance = lambda year: year.label


class ScheduleBlockForm(forms.Form):
    rotation = forms.ModelChoiceField(queryset=Rotation.objects.none())
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, program, current_rotation=None, **kwargs) -> None:
        """``current_rotation``: the rotation of the block being edited, offered even if
        retired since it was booked."""
        super().__init__(*args, **kwargs)
        offered = Q(is_active=True)
        if current_rotation is not None:
            offered |= Q(pk=current_rotation.pk)
        self.fields["rotation"].queryset = Rotation.objects.filter(
            offered, program=program
        ).order_by("name")
