"""Input shape only: a plan's mentor and goals, a goal's progress, a scholarly activity and the
cohort filters. The services check the rules."""

from django import forms

from curriculum.models import Membership
from trainees.models import Cohort

from .models import LearningGoal, ScholarlyActivity
from .services import SCHOLARLY_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def faculty_choices(program):
    return (
        Membership.objects.filter(program=program, role=Membership.Role.FACULTY, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


class MentorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.user.display_name


class PlanMentorForm(forms.Form):
    mentor = MentorChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        empty_label="No mentor (the director agrees the plan)",
        help_text="A faculty member who sees, edits and agrees the plan with the fellow.",
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = faculty_choices(program)


class SubcompetencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.title}"


class GoalForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31)
    subcompetency = SubcompetencyChoiceField(queryset=None, label="Subcompetency")
    goal = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    actions = forms.CharField(
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What you will do to reach it.",
    )
    due_on = forms.DateField(label="Due", widget=DATE)
    status = forms.ChoiceField(choices=LearningGoal.Status.choices, initial="open")

    def __init__(self, *args, subcompetencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subcompetency"].queryset = subcompetencies


GoalFormSet = forms.formset_factory(
    GoalForm, extra=1, can_delete=True, max_num=30, validate_max=True
)


def goal_formset(*, subcompetencies, goals=None, data=None):
    initial = [
        {
            "id": goal.pk,
            "subcompetency": goal.subcompetency_id,
            "goal": goal.goal,
            "actions": goal.actions,
            "due_on": goal.due_on,
            "status": goal.status,
        }
        for goal in goals or []
    ]
    return GoalFormSet(
        data,
        initial=initial,
        prefix="goals",
        form_kwargs={"subcompetencies": subcompetencies},
    )


class GoalProgressForm(forms.Form):
    status = forms.ChoiceField(choices=LearningGoal.Status.choices)
    progress = forms.CharField(
        label="What was done",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ScholarlyActivityForm(forms.ModelForm):
    class Meta:
        model = ScholarlyActivity
        fields = SCHOLARLY_FIELDS
        widgets = {
            "started_on": DATE,
            "completed_on": DATE,
            "aims": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"completed_on": "Completed, presented or published on", "pmid": "PubMed ID"}


class ScholarlyFilterForm(forms.Form):
    cohort = forms.ModelChoiceField(queryset=None, required=False, empty_label="All cohorts")
    kind = forms.ChoiceField(
        choices=[("", "All kinds"), *ScholarlyActivity.Kind.choices], required=False
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *ScholarlyActivity.Status.choices], required=False
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = Cohort.objects.filter(program=program).select_related(
            "academic_year"
        )
