"""Input shape only: the services decide who may invite and whether a link still works."""

from django import forms

from curriculum.models import Membership

from .models import INVITABLE_ROLES


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
