"""The annual program evaluation's pages: the committee, the list of reviews, one review's
evidence and record (edit, action items, sign, print, export) and the graduates' outcomes.
Thin: gate with ``program_for`` and the app's predicates (out of scope is a 404), load through
a scoped selector, call a service."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from assessments.seals import uses_totp
from core.csv import csv_response
from core.forms import add_service_errors
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership

from . import services
from .evidence import year_evidence
from .forms import ActionItemForm, CommitteeForm, EvaluationForm, OutcomeForm, SignForm
from .models import ActionItem, AnnualProgramEvaluation
from .permissions import (
    STAFF_ROLES,
    can_manage_outcomes,
    can_view_evaluations,
    can_write_evaluations,
)
from .seals import EVALUATION_MEANING
from .selectors import (
    action_item_list,
    committee_candidates,
    committee_get,
    evaluation_record,
    year_list,
)
from .selectors import (
    evaluation_list as evaluation_rows,
)
from .selectors import (
    outcome_list as outcome_rows,
)

Role = Membership.Role
READER_ROLES = (Role.DIRECTOR, Role.COORDINATOR, Role.FACULTY)
OUTCOMES_PER_PAGE = 25


def _viewer_program(request, program_id):
    """The program, for its director, coordinator and the faculty on its committee."""
    program = program_for(request.user, program_id, roles=READER_ROLES)
    if not can_view_evaluations(request.user, program):
        raise Http404("No such page.")
    return program


def _evaluation(request, program, pe_evaluation_id) -> AnnualProgramEvaluation:
    return get_object_or_404(
        evaluation_rows(user=request.user, program=program), pk=pe_evaluation_id
    )


def _errors(exc) -> str:
    return " ".join(getattr(exc, "messages", [str(exc)]))


# --- The committee ------------------------------------------------------------------------------


def committee(request: HttpRequest, program_id: int) -> HttpResponse:
    """The director names the committee's members; the coordinator reads who they are."""
    roles = [Role.DIRECTOR] if request.method == "POST" else STAFF_ROLES
    program = program_for(request.user, program_id, roles=roles)
    current = committee_get(user=request.user, program=program)
    members = list(current.members.all()) if current else []
    form = None
    if can_write_evaluations(request.user, program):
        form = CommitteeForm(
            request.POST or None,
            initial={"members": members},
            candidates=committee_candidates(user=request.user, program=program),
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.committee_update(
                    actor=request.user, program=program, members=form.cleaned_data["members"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "The committee is saved.")
                return redirect("program_evaluation:committee", program_id=program.pk)
    context = {"program": program, "committee": current, "members": members, "form": form}
    return render(request, "program_evaluation/committee.html", context)


# --- The reviews --------------------------------------------------------------------------------


def evaluation_list(request: HttpRequest, program_id: int) -> HttpResponse:
    """Every year's review with its status; the director opens the next one here."""
    program = _viewer_program(request, program_id)
    evaluations = list(evaluation_rows(user=request.user, program=program))
    opened = {evaluation.academic_year_id for evaluation in evaluations}
    years = [
        year for year in year_list(user=request.user, program=program) if year.pk not in opened
    ]
    context = {
        "program": program,
        "evaluations": evaluations,
        "open_years": years,
        "can_write": can_write_evaluations(request.user, program),
        "has_committee": committee_get(user=request.user, program=program) is not None,
    }
    return render(request, "program_evaluation/evaluation_list.html", context)


@require_POST
@once_per_submit
def evaluation_open(request: HttpRequest, program_id: int) -> HttpResponse:
    """The director opens the review of a year (POST ``academic_year``); opening it twice
    makes one."""
    program = program_for(request.user, program_id, roles=[Role.DIRECTOR])
    year = get_object_or_404(
        year_list(user=request.user, program=program),
        pk=_int_or_404(request.POST.get("academic_year")),
    )
    evaluation, created = services.evaluation_open(
        actor=request.user, program=program, academic_year=year
    )
    if created:
        carried = evaluation.action_items.count()
        messages.success(
            request,
            f"The {year.label} review is open, with {carried} action item"
            f"{'' if carried == 1 else 's'} carried from last year.",
        )
    return redirect(evaluation)


def _int_or_404(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404("No such page.") from None
    if not 0 < number < 2**63:
        raise Http404("No such page.")
    return number


def _page_context(request, program, evaluation) -> dict:
    """The evidence and the record: live while a draft, the signed snapshot once signed."""
    if evaluation.is_signed:
        snapshot = evaluation.snapshot
        evidence, record, members = snapshot["evidence"], snapshot["record"], snapshot["committee"]
    else:
        evidence = year_evidence(program=program, year=evaluation.academic_year)
        record = evaluation_record(evaluation)
        current = committee_get(user=request.user, program=program)
        members = (
            [
                {"name": m.user.display_name, "role": m.get_role_display()}
                for m in current.members.all()
            ]
            if current
            else []
        )
    return {
        "program": program,
        "evaluation": evaluation,
        "evidence": evidence,
        "record": record,
        "members": members,
        "meaning": EVALUATION_MEANING,
    }


def evaluation_detail(request: HttpRequest, program_id: int, pe_evaluation_id: int) -> HttpResponse:
    """The year's evidence assembled on one page, with the committee's record; the director
    edits and signs a draft from here."""
    program = _viewer_program(request, program_id)
    evaluation = _evaluation(request, program, pe_evaluation_id)
    context = _page_context(request, program, evaluation)
    can_write = can_write_evaluations(request.user, program) and not evaluation.is_signed
    context["can_write"] = can_write
    if can_write:
        context["sign_form"] = SignForm(uses_totp=uses_totp(request.user))
    return render(request, "program_evaluation/evaluation_detail.html", context)


def _members(request, program):
    current = committee_get(user=request.user, program=program)
    if current is None:
        return Membership.objects.none()
    return current.members.all()


def _draft_for_director(request, program_id, pe_evaluation_id):
    program = program_for(request.user, program_id, roles=[Role.DIRECTOR])
    evaluation = _evaluation(request, program, pe_evaluation_id)
    return program, evaluation


def evaluation_edit(request: HttpRequest, program_id: int, pe_evaluation_id: int) -> HttpResponse:
    """The director records the meeting, strengths, areas for improvement and notes."""
    program, evaluation = _draft_for_director(request, program_id, pe_evaluation_id)
    if evaluation.is_signed:
        messages.info(request, services.SIGNED)
        return redirect(evaluation)
    initial = {
        "held_on": evaluation.held_on,
        "members_present": list(evaluation.members_present.all()),
        "strengths": evaluation.strengths,
        "weaknesses": evaluation.weaknesses,
        "notes": evaluation.notes,
    }
    form = EvaluationForm(request.POST or None, initial=initial, members=_members(request, program))
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_update(
                actor=request.user, evaluation=evaluation, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The committee's record is saved.")
            return redirect(evaluation)
    context = {"program": program, "evaluation": evaluation, "form": form}
    return render(request, "program_evaluation/evaluation_form.html", context)


def _item_members(program):
    return (
        Membership.objects.filter(program=program, is_active=True)
        .exclude(role=Role.FELLOW)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


@once_per_submit
def action_item_create(
    request: HttpRequest, program_id: int, pe_evaluation_id: int
) -> HttpResponse:
    """The director adds an item to a draft review's action plan."""
    program, evaluation = _draft_for_director(request, program_id, pe_evaluation_id)
    if evaluation.is_signed:
        messages.info(request, services.SIGNED)
        return redirect(evaluation)
    form = ActionItemForm(
        request.POST or None,
        initial={"status": ActionItem.Status.OPEN},
        members=_item_members(program),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_item_create(
                actor=request.user, evaluation=evaluation, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The action item is added.")
            return redirect(evaluation)
    context = {"program": program, "evaluation": evaluation, "form": form, "item": None}
    return render(request, "program_evaluation/action_item_form.html", context)


def action_item_edit(request: HttpRequest, program_id: int, pe_item_id: int) -> HttpResponse:
    """The director changes an item of a draft review (its status, mostly)."""
    program = program_for(request.user, program_id, roles=[Role.DIRECTOR])
    item = get_object_or_404(action_item_list(user=request.user, program=program), pk=pe_item_id)
    evaluation = item.evaluation
    if evaluation.is_signed:
        messages.info(request, services.SIGNED)
        return redirect(evaluation)
    initial = {
        "title": item.title,
        "description": item.description,
        "owner": item.owner,
        "owner_name": item.owner_name,
        "due_on": item.due_on,
        "status": item.status,
        "status_note": item.status_note,
    }
    form = ActionItemForm(request.POST or None, initial=initial, members=_item_members(program))
    if request.method == "POST" and form.is_valid():
        try:
            services.action_item_update(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The action item is saved.")
            return redirect(evaluation)
    context = {"program": program, "evaluation": evaluation, "form": form, "item": item}
    return render(request, "program_evaluation/action_item_form.html", context)


@require_POST
def evaluation_sign(request: HttpRequest, program_id: int, pe_evaluation_id: int) -> HttpResponse:
    """The director signs the review (password or authenticator code re-entered)."""
    program, evaluation = _draft_for_director(request, program_id, pe_evaluation_id)
    sign_form = SignForm(request.POST, uses_totp=uses_totp(request.user))
    if sign_form.is_valid():
        try:
            services.evaluation_sign(
                actor=request.user,
                evaluation=evaluation,
                password=sign_form.cleaned_data.get("password") or None,
                totp_code=sign_form.cleaned_data.get("totp_code") or None,
            )
        except ValidationError as exc:
            fields = getattr(exc, "error_dict", {})
            if not ({"password", "totp_code"} & fields.keys()):
                messages.error(request, _errors(exc))
                return redirect(evaluation)
            add_service_errors(sign_form, exc)
        else:
            messages.success(request, "The annual program evaluation is signed.")
            return redirect(evaluation)
    evaluation = _evaluation(request, program, pe_evaluation_id)
    context = _page_context(request, program, evaluation)
    context |= {"can_write": not evaluation.is_signed, "sign_form": sign_form}
    return render(request, "program_evaluation/evaluation_detail.html", context)


def evaluation_print(request: HttpRequest, program_id: int, pe_evaluation_id: int) -> HttpResponse:
    """The review on a printable page (print stylesheet)."""
    program = _viewer_program(request, program_id)
    evaluation = _evaluation(request, program, pe_evaluation_id)
    context = _page_context(request, program, evaluation)
    return render(request, "program_evaluation/evaluation_print.html", context)


def evaluation_export(request: HttpRequest, program_id: int, pe_evaluation_id: int) -> HttpResponse:
    """The review as JSON: the signed snapshot with its hash, or the live evidence and the
    record of a draft."""
    program = _viewer_program(request, program_id)
    evaluation = _evaluation(request, program, pe_evaluation_id)
    context = _page_context(request, program, evaluation)
    document = {
        "program": program.name,
        "academic_year": evaluation.academic_year.label,
        "status": evaluation.status,
        "signed_by": evaluation.signed_by.display_name if evaluation.signed_by else None,
        "signed_at": evaluation.signed_at,
        "content_hash": evaluation.content_hash or None,
        "committee": context["members"],
        "evidence": context["evidence"],
        "record": context["record"],
    }
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"program-evaluation-{evaluation.academic_year.label}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def evaluation_actions_csv(
    request: HttpRequest, program_id: int, pe_evaluation_id: int
) -> HttpResponse:
    """The review's action plan as CSV."""
    program = _viewer_program(request, program_id)
    evaluation = _evaluation(request, program, pe_evaluation_id)
    record = _page_context(request, program, evaluation)["record"]
    header = ["Action", "Description", "Owner", "Due on", "Status", "Where it stands", "Carried"]
    rows = (
        [
            item["title"],
            item["description"],
            item["owner"],
            item["due_on"] or "",
            item["status_label"],
            item["status_note"],
            "yes" if item["carried_from"] else "",
        ]
        for item in record["action_items"]
    )
    return csv_response(
        f"program-evaluation-{evaluation.academic_year.label}-actions.csv", header, rows
    )


# --- Graduates' outcomes ------------------------------------------------------------------------


def _outcome_program(request, program_id):
    program = program_for(request.user, program_id, roles=STAFF_ROLES)
    if not can_manage_outcomes(request.user, program):
        raise Http404("No such page.")
    return program


def _fellows(program):
    return (
        Membership.objects.filter(program=program, role=Role.FELLOW)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def outcome_list(request: HttpRequest, program_id: int) -> HttpResponse:
    """Graduates' outcomes by graduation year, with the board pass rate."""
    program = _outcome_program(request, program_id)
    outcomes = outcome_rows(user=request.user, program=program)
    counts = {row["board_exam"]: row["n"] for row in _exam_counts(outcomes)}
    passed, failed = counts.get("passed", 0), counts.get("failed", 0)
    page = Paginator(outcomes, OUTCOMES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "program": program,
        "page_obj": page,
        "outcomes": page.object_list,
        "passed": passed,
        "taken": passed + failed,
        "pass_rate": round(100 * passed / (passed + failed), 1) if passed + failed else None,
    }
    return render(request, "program_evaluation/outcome_list.html", context)


def _exam_counts(outcomes):
    return outcomes.order_by().values("board_exam").annotate(n=Count("pk"))


@once_per_submit
def outcome_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = _outcome_program(request, program_id)
    form = OutcomeForm(request.POST or None, fellows=_fellows(program))
    if request.method == "POST" and form.is_valid():
        try:
            services.outcome_create(actor=request.user, program=program, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(
                form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc))
            )
        else:
            messages.success(request, "The graduate's outcome is saved.")
            return redirect("program_evaluation:outcome_list", program_id=program.pk)
    context = {"program": program, "form": form, "outcome": None}
    return render(request, "program_evaluation/outcome_form.html", context)


def outcome_edit(request: HttpRequest, program_id: int, pe_outcome_id: int) -> HttpResponse:
    program = _outcome_program(request, program_id)
    outcome = get_object_or_404(outcome_rows(user=request.user, program=program), pk=pe_outcome_id)
    initial = {name: getattr(outcome, name) for name in OutcomeForm.base_fields}
    form = OutcomeForm(request.POST or None, initial=initial, fellows=_fellows(program))
    if request.method == "POST" and form.is_valid():
        try:
            services.outcome_update(actor=request.user, outcome=outcome, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The graduate's outcome is saved.")
            return redirect("program_evaluation:outcome_list", program_id=program.pk)
    context = {"program": program, "form": form, "outcome": outcome}
    return render(request, "program_evaluation/outcome_form.html", context)


@require_POST
def outcome_delete(request: HttpRequest, program_id: int, pe_outcome_id: int) -> HttpResponse:
    program = _outcome_program(request, program_id)
    outcome = get_object_or_404(outcome_rows(user=request.user, program=program), pk=pe_outcome_id)
    services.outcome_delete(actor=request.user, outcome=outcome)
    messages.success(request, "The graduate's outcome is removed.")
    return redirect("program_evaluation:outcome_list", program_id=program.pk)
