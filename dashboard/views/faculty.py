"""The faculty home: what waits for this faculty member, and their own completion record."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from curriculum.access import program_for
from curriculum.models import Membership
from procedures.selectors.verification import verification_queue

from ..selectors import faculty_completion_stats, faculty_waiting_assessments


def faculty_queue(request: HttpRequest, program_id: int) -> HttpResponse:
    """Faculty home: everything waiting for this faculty member, oldest first."""
    program = program_for(request.user, program_id, roles=[Membership.Role.FACULTY])
    today = program.today()
    context = {
        "program": program,
        "waiting": faculty_waiting_assessments(user=request.user, program=program, today=today),
        "procedure_count": verification_queue(user=request.user, program=program).count(),
        "completion": faculty_completion_stats(user=request.user, program=program, today=today),
    }
    return render(request, "dashboard/faculty_queue.html", context)
