from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from curriculum.models import Membership
from curriculum.selectors import program_list
from procedures.selectors.verification import verification_queue


def faculty_queue(request: HttpRequest, program_id: int) -> HttpResponse:
    """Faculty home: everything waiting for this faculty member, oldest first."""
    program = get_object_or_404(
        program_list(user=request.user, roles=[Membership.Role.FACULTY]), pk=program_id
    )
    context = {
        "program": program,
        "procedure_count": verification_queue(user=request.user, program=program).count(),
    }
    return render(request, "assessments/faculty_queue.html", context)
