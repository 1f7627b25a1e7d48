from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from curriculum.models import Membership
from curriculum.selectors import program_list


def my_progress(request: HttpRequest, program_id: int) -> HttpResponse:
    """Fellow home: their own progress toward graduation, and nobody else's."""
    program = get_object_or_404(
        program_list(user=request.user, roles=[Membership.Role.FELLOW]), pk=program_id
    )
    return render(request, "trainees/my_progress.html", {"program": program})
