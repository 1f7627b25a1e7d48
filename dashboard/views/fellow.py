"""The fellow home: their own progress toward graduation and what is due; nobody else's."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from curriculum.access import program_for
from curriculum.models import Membership
from portfolio.selectors import home_plan_summary
from procedures.models import ProcedureLogEntry
from procedures.selectors.log import entry_list
from procedures.selectors.progress import fellow_target_progress, progress_fellow_list
from surveys.selectors import pending_count as confidential_pending_count
from workhours.selectors import home_week_summary

from .. import selectors

RETURNED_SHOWN = 5  # the rest are one tap away, filtered in the log


def my_progress(request: HttpRequest, program_id: int) -> HttpResponse:
    """Fellow home: their own progress toward graduation (procedure targets, CCC levels, latest
    ratings), what is due, and their latest feedback; nobody else's. A fixed number of queries."""
    program = program_for(request.user, program_id, roles=[Membership.Role.FELLOW])
    fellow = get_object_or_404(
        progress_fellow_list(user=request.user, program=program), user=request.user
    )
    today = program.today()
    procedures = fellow_target_progress(user=request.user, fellow=fellow)
    levels = selectors.fellow_levels(
        fellow=fellow, subcompetencies=selectors.current_subcompetencies(program=program)
    )
    returned = list(
        entry_list(
            user=request.user,
            program=program,
            fellow=fellow,
            status=ProcedureLogEntry.Status.RETURNED,
        )[: RETURNED_SHOWN + 1]
    )
    context = {
        "program": program,
        "today": today,
        "returned_entries": returned[:RETURNED_SHOWN],
        "more_returned": len(returned) > RETURNED_SHOWN,
        "procedures": procedures,
        "procedure_targets_met": sum(item.met for item in procedures),
        "procedure_targets_total": len(procedures),
        "levels": [row for row in levels if row.ccc or row.rating],
        "has_ccc": any(row.ccc for row in levels),
        "due": selectors.fellow_due(fellow=fellow, today=today),
        "upcoming_days": selectors.UPCOMING_DAYS,
        "feedback": selectors.latest_feedback(fellow=fellow),
        "work_weeks": home_week_summary(fellow=fellow),
        "learning_plan": home_plan_summary(fellow),
        "confidential_pending": confidential_pending_count(user=request.user, program=program),
    }
    return render(request, "dashboard/my_progress.html", context)
