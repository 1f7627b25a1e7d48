"""Input shape only: the workflow and signing services decide what is allowed."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import groupby

from django import forms

from core.forms import IdsChoiceField
from core.reasons import REASON_MAX_LENGTH

from .models import (
    LEVELS,
    NOT_YET_LEVEL_ONE,
    NOT_YET_LEVEL_ONE_LABEL,
    Assessment,
    AssessmentTemplate,
)
from .selectors.inbox import OPEN_FILTER
from .services.workflow import NA_FORM_VALUE, NOT_YET_LEVEL_ONE_FORM_VALUE

LEVEL_CHOICES = [(f"{level:.1f}", f"{level:.1f}") for level in LEVELS]
# What a faculty rating or a consensus level may be: "Not yet completed Level 1" first (it sits
# below 1.0), the scale, then "Not yet assessable" (no evidence, not a level).
RATING_CHOICES = [
    (NOT_YET_LEVEL_ONE_FORM_VALUE, NOT_YET_LEVEL_ONE_LABEL),
    *LEVEL_CHOICES,
    (NA_FORM_VALUE, "Not yet assessable"),
]


NO_DESCRIPTOR = "This milestone set has no descriptor text for this level."
NOT_ASSESSABLE_TEXT = "Not yet assessable: you have not seen enough to rate this."
NOT_YET_LEVEL_ONE_TEXT = (
    f"{NOT_YET_LEVEL_ONE_LABEL}: you assessed this and the fellow has not yet shown "
    "the milestones of level 1."
)


@dataclass(frozen=True)
class LevelDescription:
    """What the chosen value of one subcompetency means, as shown next to its choices.

    A whole level shows its descriptor. A half level sits between two descriptors: it means
    every milestone of the lower level and some of the higher one, so it shows "Between level
    1 and level 2" and both texts, lower first. "Not yet completed Level 1" says so and shows
    level 1's text (what is not yet reached). "Not yet assessable" says so; nothing chosen shows
    nothing. ``static/js/level_descriptors.js`` composes the same wording in the browser
    when the choice changes.
    """

    heading: str = ""
    texts: tuple[tuple[str, str], ...] = ()  # (label, descriptor text)


def level_description(descriptors: dict[int, str], value) -> LevelDescription:
    """``descriptors`` maps a whole level (1-5) to its text; ``value`` is a form value."""
    value = str(value or "").strip()
    if value == NA_FORM_VALUE:
        return LevelDescription(heading=NOT_ASSESSABLE_TEXT)
    try:
        level = Decimal(value)
    except InvalidOperation:
        return LevelDescription()

    def text(n: int) -> tuple[str, str]:
        return (f"Level {n}", descriptors.get(n) or NO_DESCRIPTOR)

    if level.is_finite() and level == NOT_YET_LEVEL_ONE:
        return LevelDescription(heading=NOT_YET_LEVEL_ONE_TEXT, texts=(text(1),))
    if not level.is_finite() or level not in LEVELS:
        return LevelDescription()

    low = int(level)
    if level == low:
        return LevelDescription(heading=f"Level {low}", texts=(text(low),))
    return LevelDescription(
        heading=f"Between level {low} and level {low + 1}: all of level {low}, "
        f"some of level {low + 1}",
        texts=(text(low), text(low + 1)),
    )


@dataclass(frozen=True)
class RatingRow:
    """One subcompetency of the fill form: its radio group and what the chosen level means."""

    subcompetency: object
    field: forms.BoundField
    description: LevelDescription
    descriptors: tuple[tuple[int, str], ...]  # every level's text, for the browser to switch


class DateInput(forms.DateInput):
    input_type = "date"


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=160)
    kind = forms.ChoiceField(label="Kind of form", choices=AssessmentTemplate.Kind.choices)
    milestone_set = forms.ModelChoiceField(queryset=None, empty_label=None)
    subcompetencies = IdsChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only those of the chosen milestone set.",
    )
    instructions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown to the assessor above the form.",
    )
    is_active = forms.BooleanField(
        label="In use (fellows can request it)", required=False, initial=True
    )

    def __init__(self, *args, milestone_sets, subcompetencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone_set"].queryset = milestone_sets
        self.fields["subcompetencies"].queryset = subcompetencies

    def subcompetency_groups(self) -> list[tuple[str, list[tuple[object, bool]]]]:
        """Checkbox choices grouped by milestone set and competency, with their checked state."""
        value = self["subcompetencies"].value() or []
        chosen = {str(getattr(item, "pk", item)) for item in value}
        subs = self.fields["subcompetencies"].queryset
        return [
            (label, [(sub, str(sub.pk) in chosen) for sub in items])
            for label, items in groupby(
                subs, key=lambda s: f"{s.milestone_set} · {s.competency.code} {s.competency.name}"
            )
        ]


class RequestForm(forms.Form):
    template = forms.ModelChoiceField(label="Form", queryset=None, empty_label=None)
    assessor = forms.ModelChoiceField(
        label="Assessor",
        queryset=None,
        required=False,
        help_text="Not needed for a self-assessment.",
    )
    observed_on = forms.DateField(label="Observed on", widget=DateInput)
    procedure_entry = forms.ModelChoiceField(
        label="Procedure (optional)",
        queryset=None,
        required=False,
        empty_label="No procedure",
        help_text="Link the log entry that was observed.",
    )

    def __init__(self, *args, templates, assessors, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
        self.fields["assessor"].queryset = assessors
        self.fields["assessor"].label_from_instance = lambda m: m.user.display_name
        self.fields["procedure_entry"].queryset = entries
        self.fields["procedure_entry"].label_from_instance = lambda e: (
            f"{e.performed_on:%b %d, %Y} · {e.procedure_type.name}"
        )


class FillForm(forms.Form):
    """The narrative first, then one radio group per subcompetency, then the signing fields."""

    # For the page's data- attributes: the browser words a changed choice as the server does.
    no_descriptor = NO_DESCRIPTOR
    not_assessable_text = NOT_ASSESSABLE_TEXT
    na_value = NA_FORM_VALUE
    not_yet_level_one_text = NOT_YET_LEVEL_ONE_TEXT
    not_yet_level_one_value = NOT_YET_LEVEL_ONE_FORM_VALUE

    narrative = forms.CharField(
        label="Narrative",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What went well, and what to work on next. Fellows read this first.",
    )
    password = forms.CharField(
        label="Your password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    totp_code = forms.CharField(
        label="Authenticator code",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, subcompetencies, uses_totp: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.subcompetencies = list(subcompetencies)
        for sub in self.subcompetencies:
            self.fields[f"rating_{sub.pk}"] = forms.ChoiceField(
                label=f"{sub.code} {sub.title}",
                choices=RATING_CHOICES,
                required=False,
                widget=forms.RadioSelect,
            )
        if uses_totp:
            del self.fields["password"]
        else:
            del self.fields["totp_code"]

    def rating_fields(self):
        return [(sub, self[f"rating_{sub.pk}"]) for sub in self.subcompetencies]

    def rating_rows(self) -> list[RatingRow]:
        """Each radio group with its level descriptors; the view prefetches ``levels``."""
        rows = []
        for sub in self.subcompetencies:
            descriptors = {d.level: d.text for d in sub.levels.all()}
            field = self[f"rating_{sub.pk}"]
            rows.append(
                RatingRow(
                    subcompetency=sub,
                    field=field,
                    description=level_description(descriptors, field.value()),
                    descriptors=tuple(sorted(descriptors.items())),
                )
            )
        return rows

    def ratings(self) -> dict[int, str]:
        return {
            sub.pk: self.cleaned_data.get(f"rating_{sub.pk}", "") for sub in self.subcompetencies
        }


def initial_ratings(assessment) -> dict[str, str]:
    initial = {}
    for rating in assessment.ratings.all():
        value = NA_FORM_VALUE if rating.not_assessable else f"{rating.level:.1f}"
        initial[f"rating_{rating.subcompetency_id}"] = value
    return initial


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="Reason the assessor will see",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EvaluationTimingForm(forms.Form):
    evaluation_due_days = forms.IntegerField(
        label="End-of-rotation evaluations are due (days after the block ends)",
        min_value=1,
        max_value=90,
    )
    evaluation_interval_months = forms.IntegerField(
        label="Rotations longer than this also get an interim evaluation every (months)",
        min_value=1,
        max_value=12,
        help_text="ACGME asks for one at least every 3 months, block or longitudinal.",
    )
    summative_lead_days = forms.IntegerField(
        label="The final summative evaluation is due (days before the fellow's end date)",
        min_value=0,
        max_value=180,
    )
    request_expiry_days = forms.IntegerField(
        label="A fellow's request nobody has started expires after (days)",
        min_value=1,
        max_value=90,
        help_text="Both the fellow and the assessor are told; started work never expires.",
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why you decline (the fellow will read this)",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: I did not supervise that case; ask the attending who did.",
    )


class StaffFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any status"),
            (OPEN_FILTER, "Open (draft or returned)"),
            *Assessment.Status.choices,
        ],
    )
    fellow = forms.ModelChoiceField(queryset=None, required=False, empty_label="Every fellow")

    def __init__(self, *args, fellows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fellow"].queryset = fellows
        self.fields["fellow"].label_from_instance = lambda m: m.user.display_name


# --- CCC reviews and the final summative evaluation -----------------------------------------------


class ReviewPeriodsCreateForm(forms.Form):
    academic_year = forms.ModelChoiceField(label="Academic year", queryset=None, empty_label=None)

    def __init__(self, *args, academic_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].queryset = academic_years


class ReviewPeriodForm(forms.Form):
    starts_on = forms.DateField(label="Starts on", widget=DateInput)
    ends_on = forms.DateField(label="Ends on", widget=DateInput)
    meeting_date = forms.DateField(label="Committee meeting", required=False, widget=DateInput)
    expected_level = forms.TypedChoiceField(
        label="Expected level at this review",
        choices=[("", "Default for the kind of review"), *LEVEL_CHOICES],
        coerce=Decimal,
        empty_value=None,
        required=False,
        help_text="The level a fellow on track has reached by this review; the cohort dashboard "
        "compares each fellow with it. Empty: 2.5 at mid-year, 4.0 (the graduation target) at "
        "year end.",
    )


class CommitteeForm(forms.Form):
    """The director appoints the Clinical Competency Committee and sets its quorum."""

    members = IdsChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label="Members of the committee"
    )
    quorum = forms.IntegerField(
        min_value=1,
        max_value=20,
        label="Quorum",
        help_text="Members who must be present at a meeting for it to agree levels (ACGME: the "
        "committee has at least three faculty members).",
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = candidates
        self.fields["members"].label_from_instance = lambda m: (
            f"{m.user.display_name} ({m.get_role_display()})"
        )


class MeetingForm(forms.Form):
    """A meeting of the committee for one review period."""

    held_on = forms.DateField(label="Held on", widget=DateInput)
    present = IdsChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label="Members present"
    )
    notes = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = members
        self.fields["present"].label_from_instance = lambda m: m.user.display_name


class ConsensusForm(forms.Form):
    """One level per subcompetency of the milestone set, and the committee's notes."""

    committee_notes = forms.CharField(
        label="Committee notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional. The fellow sees them once the review is finalised.",
    )

    def __init__(self, *args, subcompetencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.subcompetencies = list(subcompetencies)
        for sub in self.subcompetencies:
            self.fields[f"level_{sub.pk}"] = forms.ChoiceField(
                label=f"{sub.code} consensus level",
                choices=[("", "Not recorded"), *RATING_CHOICES],
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def level_fields(self):
        return [(sub, self[f"level_{sub.pk}"]) for sub in self.subcompetencies]

    def levels(self) -> dict[int, str]:
        return {
            sub.pk: self.cleaned_data.get(f"level_{sub.pk}", "") for sub in self.subcompetencies
        }


def initial_levels(review) -> dict[str, str]:
    initial = {"committee_notes": review.committee_notes}
    for level in review.levels.all():
        value = NA_FORM_VALUE if level.not_assessable else f"{level.level:.1f}"
        initial[f"level_{level.subcompetency_id}"] = value
    return initial


class SignForm(forms.Form):
    """Re-confirm identity to sign: the password, or the authenticator code for MFA users."""

    password = forms.CharField(
        label="Your password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    totp_code = forms.CharField(
        label="Authenticator code",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, uses_totp: bool, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["password" if uses_totp else "totp_code"]


class SummativeForm(forms.Form):
    narrative = forms.CharField(
        label="Narrative",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="The fellow's performance during the program and readiness for practice.",
    )
    # ACGME Common Program Requirements V.A.2: the final evaluation verifies the fellow is ready
    # to enter autonomous practice (the current wording; the column keeps its older name).
    practices_independently = forms.TypedChoiceField(
        label="Ready to enter autonomous practice: has the fellow demonstrated the knowledge, "
        "skills and behaviours necessary to enter autonomous practice?",
        choices=[("", "Not decided yet"), ("yes", "Yes"), ("no", "No")],
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    override_reason = forms.CharField(
        label="Reason for signing before the year-end CCC review is finalised",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only when signing before the review: stored with the evaluation and audited.",
    )

    def __init__(self, *args, is_final: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_final:
            del self.fields["practices_independently"]
            self.fields["narrative"].help_text = "The fellow's performance during the year."
