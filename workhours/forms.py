"""Input shape only: a shift as a local date and wall-clock times, the week template rows, an
explanation. The services turn local times into UTC and check every rule."""

import datetime

from django import forms

from . import rules
from .models import Kind, ShiftTemplate


class ShiftForm(forms.Form):
    """A shift on the program's clock; an end at or before the start means the next day."""

    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label="Start", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label="End",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Earlier than the start means the next morning.",
    )
    kind = forms.ChoiceField(label="Kind", choices=Kind.choices)

    def clean_date(self):
        return _plausible(self.cleaned_data["date"])


# Dates outside these years are typos; refusing them also keeps date arithmetic in range.
EARLIEST, LATEST = datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)


def _plausible(day: datetime.date) -> datetime.date:
    if not EARLIEST <= day <= LATEST:
        raise forms.ValidationError("Enter a date between 2000 and 2099.")
    return day


class TemplateRowForm(forms.Form):
    """One row; an untouched empty row (blank day and kind) adds nothing."""

    weekday = forms.TypedChoiceField(
        label="Day", choices=[("", "Day…"), *ShiftTemplate.Weekday.choices], coerce=int
    )
    start_time = forms.TimeField(
        label="Start", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label="End", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    kind = forms.ChoiceField(label="Kind", choices=[("", "Kind…"), *Kind.choices])


TemplateFormSet = forms.formset_factory(
    TemplateRowForm, extra=1, can_delete=True, max_num=21, validate_max=True, absolute_max=21
)


class ExplanationForm(forms.Form):
    """Which finding (rule and period, as the page rendered them) and the explanation."""

    rule = forms.ChoiceField(
        choices=[(code, code) for code in rules.RULES], widget=forms.HiddenInput
    )
    period_start = forms.DateTimeField(widget=forms.HiddenInput)
    period_end = forms.DateTimeField(widget=forms.HiddenInput)
    text = forms.CharField(
        label="Explanation",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What happened, in a sentence or two. No patient details.",
    )

    def clean(self):
        data = super().clean()
        for name in ("period_start", "period_end"):
            if data.get(name) is not None:
                try:
                    _plausible(data[name].date())
                except forms.ValidationError:
                    self.add_error(name, "Not a period the page shows.")
        return data
