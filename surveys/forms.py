"""Input shape only: building forms, scheduling collections, and the fellow's answers."""

from django import forms

from curriculum.models import Membership, Rotation

from .models import EvaluationForm, EvaluationQuestion, Subject


class FormCreateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    subject = forms.ChoiceField(label="About", choices=Subject.choices)


class QuestionForm(forms.Form):
    text = forms.CharField(label="Question", max_length=300)
    kind = forms.ChoiceField(
        label="Answer with", choices=EvaluationQuestion.Kind.choices, initial="scale"
    )
    required = forms.BooleanField(label="Required", required=False, initial=True)
    scale_labels = forms.CharField(
        label="Scale labels (optional)",
        required=False,
        max_length=400,
        help_text="Five labels, lowest first, separated by commas. Empty: Strongly disagree, "
        "Disagree, Neutral, Agree, Strongly agree.",
    )

    def clean_scale_labels(self) -> list[str]:
        text = self.cleaned_data["scale_labels"]
        return [label.strip() for label in text.split(",") if label.strip()]


class CollectionForm(forms.Form):
    form = forms.ModelChoiceField(label="Form", queryset=EvaluationForm.objects.none())
    faculty = forms.ModelChoiceField(
        label="Faculty member",
        queryset=Membership.objects.none(),
        required=False,
        help_text="For a faculty form.",
    )
    every_faculty = forms.BooleanField(
        label="One for every faculty member", required=False, help_text="For a faculty form."
    )
    rotation = forms.ModelChoiceField(
        label="Rotation",
        queryset=Rotation.objects.none(),
        required=False,
        help_text="For a rotation form: each fellow is invited when their block ends.",
    )
    opens_on = forms.DateField(label="Opens on", widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(label="Closes on", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = EvaluationForm.objects.filter(
            program=program, is_active=True
        ).order_by("name")
        self.fields["faculty"].queryset = (
            Membership.objects.filter(program=program, role=Membership.Role.FACULTY, is_active=True)
            .select_related("user")
            .order_by("user__full_name")
        )
        self.fields["faculty"].label_from_instance = lambda m: m.user.display_name
        self.fields["rotation"].queryset = Rotation.objects.filter(
            program=program, is_active=True
        ).order_by("name")


class AnswerForm(forms.Form):
    """One field per question: radio buttons for a scale, a text area for a comment."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            key = f"q_{question.pk}"
            if question.is_scale:
                self.fields[key] = forms.TypedChoiceField(
                    label=question.text,
                    choices=question.choices(),
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=question.required,
                )
            else:
                self.fields[key] = forms.CharField(
                    label=question.text,
                    required=question.required,
                    max_length=4000,
                    widget=forms.Textarea(attrs={"rows": 4}),
                )


class MinimumAnswersForm(forms.Form):
    minimum = forms.IntegerField(
        label="Minimum answers before results show",
        min_value=3,
        max_value=50,
        help_text=(
            "Results of a confidential evaluation show, in aggregate, once its window has closed "
            "and at least this many fellows have answered. At least 3, so that no result points "
            "at who gave it."
        ),
    )
