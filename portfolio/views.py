"""Learning plans and scholarly activity. Thin: gate with ``program_for`` and a scoped selector
(out of scope is a 404), hand the form's data to a service, put its errors back on the form."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from assessments.models import CCCReview
from core.csv import csv_response
from core.forms import add_service_errors
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership

from . import services
from .forms import (
    GoalProgressForm,
    PlanMentorForm,
    ScholarlyActivityForm,
    ScholarlyFilterForm,
    goal_formset,
)
from .models import LearningPlan, ScholarlyActivity
from .permissions import (
    ACKNOWLEDGE_ROLES,
    PLAN_ROLES,
    STAFF_ROLES,
    can_acknowledge_for_program,
    can_manage_plans,
    is_plan_fellow,
)
from .selectors import (
    cohort_scholarly_list,
    current_plan,
    goal_list,
    my_scholarly_list,
    plan_goals,
    plan_list,
    plan_review_subcompetencies,
    plan_rows,
)

Role = Membership.Role
PAGE_SIZE = 25
PLAN_LIST_ROLES = (*STAFF_ROLES, Role.FACULTY)


def _plan(request, program, plan_id: int) -> LearningPlan:
    return get_object_or_404(plan_list(user=request.user, program=program), pk=plan_id)


def plan_list_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """Staff: every fellow with their latest plan; a mentor: the fellows they mentor."""
    program = program_for(request.user, program_id, roles=PLAN_LIST_ROLES)
    rows = plan_rows(user=request.user, program=program)
    reviews = []
    if can_manage_plans(request.user, program):
        reviews = list(
            CCCReview.objects.filter(period__program=program, learning_plans__isnull=True)
            .select_related("fellow__user", "period")
            .order_by("-period__ends_on", "fellow__user__full_name")[:50]
        )
    context = {
        "program": program,
        "rows": rows,
        "reviews_without_plan": reviews,
        "can_manage": can_manage_plans(request.user, program),
        "today": program.today(),
    }
    return render(request, "portfolio/plan_list.html", context)


@once_per_submit
def plan_create(request: HttpRequest, program_id: int, review_id: int) -> HttpResponse:
    """The director or coordinator starts the plan that follows a CCC review."""
    program = program_for(request.user, program_id, roles=STAFF_ROLES)
    review = get_object_or_404(
        CCCReview.objects.filter(period__program=program).select_related(
            "fellow__user", "period__program"
        ),
        pk=review_id,
    )
    existing = LearningPlan.objects.filter(ccc_review=review).first()
    if existing is not None:
        messages.info(request, "A learning plan already follows this review.")
        return redirect(existing)
    form = PlanMentorForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(
                actor=request.user, review=review, mentor=form.cleaned_data["mentor"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Plan started. Add the goals you agreed.")
            return redirect("portfolio:plan_edit", program_id=program.pk, pf_plan_id=plan.pk)
    context = {"program": program, "review": review, "form": form}
    return render(request, "portfolio/plan_create.html", context)


def _detail_context(request, program, plan, progress_forms=None) -> dict:
    goals = plan_goals(plan=plan)
    progress_forms = progress_forms or {}
    for goal in goals:
        goal.progress_form = progress_forms.get(goal.pk) or GoalProgressForm(
            initial={"status": goal.status, "progress": goal.progress}, prefix=f"goal{goal.pk}"
        )
        goal.is_overdue = goal.status == goal.Status.OPEN and goal.due_on < program.today()
    user = request.user
    is_fellow = is_plan_fellow(user, plan)
    return {
        "program": program,
        "plan": plan,
        "goals": goals,
        "is_fellow": is_fellow,
        "can_acknowledge": (is_fellow and plan.fellow_acknowledged_at is None)
        or (
            not is_fellow
            and plan.staff_acknowledged_at is None
            and can_acknowledge_for_program(user, plan)
        ),
    }


def plan_detail(request: HttpRequest, program_id: int, pf_plan_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=PLAN_ROLES)
    plan = _plan(request, program, pf_plan_id)
    return render(request, "portfolio/plan_detail.html", _detail_context(request, program, plan))


def my_plan(request: HttpRequest, program_id: int) -> HttpResponse:
    """The fellow's current plan, or what a plan is when there is none yet."""
    program = program_for(request.user, program_id, roles=[Role.FELLOW])
    fellow = get_object_or_404(
        Membership, program=program, user=request.user, role=Role.FELLOW, is_active=True
    )
    plan = current_plan(fellow=fellow)
    if plan is None:
        return render(request, "portfolio/my_plan_empty.html", {"program": program})
    return render(request, "portfolio/plan_detail.html", _detail_context(request, program, plan))


def _goal_rows(formset) -> list[dict]:
    rows = []
    for form in formset.forms:
        if not form.has_changed() and not form.cleaned_data.get("id"):
            continue
        data = form.cleaned_data
        rows.append(
            {
                "id": data.get("id"),
                "subcompetency": data.get("subcompetency"),
                "goal": data.get("goal", ""),
                "actions": data.get("actions", ""),
                "due_on": data.get("due_on"),
                "status": data.get("status"),
                "delete": data.get("DELETE", False),
            }
        )
    return rows


def plan_edit(request: HttpRequest, program_id: int, pf_plan_id: int) -> HttpResponse:
    """The goals (and, for staff, the mentor) of a plan; saving a change to what was agreed
    clears both acknowledgements."""
    program = program_for(request.user, program_id, roles=PLAN_ROLES)
    plan = _plan(request, program, pf_plan_id)
    subcompetencies = plan_review_subcompetencies(plan=plan)
    can_manage = can_manage_plans(request.user, program)
    data = request.POST if request.method == "POST" else None
    formset = goal_formset(subcompetencies=subcompetencies, goals=plan_goals(plan=plan), data=data)
    mentor_form = (
        PlanMentorForm(data, program=program, initial={"mentor": plan.mentor_id}, prefix="plan")
        if can_manage
        else None
    )
    if data is not None and formset.is_valid() and (mentor_form is None or mentor_form.is_valid()):
        kwargs = {"mentor": mentor_form.cleaned_data["mentor"]} if mentor_form else {}
        try:
            services.plan_update(actor=request.user, plan=plan, goals=_goal_rows(formset), **kwargs)
        except ValidationError as exc:
            formset._non_form_errors = formset.error_class(exc.messages)
        except PermissionDenied:
            raise Http404("No such page.") from None
        else:
            messages.success(request, "Plan saved.")
            return redirect(plan)
    context = {
        "program": program,
        "plan": plan,
        "formset": formset,
        "mentor_form": mentor_form,
    }
    return render(request, "portfolio/plan_edit.html", context)


@require_POST
def plan_acknowledge(request: HttpRequest, program_id: int, pf_plan_id: int) -> HttpResponse:
    """The fellow, or the director or mentor, agrees to the plan."""
    program = program_for(request.user, program_id, roles=ACKNOWLEDGE_ROLES)
    plan = _plan(request, program, pf_plan_id)
    if not (is_plan_fellow(request.user, plan) or can_acknowledge_for_program(request.user, plan)):
        raise Http404("No such page.")
    try:
        services.plan_acknowledge(actor=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "You agreed to this plan.")
    return redirect(plan)


@require_POST
def goal_progress(request: HttpRequest, program_id: int, pf_goal_id: int) -> HttpResponse:
    """Record a goal's status and what was done (the agreement stands)."""
    program = program_for(request.user, program_id, roles=PLAN_ROLES)
    goal = get_object_or_404(goal_list(user=request.user, program=program), pk=pf_goal_id)
    plan = goal.plan
    form = GoalProgressForm(request.POST, prefix=f"goal{goal.pk}")
    if form.is_valid():
        try:
            services.goal_progress_update(
                actor=request.user,
                goal=goal,
                status=form.cleaned_data["status"],
                progress=form.cleaned_data["progress"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Progress saved.")
            return redirect(plan)
    plan = _plan(request, program, plan.pk)
    context = _detail_context(request, program, plan, progress_forms={goal.pk: form})
    return render(request, "portfolio/plan_detail.html", context, status=200)


# --- Scholarly activity -----------------------------------------------------------------------


def my_scholarly(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Role.FELLOW])
    activities = my_scholarly_list(user=request.user, program=program).order_by(
        "-completed_on", "-started_on", "-pk"
    )
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portfolio/my_scholarly.html", {"program": program, "page": page})


def _activity_form(request, program, activity) -> HttpResponse:
    form = ScholarlyActivityForm(request.POST or None, instance=activity)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data.get(name) for name in services.SCHOLARLY_FIELDS}
        try:
            if activity is None:
                services.scholarly_create(actor=request.user, program=program, data=data)
            else:
                services.scholarly_update(actor=request.user, activity=activity, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("portfolio:my_scholarly", program_id=program.pk)
    context = {"program": program, "form": form, "activity": activity}
    return render(request, "portfolio/scholarly_form.html", context)


@once_per_submit
def scholarly_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Role.FELLOW])
    return _activity_form(request, program, None)


def _my_activity(request, program, activity_id: int) -> ScholarlyActivity:
    return get_object_or_404(my_scholarly_list(user=request.user, program=program), pk=activity_id)


def scholarly_edit(request: HttpRequest, program_id: int, pf_activity_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Role.FELLOW])
    return _activity_form(request, program, _my_activity(request, program, pf_activity_id))


@require_POST
def scholarly_delete(request: HttpRequest, program_id: int, pf_activity_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Role.FELLOW])
    activity = _my_activity(request, program, pf_activity_id)
    services.scholarly_delete(actor=request.user, activity=activity)
    messages.success(request, "Deleted.")
    return redirect("portfolio:my_scholarly", program_id=program.pk)


def _cohort_activities(request, program):
    form = ScholarlyFilterForm(request.GET or None, program=program)
    filters = form.cleaned_data if form.is_valid() else {}
    activities = cohort_scholarly_list(
        user=request.user,
        program=program,
        cohort=filters.get("cohort"),
        kind=filters.get("kind", ""),
        status=filters.get("status", ""),
    )
    return form, activities


def cohort_scholarly(request: HttpRequest, program_id: int) -> HttpResponse:
    """Every fellow's scholarly activity, filtered by cohort, kind and status."""
    program = program_for(request.user, program_id, roles=STAFF_ROLES)
    form, activities = _cohort_activities(request, program)
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"program": program, "form": form, "page": page, "query": query.urlencode()}
    return render(request, "portfolio/cohort_scholarly.html", context)


def scholarly_export(request: HttpRequest, program_id: int) -> HttpResponse:
    """The filtered cohort list as CSV, one row per activity."""
    program = program_for(request.user, program_id, roles=STAFF_ROLES)
    _form, activities = _cohort_activities(request, program)
    header = [
        "Fellow",
        "Email",
        "Kind",
        "Title",
        "Role",
        "Venue",
        "Status",
        "Started",
        "Completed, presented or published",
        "Link",
        "PubMed ID",
        "Aims",
    ]
    rows = (
        [
            activity.fellow.user.display_name,
            activity.fellow.user.email,
            activity.get_kind_display(),
            activity.title,
            activity.get_role_display(),
            activity.venue,
            activity.get_status_display(),
            activity.started_on.isoformat() if activity.started_on else "",
            activity.completed_on.isoformat() if activity.completed_on else "",
            activity.link,
            activity.pmid,
            activity.aims,
        ]
        for activity in activities.iterator()
    )
    return csv_response("scholarly-activity.csv", header, rows)
