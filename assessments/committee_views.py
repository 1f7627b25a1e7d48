"""The committee's own pages: appointing it (the director) and recording its meetings."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from core.forms import add_service_errors
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership

from .forms import CommitteeForm, MeetingForm
from .selectors.ccc import review_period_list
from .selectors.committee import committee_candidates, committee_members
from .services import committee as services

Role = Membership.Role


def ccc_committee(request: HttpRequest, program_id: int) -> HttpResponse:
    """The director names the committee's members and its quorum."""
    program = program_for(request.user, program_id, roles=[Role.DIRECTOR])
    committee = services.committee_for(program)
    initial = {
        "quorum": committee.quorum,
        "members": list(committee.members.all()) if committee.pk else [],
    }
    form = CommitteeForm(
        request.POST or None,
        initial=initial,
        candidates=committee_candidates(user=request.user, program=program),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_update(actor=request.user, program=program, **form.cleaned_data)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The committee is saved.")
            return redirect("assessments:ccc_committee", program_id=program.pk)
    context = {"program": program, "committee": committee, "form": form}
    return render(request, "assessments/ccc_committee.html", context)


@once_per_submit
def ccc_meeting_create(request: HttpRequest, program_id: int, period_id: int) -> HttpResponse:
    """The director or coordinator records a meeting of the committee for a review period."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    period = get_object_or_404(review_period_list(user=request.user, program=program), pk=period_id)
    members = committee_members(user=request.user, program=program)
    form = MeetingForm(
        request.POST or None,
        initial={"held_on": program.today()},
        members=members,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_meeting_record(
                actor=request.user, period=period, **form.cleaned_data
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The meeting is recorded.")
            return redirect(period)
    context = {"program": program, "period": period, "form": form, "has_members": members.exists()}
    return render(request, "assessments/ccc_meeting_form.html", context)
