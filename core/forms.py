from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError back on the form, on the field it names when it can."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


# The largest primary key the database holds (a signed 64-bit integer).
MAX_ID = 2**63 - 1


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses an id outside the database's integer range before
    asking the database (SQLite raises OverflowError on such a value: a 500, not a message)."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else []:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # Django's own "not a valid value" message follows
            if not 0 < number <= MAX_ID:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)
