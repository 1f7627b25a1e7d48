"""Assessment forms, requests, filling and signing, acknowledging, returning."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import LevelDescriptor, Membership, Subcompetency

from .forms import (
    DeclineForm,
    EvaluationTimingForm,
    FillForm,
    RequestForm,
    ReturnForm,
    StaffFilterForm,
    TemplateForm,
    initial_ratings,
)
from .models import (
    GRADUATION_TARGET,
    NOT_YET_LEVEL_ONE,
    NOT_YET_LEVEL_ONE_LABEL,
    Assessment,
    AssessmentTemplate,
)
from .permissions import (
    ASSESSMENT_LIST_ROLES,
    TEMPLATE_MANAGER_ROLES,
    can_acknowledge,
    can_decline,
    can_fill,
    can_see_all_assessments,
)
from .seals import SIGNATURE_MEANING, uses_totp
from .selectors import inbox
from .selectors.forms import requestable_template_list, template_list
from .selectors.trajectory import milestone_fellow_list, milestone_trajectory, narratives_received
from .selectors.unscoped import assessment_detail_get
from .services import workflow as services
from .services.requests import assessment_decline
from .services.signatures.amend import assessment_amend
from .services.signatures.sign import assessment_acknowledge, assessment_sign
from .services.timing import TIMING_FIELDS, program_evaluation_timing_update

Role = Membership.Role
STAFF_PAGE_SIZE = 50


def _service_error(request: HttpRequest, exc: Exception) -> None:
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)


# --- Forms (templates) ---------------------------------------------------------------------------


def template_list_view(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=TEMPLATE_MANAGER_ROLES)
    context = {
        "program": program,
        "templates": template_list(user=request.user, program=program),
    }
    return render(request, "assessments/template_list.html", context)


def _template_form(request, program, template: AssessmentTemplate | None) -> HttpResponse:
    milestone_sets = program.milestone_sets.order_by("-effective_date")
    subcompetencies = (
        Subcompetency.objects.filter(milestone_set__program=program)
        .select_related("competency", "milestone_set")
        .order_by("milestone_set__effective_date", "milestone_set_id", "competency__order", "order")
    )
    initial = None
    if template is not None:
        initial = {
            "name": template.name,
            "kind": template.kind,
            "milestone_set": template.milestone_set_id,
            "subcompetencies": list(template.subcompetencies.values_list("pk", flat=True)),
            "instructions": template.instructions,
            "is_active": template.is_active,
        }
    form = TemplateForm(
        request.POST or None,
        initial=initial,
        milestone_sets=milestone_sets,
        subcompetencies=subcompetencies,
    )
    if template is None:
        del form.fields["is_active"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if template is None:
                services.template_create(actor=request.user, program=program, **data)
            else:
                services.template_update(actor=request.user, template=template, **data)
        except PermissionDenied as exc:
            _service_error(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Saved the form “{data['name']}”.")
            return redirect("assessments:template_list", program_id=program.pk)
    context = {"program": program, "form": form, "template": template}
    return render(request, "assessments/template_form.html", context)


@once_per_submit
def template_create_view(request: HttpRequest, program_id: int) -> HttpResponse:
    return _template_form(
        request, program_for(request.user, program_id, roles=TEMPLATE_MANAGER_ROLES), None
    )


def template_update_view(request: HttpRequest, program_id: int, template_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=TEMPLATE_MANAGER_ROLES)
    template = get_object_or_404(template_list(user=request.user, program=program), pk=template_id)
    return _template_form(request, program, template)


# --- Requests and lists --------------------------------------------------------------------------


@once_per_submit
def request_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """A fellow asks a named faculty member for an assessment, on one phone screen."""
    program = program_for(request.user, program_id, roles=[Role.FELLOW])
    form = RequestForm(
        request.POST or None,
        initial={"observed_on": program.today()},
        templates=requestable_template_list(user=request.user, program=program),
        assessors=inbox.assessor_choice_list(user=request.user, program=program),
        entries=inbox.recent_entry_list(user=request.user, program=program),
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_request(actor=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            _service_error(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if assessment.assessor.user_id == request.user.pk:
                messages.success(request, "Self-assessment started: fill it in below.")
                return redirect(_fill_url(assessment))
            messages.success(request, f"Request sent to {assessment.assessor.user.display_name}.")
            return redirect("assessments:assessment_list", program_id=program.pk)
    return render(request, "assessments/request_form.html", {"program": program, "form": form})


def assessment_list_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """A fellow's "My assessments"; the director's and coordinator's list of the program's."""
    program = program_for(request.user, program_id, roles=ASSESSMENT_LIST_ROLES)
    if can_see_all_assessments(request.user, program):
        fellows = inbox.fellow_choice_list(user=request.user, program=program)
        filters = StaffFilterForm(request.GET or None, fellows=fellows)
        status, fellow_id = "", None
        if filters.is_valid():
            status = filters.cleaned_data["status"]
            fellow = filters.cleaned_data["fellow"]
            fellow_id = fellow.pk if fellow else None
        queryset = inbox.assessment_list_for_staff(
            user=request.user, program=program, status=status, fellow_id=fellow_id
        )
        page = Paginator(queryset, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
        context = {"program": program, "filters": filters, "assessment_page": page}
        return render(request, "assessments/staff_list.html", context)
    mine = inbox.my_assessments(user=request.user, program=program)
    requests = list(mine["requests"])
    for assessment in requests:  # a self-assessment the fellow fills themself
        assessment.can_fill = can_fill(request.user, assessment)
    context = {
        "program": program,
        "received": list(mine["received"]),
        "requests": requests,
        "closed": list(mine["closed"]),
    }
    return render(request, "assessments/my_assessments.html", context)


# --- One assessment ------------------------------------------------------------------------------


def _visible(request: HttpRequest, program_id: int, assessment_id: int):
    program = program_for(request.user, program_id)
    queryset = assessment_detail_get(inbox.visible_assessments(user=request.user, program=program))
    return program, get_object_or_404(queryset, pk=assessment_id)


def _fill_url(assessment: Assessment) -> str:
    return reverse(
        "assessments:assessment_fill",
        kwargs={"program_id": assessment.program_id, "assessment_id": assessment.pk},
    )


def assessment_detail(request: HttpRequest, program_id: int, assessment_id: int) -> HttpResponse:
    program, assessment = _visible(request, program_id, assessment_id)
    ratings = {r.subcompetency_id: r for r in assessment.ratings.all()}
    rows = [(sub, ratings.get(sub.pk)) for sub in assessment.template.subcompetencies.all()]
    listed = {sub.pk for sub, _ in rows}
    rows += [
        (r.subcompetency, r) for r in assessment.ratings.all() if r.subcompetency_id not in listed
    ]
    user = request.user
    is_assessor = assessment.assessor.user_id == user.pk and can_fill(user, assessment)
    context = {
        "program": program,
        "assessment": assessment,
        "rows": rows,
        "signatures": list(assessment.signatures.all()),
        "can_fill": is_assessor and assessment.status in Assessment.OPEN_STATUSES,
        "can_amend": is_assessor and assessment.is_locked,
        "can_acknowledge": can_acknowledge(user, assessment),
        "can_decline": is_assessor and can_decline(user, assessment),
        "can_return": assessment.status == Assessment.Status.DRAFT
        and can_see_all_assessments(user, program),
    }
    return render(request, "assessments/assessment_detail.html", context)


def assessment_fill(request: HttpRequest, program_id: int, assessment_id: int) -> HttpResponse:
    """Phone-first: narrative, one radio group per subcompetency, then save or sign."""
    program = program_for(request.user, program_id)
    assessment = get_object_or_404(
        assessment_detail_get(inbox.fillable_assessments(user=request.user, program=program)),
        pk=assessment_id,
    )
    if assessment.is_locked:
        messages.info(request, "This assessment is signed; amend it to make a correction.")
        return redirect(assessment)
    if assessment.status in Assessment.CLOSED_STATUSES:
        messages.info(request, f"This request is closed ({assessment.get_status_display()}).")
        return redirect(assessment)
    subcompetencies = list(assessment.template.subcompetencies.all())
    # Every level descriptor of the form in one query, shown next to the choices.
    prefetch_related_objects(
        subcompetencies, Prefetch("levels", queryset=LevelDescriptor.objects.order_by("level"))
    )
    signs_with_totp = uses_totp(request.user)
    initial = {"narrative": assessment.narrative, **initial_ratings(assessment)}
    form = FillForm(
        request.POST or None,
        initial=initial,
        subcompetencies=subcompetencies,
        uses_totp=signs_with_totp,
    )
    if request.method == "POST" and form.is_valid():
        sign = request.POST.get("action") == "sign"
        data = form.cleaned_data
        try:
            # Save and sign together: a refused signature leaves nothing half-saved.
            with transaction.atomic():
                services.assessment_save_draft(
                    actor=request.user,
                    assessment=assessment,
                    narrative=data["narrative"],
                    ratings=form.ratings(),
                )
                if sign:
                    assessment_sign(
                        actor=request.user,
                        assessment=assessment,
                        password=data.get("password") or None,
                        totp_code=data.get("totp_code") or None,
                    )
        except PermissionDenied as exc:
            _service_error(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if sign:
                messages.success(
                    request,
                    f"Signed and sent to {assessment.fellow.user.display_name}.",
                )
                return redirect(assessment)
            messages.success(request, "Draft saved.")
            return redirect(_fill_url(assessment))
    context = {
        "program": program,
        "assessment": assessment,
        "form": form,
        "uses_totp": signs_with_totp,
        "meaning": SIGNATURE_MEANING,
    }
    return render(request, "assessments/assessment_fill.html", context)


@require_POST
def assessment_acknowledge_view(
    request: HttpRequest, program_id: int, assessment_id: int
) -> HttpResponse:
    _, assessment = _visible(request, program_id, assessment_id)
    if assessment.fellow.user_id != request.user.pk:
        raise Http404("No such assessment.")
    try:
        assessment_acknowledge(actor=request.user, assessment=assessment)
    except (ValidationError, PermissionDenied) as exc:
        _service_error(request, exc)
    else:
        messages.success(request, f"Acknowledged {assessment.template.name}.")
    if request.POST.get("next") == "list":
        return redirect("assessments:assessment_list", program_id=program_id)
    return redirect(assessment)


@require_POST
def assessment_amend_view(
    request: HttpRequest, program_id: int, assessment_id: int
) -> HttpResponse:
    program = program_for(request.user, program_id)
    assessment = get_object_or_404(
        inbox.fillable_assessments(user=request.user, program=program), pk=assessment_id
    )
    try:
        draft = assessment_amend(actor=request.user, assessment=assessment)
    except (ValidationError, PermissionDenied) as exc:
        _service_error(request, exc)
        return redirect(assessment)
    messages.info(request, "A correction was started; the signed original is kept unchanged.")
    return redirect(_fill_url(draft))


def assessment_return_view(
    request: HttpRequest, program_id: int, assessment_id: int
) -> HttpResponse:
    """The director or coordinator returns a draft to its assessor with a reason."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    assessment = get_object_or_404(
        inbox.visible_assessments(user=request.user, program=program), pk=assessment_id
    )
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_return(
                actor=request.user, assessment=assessment, **form.cleaned_data
            )
        except PermissionDenied as exc:
            _service_error(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Returned to {assessment.assessor.user.display_name} with your reason."
            )
            return redirect(assessment)
    context = {"program": program, "assessment": assessment, "form": form}
    return render(request, "assessments/assessment_return.html", context)


def evaluation_timing_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """The director's evaluation timing: due days, summative lead, request expiry."""
    program = program_for(request.user, program_id, roles=TEMPLATE_MANAGER_ROLES)
    initial = {field: getattr(program, field) for field in TIMING_FIELDS}
    form = EvaluationTimingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            program_evaluation_timing_update(
                actor=request.user, program=program, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Evaluation timing saved.")
            return redirect("dashboard:program_settings", program_id=program.pk)
    context = {"program": program, "form": form, "setting_title": "Evaluation timing"}
    return render(request, "includes/setting_form_page.html", context)


def assessment_decline_view(
    request: HttpRequest, program_id: int, assessment_id: int
) -> HttpResponse:
    """The assessor a fellow asked declines the request, with a reason the fellow reads."""
    program = program_for(request.user, program_id, roles=Membership.TEACHING_ROLES)
    assessment = get_object_or_404(
        inbox.fillable_assessments(user=request.user, program=program), pk=assessment_id
    )
    if not can_decline(request.user, assessment):
        messages.info(request, "Only an open request from a fellow can be declined.")
        return redirect(assessment)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment_decline(actor=request.user, assessment=assessment, **form.cleaned_data)
        except PermissionDenied as exc:
            _service_error(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Declined; {assessment.fellow.user.display_name} will see your reason."
            )
            return redirect("dashboard:faculty_queue", program_id=program.pk)
    context = {"program": program, "assessment": assessment, "form": form}
    return render(request, "assessments/assessment_decline.html", context)


# --- Milestone progress --------------------------------------------------------------------------


def _trajectory_chart(rows) -> dict:
    """The chart's numbers for the page's JSON island (the table shows the same ones).
    ``below_one``: how the chart draws and names "not yet completed level 1" (level 0.0)."""
    return {
        "target": float(GRADUATION_TARGET),
        "below_one": {
            "level": float(NOT_YET_LEVEL_ONE),
            "tick": "<1",
            "label": NOT_YET_LEVEL_ONE_LABEL,
        },
        "series": [
            {
                "code": row.code,
                "title": row.title,
                "points": [
                    {
                        "date": point.observed_on.isoformat(),
                        "level": point.level,
                        "assessment": point.assessment_id,
                        "kind": point.template_kind,
                    }
                    for point in row.points
                ],
            }
            for row in rows
            if row.points
        ],
    }


def _milestone_progress(request: HttpRequest, program, fellow: Membership) -> HttpResponse:
    rows = milestone_trajectory(user=request.user, fellow=fellow)
    context = {
        "program": program,
        "fellow": fellow,
        "is_self": fellow.user_id == request.user.pk,
        "rows": rows,
        "charted": [row for row in rows if row.points],
        "chart": _trajectory_chart(rows),
        "target": GRADUATION_TARGET,
        "narratives": list(narratives_received(user=request.user, fellow=fellow)),
        # Staff chase the fellow's assessors from here (reminders:chase).
        "open_count": inbox.assessment_list_for_staff(
            user=request.user, program=program, status=inbox.OPEN_FILTER, fellow_id=fellow.pk
        ).count()
        if can_see_all_assessments(request.user, program)
        else 0,
    }
    return render(request, "assessments/milestone_progress.html", context)


def my_milestones_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """The fellow's own ratings over time, per subcompetency, against the graduation target."""
    program = program_for(request.user, program_id, roles=[Role.FELLOW])
    fellow = get_object_or_404(
        milestone_fellow_list(user=request.user, program=program), user=request.user
    )
    return _milestone_progress(request, program, fellow)


def fellow_milestones_view(
    request: HttpRequest, program_id: int, membership_id: int
) -> HttpResponse:
    """The same page about one fellow, for the program's director, coordinator and faculty."""
    program = program_for(request.user, program_id)
    fellow = get_object_or_404(
        milestone_fellow_list(user=request.user, program=program), pk=membership_id
    )
    return _milestone_progress(request, program, fellow)
