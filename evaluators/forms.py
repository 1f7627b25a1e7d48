"""Input shape only: the services decide what is allowed."""

from django import forms

from assessments.services.workflow import NA_FORM_VALUE

from .models import EvaluatorRole
from .patient_form import PATIENT_QUESTIONS, PATIENT_SCALE
from .services import NARRATIVE_MAX_LENGTH, PLAIN_SCALE, PLAIN_SCALE_LEVELS, PLAIN_SCALE_NOT_SEEN

# The words only: no level number reaches the evaluator, not even in a radio's value.
RATING_CHOICES = [
    *[(key, words) for key, words, _ in PLAIN_SCALE],
    (NA_FORM_VALUE, PLAIN_SCALE_NOT_SEEN),
]
RATING_ERRORS = {
    "required": f"Choose an answer, or “{PLAIN_SCALE_NOT_SEEN}”.",
    "invalid_choice": f"That answer is not on the scale: choose one of the answers shown, or "
    f"“{PLAIN_SCALE_NOT_SEEN}”.",
}


class RequestForm(forms.Form):
    fellow = forms.ModelChoiceField(label="Fellow", queryset=None, empty_label=None)
    evaluator_role = forms.ChoiceField(label="Who are you asking?", choices=EvaluatorRole.choices)
    evaluator_name = forms.CharField(
        label="Their name",
        max_length=150,
        required=False,
        help_text="Not for a patient: nothing that identifies a patient is kept.",
    )
    evaluator_email = forms.EmailField(
        label="Their email address",
        required=False,
        help_text="The link is emailed here. For a patient it is optional, used once and not "
        "kept; you can also show them the link or QR code on the next page.",
    )
    template = forms.ModelChoiceField(
        label="Form (professionals)",
        queryset=None,
        required=False,
        empty_label=None,
        help_text="Patients get a short plain-language form instead.",
    )

    def __init__(self, *args, fellows, templates, choose_fellow: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fellow"].queryset = fellows
        self.fields["fellow"].label_from_instance = lambda m: m.user.display_name
        self.fields["template"].queryset = templates
        if not choose_fellow:  # a fellow asks about themself: nothing to choose
            self.fields["fellow"].widget = forms.HiddenInput()
            self.fields["fellow"].initial = fellows.values_list("pk", flat=True).first()
            self.fields["fellow"].error_messages["invalid_choice"] = (
                "You can only ask for evaluations of your own work."
            )


class ProfessionalForm(forms.Form):
    """The narrative first, then one radio group per subcompetency of the multi-source form."""

    narrative = forms.CharField(
        label="Comments",
        required=False,
        max_length=NARRATIVE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the fellow does well with you and the team, and what to work on. "
        "Please do not name or describe patients.",
    )

    def __init__(self, *args, subcompetencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.subcompetencies = list(subcompetencies)
        for sub in self.subcompetencies:
            self.fields[f"rating_{sub.pk}"] = forms.ChoiceField(
                label=f"{sub.code} {sub.title}",
                choices=RATING_CHOICES,
                widget=forms.RadioSelect,
                error_messages=RATING_ERRORS,
            )

    def rating_fields(self):
        return [(sub, self[f"rating_{sub.pk}"]) for sub in self.subcompetencies]

    def ratings(self) -> dict[int, str]:
        """Subcompetency id -> the level the chosen words map to (``"4.0"``), or ``"na"``."""
        ratings = {}
        for sub in self.subcompetencies:
            answer = self.cleaned_data.get(f"rating_{sub.pk}", "")
            level = PLAIN_SCALE_LEVELS.get(answer)
            ratings[sub.pk] = f"{level:.1f}" if level is not None else answer
        return ratings


class PatientForm(forms.Form):
    """Six plain questions and an optional comment; no name, no contact details."""

    narrative = forms.CharField(
        label="Anything else you would like to tell us? (optional)",
        required=False,
        max_length=NARRATIVE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Please do not write your name, date of birth, phone number or other details "
        "about yourself.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in PATIENT_QUESTIONS:
            self.fields[f"q_{question.key}"] = forms.TypedChoiceField(
                label=question.text,
                choices=PATIENT_SCALE,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Please choose an answer."},
            )

    def question_fields(self):
        return [self[f"q_{q.key}"] for q in PATIENT_QUESTIONS]

    def answers(self) -> dict[str, int]:
        return {q.key: self.cleaned_data.get(f"q_{q.key}") for q in PATIENT_QUESTIONS}
