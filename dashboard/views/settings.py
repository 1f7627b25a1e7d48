"""Program settings: one page that leads to every setting a program's staff can change.

It lives in ``dashboard`` because it links into every app; each entry asks that app's own
predicate, so a coordinator sees which settings are theirs and which the director keeps.
"""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.permissions import can_change_security
from assessments.permissions import can_manage_ccc, can_manage_committee, can_manage_templates
from curriculum.access import program_for
from curriculum.models import Membership
from curriculum.permissions import can_manage_curriculum, can_manage_roster, can_manage_schedule
from didactics.permissions import can_manage_calendar
from procedures.permissions import can_manage_catalogue
from reminders.permissions import can_manage_reminders
from surveys.permissions import can_build_forms as can_manage_confidential_evaluations


@dataclass(frozen=True)
class Setting:
    title: str
    about: str
    url_name: str
    predicate: object  # (user, program) -> bool: may this person change it?


SETTINGS = (
    Setting(
        "Procedure catalogue",
        "The procedures fellows log, grouped by category; load the default pain catalogue.",
        "procedures:catalogue",
        can_manage_catalogue,
    ),
    Setting(
        "Procedure targets",
        "The minimum number of each procedure a fellow should log before graduation.",
        "procedures:targets",
        can_manage_catalogue,
    ),
    Setting(
        "Assessment forms",
        "The forms faculty fill (end-of-rotation, direct observation, multi-source).",
        "assessments:template_list",
        can_manage_templates,
    ),
    Setting(
        "Evaluation timing",
        "When evaluations fall due, and when a fellow's unanswered request expires.",
        "assessments:evaluation_timing",
        can_manage_templates,
    ),
    Setting(
        "Confidential evaluations",
        "How many fellows must answer before results of a confidential evaluation show.",
        "surveys:minimum_answers",
        can_manage_confidential_evaluations,
    ),
    Setting(
        "Milestone sets",
        "The ACGME Pain Medicine Milestones the forms and the committee rate against.",
        "curriculum:milestone_set_list",
        can_manage_curriculum,
    ),
    Setting(
        "Rotations",
        "The rotations of the program, their codes and the objectives they teach.",
        "curriculum:rotation_list",
        can_manage_schedule,
    ),
    Setting(
        "Review periods",
        "The Clinical Competency Committee's mid-year and year-end review periods.",
        "assessments:ccc_period_list",
        can_manage_ccc,
    ),
    Setting(
        "Clinical Competency Committee",
        "The faculty who sit on the committee, and how many make a quorum.",
        "assessments:ccc_committee",
        can_manage_committee,
    ),
    Setting(
        "Leave policy",
        "How many days of leave a year do not extend training; every day beyond them does.",
        "trainees:leave_policy",
        can_manage_roster,
    ),
    Setting(
        "Reminder settings",
        "When reminders go out: overdue days, escalation, target checkpoints, quiet hours.",
        "reminders:reminder_settings",
        can_manage_reminders,
    ),
    Setting(
        "Conference requirements",
        "Conference series and the attendance each kind of session requires.",
        "didactics:series_list",
        can_manage_calendar,
    ),
    Setting(
        "Two-factor rule",
        "Whether directors and faculty must use two-factor sign-in in this program.",
        "accounts:program_security",
        can_change_security,
    ),
)


def program_settings(request: HttpRequest, program_id: int) -> HttpResponse:
    """Every setting of the program, each linked for whoever may change it."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    entries = [
        {
            "setting": setting,
            "url": reverse(setting.url_name, kwargs={"program_id": program.pk}),
            "can_change": setting.predicate(request.user, program),
        }
        for setting in SETTINGS
    ]
    return render(
        request, "dashboard/program_settings.html", {"program": program, "entries": entries}
    )
