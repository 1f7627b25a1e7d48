"""Confidential evaluations: the director's forms, scheduling, completion, aggregate results,
and the fellow's to-do list and fill page. Thin: ``program_for`` gates the program, scoped
selectors fetch the objects (out of scope is a 404), services write."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.csv import csv_response
from core.forms import add_service_errors
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership

from . import selectors, services
from .forms import AnswerForm, CollectionForm, FormCreateForm, MinimumAnswersForm, QuestionForm
from .models import SCALE_LEVELS
from .permissions import LIST_ROLES, RESULT_ROLES, SCHEDULER_ROLES, can_build_forms, can_schedule

Role = Membership.Role
PAGE_SIZE = 25


def _error_text(exc) -> str:
    return " ".join(getattr(exc, "messages", [str(exc)]))


def _form(request, program, survey_form_id: int):
    return get_object_or_404(
        selectors.form_list(user=request.user, program=program), pk=survey_form_id
    )


# --- Forms (director builds, coordinator reads) -------------------------------------------------


def form_list(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=SCHEDULER_ROLES)
    context = {
        "program": program,
        "forms": selectors.form_list(user=request.user, program=program),
        "can_build": can_build_forms(request.user, program),
    }
    return render(request, "surveys/form_list.html", context)


@once_per_submit
def form_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Role.DIRECTOR])
    form = FormCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.form_create(actor=request.user, program=program, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Form created. Add its questions.")
            return redirect(created)
    return render(request, "surveys/form_create.html", {"program": program, "form": form})


def form_detail(request: HttpRequest, program_id: int, survey_form_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=SCHEDULER_ROLES)
    evaluation_form = _form(request, program, survey_form_id)
    return _render_detail(request, program, evaluation_form)


def _render_detail(request, program, evaluation_form, question_form=None) -> HttpResponse:
    can_build = can_build_forms(request.user, program)
    in_use = services.form_in_use(evaluation_form)
    context = {
        "program": program,
        "evaluation_form": evaluation_form,
        "questions": list(evaluation_form.questions.order_by("position")),
        "in_use": in_use,
        "can_build": can_build,
        "question_form": (question_form or QuestionForm()) if can_build and not in_use else None,
    }
    return render(request, "surveys/form_detail.html", context)


@require_POST
@once_per_submit
def question_add(request: HttpRequest, program_id: int, survey_form_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Role.DIRECTOR])
    evaluation_form = _form(request, program, survey_form_id)
    question_form = QuestionForm(request.POST)
    if question_form.is_valid():
        try:
            services.question_add(
                actor=request.user, form=evaluation_form, **question_form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(question_form, exc)
        else:
            messages.success(request, "Question added.")
            return redirect(evaluation_form)
    return _render_detail(request, program, evaluation_form, question_form)


@require_POST
def question_remove(
    request: HttpRequest, program_id: int, survey_form_id: int, survey_question_id: int
) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Role.DIRECTOR])
    evaluation_form = _form(request, program, survey_form_id)
    question = get_object_or_404(
        selectors.question_list(user=request.user, form=evaluation_form), pk=survey_question_id
    )
    try:
        services.question_remove(actor=request.user, question=question)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "Question removed.")
    return redirect(evaluation_form)


@require_POST
def form_duplicate(request: HttpRequest, program_id: int, survey_form_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Role.DIRECTOR])
    evaluation_form = _form(request, program, survey_form_id)
    copy = services.form_duplicate(actor=request.user, form=evaluation_form)
    messages.success(request, f"Duplicated as “{copy.name}”. Its questions can be changed.")
    return redirect(copy)


@require_POST
def form_toggle(request: HttpRequest, program_id: int, survey_form_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Role.DIRECTOR])
    evaluation_form = _form(request, program, survey_form_id)
    services.form_set_active(
        actor=request.user, form=evaluation_form, is_active=not evaluation_form.is_active
    )
    messages.success(request, "Form activated." if evaluation_form.is_active else "Form retired.")
    return redirect(evaluation_form)


# --- Collections ---------------------------------------------------------------------------


@once_per_submit
def collection_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=SCHEDULER_ROLES)
    form = CollectionForm(request.POST if request.method == "POST" else None, program=program)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.collection_schedule(
                actor=request.user,
                form=data["form"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                faculty=data["faculty"],
                rotation=data["rotation"],
                every_faculty=data["every_faculty"],
            )
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                exc = ValidationError(str(exc))
            add_service_errors(form, exc)
        else:
            plural = "s" if len(created) != 1 else ""
            messages.success(request, f"Scheduled {len(created)} confidential evaluation{plural}.")
            return redirect("surveys:collection_list", program_id=program.pk)
    return render(request, "surveys/collection_create.html", {"program": program, "form": form})


def collection_list(request: HttpRequest, program_id: int) -> HttpResponse:
    """Collections with their window, invited, completed and completion rate."""
    program = program_for(request.user, program_id, roles=LIST_ROLES)
    page = Paginator(selectors.collection_list(user=request.user, program=program), PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    readable = selectors.result_collections(user=request.user, program=program)
    readable_ids = set(readable.filter(pk__in=[c.pk for c in page]).values_list("pk", flat=True))
    context = {
        "program": program,
        "page": page,
        "readable_ids": readable_ids,
        "can_schedule": can_schedule(request.user, program),
        "can_build": can_build_forms(request.user, program),
    }
    return render(request, "surveys/collection_list.html", context)


def _results(request, program_id: int, survey_collection_id: int):
    program = program_for(request.user, program_id, roles=RESULT_ROLES)
    collection = get_object_or_404(
        selectors.result_collections(user=request.user, program=program), pk=survey_collection_id
    )
    return program, selectors.collection_summary(collection=collection)


def collection_results(
    request: HttpRequest, program_id: int, survey_collection_id: int
) -> HttpResponse:
    """The aggregate only, and only once the window has closed with enough answers."""
    program, summary = _results(request, program_id, survey_collection_id)
    context = {"program": program, "summary": summary, "levels": SCALE_LEVELS}
    return render(request, "surveys/collection_results.html", context)


def collection_results_export(
    request: HttpRequest, program_id: int, survey_collection_id: int
) -> HttpResponse:
    """The aggregate as CSV (one row per scale question, then the comments), same suppression."""
    _program, summary = _results(request, program_id, survey_collection_id)
    header = ["Section", "Question", "Answers", "Mean", *(f"Level {n}" for n in SCALE_LEVELS)]
    rows = [
        ["Evaluation", summary["title"], "", "", *[""] * len(SCALE_LEVELS)],
        ["About", summary["subject"], "", "", *[""] * len(SCALE_LEVELS)],
        [
            "Completed",
            f"{summary['completed']} of {summary['invited']}",
            "",
            "",
            *[""] * len(SCALE_LEVELS),
        ],
    ]
    if not summary["shown"]:
        rows.append(["Hidden", summary["hidden_reason"], "", "", *[""] * len(SCALE_LEVELS)])
    for question in summary["questions"]:
        rows.append(
            [
                "Scale",
                question["text"],
                question["count"],
                question["mean"],
                *(question["distribution"][n] for n in SCALE_LEVELS),
            ]
        )
    for comment in summary["comments"]:
        rows.append(["Comment", comment, "", "", *[""] * len(SCALE_LEVELS)])
    collection = summary["collection"]
    filename = f"confidential-evaluation-{collection.pk}-{collection.closes_on:%Y%m%d}.csv"
    return csv_response(filename, header, rows)


# --- The fellow ----------------------------------------------------------------------------


def my_evaluations(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Role.FELLOW])
    invitations = selectors.my_invitations(user=request.user, program=program)
    today = program.today()
    context = {
        "program": program,
        "pending": [i for i in invitations if services.invitation_is_open(i, today)],
        "missed": [
            i for i in invitations if i.completed_at is None and i.collection.closes_on < today
        ],
        "submitted": [i for i in invitations if i.completed_at is not None],
        "today": today,
    }
    return render(request, "surveys/my_evaluations.html", context)


@once_per_submit
def evaluation_fill(
    request: HttpRequest, program_id: int, survey_invitation_id: int
) -> HttpResponse:
    program = program_for(request.user, program_id, roles=[Role.FELLOW])
    invitation = get_object_or_404(
        selectors.my_invitation(user=request.user, program=program), pk=survey_invitation_id
    )
    questions = list(invitation.collection.form.questions.order_by("position"))
    is_open = services.invitation_is_open(invitation, program.today())
    form = AnswerForm(request.POST if request.method == "POST" else None, questions=questions)
    if request.method == "POST" and is_open and form.is_valid():
        try:
            services.evaluation_submit(
                actor=request.user, invitation=invitation, values=form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Submitted. Your answers are not linked to you.")
            return redirect("surveys:my_evaluations", program_id=program.pk)
    elif request.method == "POST" and not is_open:
        messages.error(
            request,
            "You have already submitted this evaluation."
            if invitation.completed_at
            else "This evaluation is not open.",
        )
        return redirect("surveys:my_evaluations", program_id=program.pk)
    context = {"program": program, "invitation": invitation, "form": form, "is_open": is_open}
    return render(request, "surveys/evaluation_fill.html", context)


def minimum_answers(request: HttpRequest, program_id: int) -> HttpResponse:
    """The director's minimum number of answers before results show (a program setting)."""
    program = program_for(request.user, program_id, roles=[Membership.Role.DIRECTOR])
    form = MinimumAnswersForm(
        request.POST or None, initial={"minimum": program.confidential_minimum_answers}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.program_minimum_answers_update(
                actor=request.user, program=program, minimum=form.cleaned_data["minimum"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Confidential evaluation setting saved.")
            return redirect("dashboard:program_settings", program_id=program.pk)
    context = {"program": program, "form": form, "setting_title": "Confidential evaluations"}
    return render(request, "includes/setting_form_page.html", context)
