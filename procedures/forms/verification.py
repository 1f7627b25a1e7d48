"""Input shape only: the verification services decide what is allowed."""

from django import forms

from core.reasons import REASON_MAX_LENGTH


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="Reason the fellow will see",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What to correct. Never a patient name, record number or birth date.",
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why reopen this verified entry",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded with the entry's history.",
    )
