from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from core.htmx import render_page_or_partial

from .models import Membership
from .selectors import membership_list, program_list, program_member_list, program_role_counts

ROSTER_PAGE_SIZE = 25


def home(request: HttpRequest) -> HttpResponse:
    """Send a person with one role straight to that role's home; otherwise let them choose."""
    memberships = list(membership_list(user=request.user))
    if len(memberships) == 1:
        return redirect(memberships[0].get_absolute_url())
    return render(request, "curriculum/home.html", {"memberships": memberships})


def program_overview(request: HttpRequest, program_id: int) -> HttpResponse:
    """Director and coordinator home: who is in the program, and what is still to set up."""
    program = get_object_or_404(
        program_list(user=request.user, roles=Membership.STAFF_ROLES), pk=program_id
    )
    roster = Paginator(program_member_list(user=request.user, program=program), ROSTER_PAGE_SIZE)
    context = {
        "program": program,
        "role_counts": program_role_counts(program=program),
        "roster_page": roster.get_page(request.GET.get("page")),
    }
    return render_page_or_partial(request, "curriculum/program_overview.html", "roster", context)
