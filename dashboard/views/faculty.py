"""The faculty home: what waits for this faculty member, and their own completion record."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessments.selectors.inbox import assessments_to_fill
from curriculum.access import program_for
from curriculum.models import Membership
from procedures.selectors.verification import verification_queue

from ..selectors import faculty_completion_stats


def faculty_queue(request: HttpRequest, program_id: int) -> HttpResponse:
    """Faculty home: everything waiting for this faculty member, oldest first."""
    program = program_for(request.user, program_id, roles=[Membership.Role.FACULTY])
    context = {
        "program": program,
        "assessments": list(assessments_to_fill(user=request.user, program=program)),
        "procedure_count": verification_queue(user=request.user, program=program).count(),
        "completion": faculty_completion_stats(
            user=request.user, program=program, today=program.today()
        ),
    }
    return render(request, "dashboard/faculty_queue.html", context)
