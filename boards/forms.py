"""Input shape only: the grades of a report and the sign form (identity re-confirmed)."""

from django import forms

from assessments.forms import SignForm

from .models import ESSENTIAL_ATTRIBUTES, Grade

__all__ = ["AbaReportForm", "SignForm"]


class AbaReportForm(forms.Form):
    overall = forms.ChoiceField(
        label="Overall clinical competence", choices=Grade.choices, widget=forms.RadioSelect
    )
    comments = forms.CharField(
        label="Comments", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in ESSENTIAL_ATTRIBUTES:
            self.fields[name] = forms.ChoiceField(
                label=label, choices=Grade.choices, widget=forms.RadioSelect
            )
        self.order_fields(["overall", *(name for name, _ in ESSENTIAL_ATTRIBUTES), "comments"])

    @classmethod
    def for_report(cls, report, data=None):
        initial = {name: getattr(report, name) for name in cls.base_fields}
        initial |= {name: getattr(report, name) for name, _ in ESSENTIAL_ATTRIBUTES}
        return cls(data, initial=initial)
