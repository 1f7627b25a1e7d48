"""Input shape only: the services decide who may invite and whether a link still works."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Hidden, Submit
from django import forms
from django.urls import reverse

from curriculum.models import Membership

from .models import INVITABLE_ROLES
from .roster_import import MAX_BYTES as ROSTER_MAX_BYTES


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254)
    full_name = forms.CharField(label="Full name", max_length=150)
    role = forms.ChoiceField(
        label="Role",
        initial=Membership.Role.FELLOW,
        choices=[(r, label) for r, label in Membership.Role.choices if r in INVITABLE_ROLES],
    )


class InvitationAcceptForm(forms.Form):
    """Set a password for a new account; an existing account needs no fields at all."""

    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password (again)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, needs_password: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_password:
            del self.fields["password1"]
            del self.fields["password2"]

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords do not match.")
        return cleaned


class RosterImportForm(forms.Form):
    """The uploaded roster file, read into ``cleaned_data["content"]`` (bytes) for the service."""

    file = forms.FileField(
        label="Roster file (CSV)",
        help_text="A .csv file saved as UTF-8, at most 256 KB and 500 people.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, program_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = reverse(
            "accounts:roster_import", kwargs={"program_id": program_id}
        )
        self.helper.form_error_title = "The file could not be checked:"
        self.helper.add_input(Hidden("step", "preview"))
        self.helper.add_input(Submit("upload", "Check the file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > ROSTER_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {ROSTER_MAX_BYTES // 1024} KB. "
                "Split it into smaller files and import them one at a time."
            )
        self.cleaned_data["content"] = upload.read()
        return upload


class ProgramSecurityForm(forms.Form):
    require_mfa_for_staff = forms.BooleanField(
        label="Require two-factor sign-in for directors and faculty",
        required=False,
        help_text=(
            "Directors and faculty without an authenticator app are sent to set one up the next "
            "time they open a page (within five minutes for those already signed in)."
        ),
    )
