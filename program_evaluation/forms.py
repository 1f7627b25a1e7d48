"""Input shape only: the committee, the review's record, an action item, a graduate's outcome,
and the sign form (identity re-confirmed)."""

from django import forms

from assessments.forms import DateInput, SignForm
from core.forms import IdsChoiceField

from .models import ActionItem, GraduateOutcome

__all__ = ["ActionItemForm", "CommitteeForm", "EvaluationForm", "OutcomeForm", "SignForm"]


def _member_label(membership) -> str:
    return f"{membership.user.display_name} ({membership.get_role_display()})"


class CommitteeForm(forms.Form):
    members = IdsChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        label="Members of the committee",
        help_text="At least two program faculty members (the director counts as one) and at "
        "least one fellow (ACGME Common Program Requirements V.C.1.a).",
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = candidates
        self.fields["members"].label_from_instance = _member_label


class EvaluationForm(forms.Form):
    held_on = forms.DateField(label="The committee met on", required=False, widget=DateInput)
    members_present = IdsChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Members present",
    )
    strengths = forms.CharField(
        label="Strengths", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    weaknesses = forms.CharField(
        label="Areas for improvement",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members_present"].queryset = members
        self.fields["members_present"].label_from_instance = _member_label


class ActionItemForm(forms.Form):
    title = forms.CharField(label="Action", max_length=200)
    description = forms.CharField(
        label="How it will be done and measured",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    owner = forms.ModelChoiceField(queryset=None, required=False, label="Owner (a member)")
    owner_name = forms.CharField(
        label="Or the owner's name",
        required=False,
        max_length=200,
        help_text="When the owner is not a member of the program.",
    )
    due_on = forms.DateField(label="Due on", required=False, widget=DateInput)
    status = forms.ChoiceField(label="Status", choices=ActionItem.Status.choices)
    status_note = forms.CharField(
        label="Where it stands",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members
        self.fields["owner"].label_from_instance = _member_label


class OutcomeForm(forms.Form):
    graduate_name = forms.CharField(label="Graduate", max_length=200)
    graduation_year = forms.IntegerField(label="Graduation year", min_value=1980, max_value=2100)
    fellow = forms.ModelChoiceField(
        queryset=None, required=False, label="Their fellow record (optional)"
    )
    board_exam = forms.ChoiceField(label="Board exam", choices=GraduateOutcome.BoardExam.choices)
    board_exam_year = forms.IntegerField(
        label="Year of the exam", required=False, min_value=1980, max_value=2100
    )
    first_position = forms.ChoiceField(
        label="First position", choices=GraduateOutcome.Position.choices
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, fellows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fellow"].queryset = fellows
        self.fields["fellow"].label_from_instance = lambda m: m.user.display_name
