"""Input shape only; the services apply the rules."""

from django import forms

from .models import OPTIONAL_KINDS, NotificationPreference

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]


class PreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label="How to email me",
        choices=NotificationPreference.Delivery.choices,
        widget=forms.RadioSelect,
    )
    digest_hour = forms.TypedChoiceField(
        label="Send the daily digest after",
        choices=HOURS,
        coerce=int,
        help_text="In the program's time zone.",
    )
    kinds = forms.MultipleChoiceField(
        label="Remind me about",
        choices=[(kind.value, kind.label) for kind in OPTIONAL_KINDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Escalations and final summative deadlines are always sent.",
    )

    def muted_kinds(self) -> list[str]:
        chosen = set(self.cleaned_data["kinds"])
        return [kind.value for kind in OPTIONAL_KINDS if kind.value not in chosen]


class ReminderSettingsForm(forms.Form):
    days_before_deadline = forms.IntegerField(
        label="Days before a deadline", min_value=1, max_value=60
    )
    escalate_after_days = forms.IntegerField(
        label="Days overdue before the director is told", min_value=1, max_value=90
    )
    verification_after_days = forms.IntegerField(
        label="Days a logged procedure waits before its supervisor is reminded",
        min_value=0,
        max_value=60,
    )
    target_check_months = forms.CharField(
        label="Target checkpoints (months into the academic year)",
        max_length=60,
        help_text="Comma-separated, e.g. 6, 9.",
    )

    def clean_target_check_months(self) -> list[int]:
        parts = [part.strip() for part in self.cleaned_data["target_check_months"].split(",")]
        parts = [part for part in parts if part]
        if not parts or not all(part.isdigit() for part in parts):
            raise forms.ValidationError("Give whole months separated by commas, e.g. 6, 9.")
        return [int(part) for part in parts]
