"""Requests to evaluators without an account, the public form behind the link, and the fellow's
multi-source evidence."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.once import once_per_submit
from curriculum.access import activate_program_zone, program_for
from curriculum.models import Membership, Program

from . import selectors
from .forms import PatientForm, ProfessionalForm, RequestForm
from .models import EvaluatorRole, ExternalEvaluationRequest
from .patient_form import PATIENT_QUESTIONS, PATIENT_SCALE
from .permissions import (
    SENDER_ROLES,
    can_revoke,
    can_see_evaluator_names,
    can_send_about_any_fellow,
)
from .services import (
    PLAIN_SCALE,
    PLAIN_SCALE_NOT_SEEN,
    PLAIN_SCALE_WORDS,
    external_evaluation_submit,
    external_post_allowed,
    external_request_create,
    external_request_refusal,
    external_request_revoke,
)

Role = Membership.Role
REQUEST_PAGE_SIZE = 25
EVIDENCE_PAGE_SIZE = 20
REFUSAL_STATUS = {"unknown": 404, "used": 410, "expired": 410, "revoked": 410}
LINK_SESSION_KEY = "evaluators:link:{pk}"


# --- Requests -------------------------------------------------------------------------------------


def request_list(request: HttpRequest, program_id: int) -> HttpResponse:
    """The requests a fellow sent, or every request of the program for the director."""
    program = program_for(request.user, program_id, roles=SENDER_ROLES)
    queryset = selectors.external_request_list(user=request.user, program=program)
    page = Paginator(queryset, REQUEST_PAGE_SIZE).get_page(request.GET.get("page"))
    is_director = can_send_about_any_fellow(request.user, program)
    fellows = selectors.evidence_fellow_list(user=request.user, program=program)
    context = {
        "program": program,
        "request_page": page,
        "fellows": list(fellows) if is_director else None,
        "user_is_director": is_director,
    }
    return render(request, "evaluators/request_list.html", context)


@once_per_submit
def request_create(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=SENDER_ROLES)
    fellows = selectors.request_fellow_choices(user=request.user, program=program)
    templates = selectors.multi_source_template_list(user=request.user, program=program)
    form = RequestForm(
        request.POST or None,
        fellows=fellows,
        templates=templates,
        choose_fellow=can_send_about_any_fellow(request.user, program),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            evaluation_request, link = external_request_create(
                actor=request.user,
                fellow=data["fellow"],
                evaluator_role=data["evaluator_role"],
                evaluator_name=data["evaluator_name"],
                evaluator_email=data["evaluator_email"],
                template=data["template"],
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if evaluation_request.is_patient:
                # The link is shown once, to this session only; the database keeps its hash.
                request.session[LINK_SESSION_KEY.format(pk=evaluation_request.pk)] = link
                if data["evaluator_email"]:
                    messages.success(
                        request, "Link emailed to the patient; the address was not kept."
                    )
                return redirect(
                    "evaluators:request_link",
                    program_id=program.pk,
                    request_id=evaluation_request.pk,
                )
            messages.success(
                request,
                f"Evaluation request emailed to {evaluation_request.evaluator_name} "
                f"({evaluation_request.evaluator_email}).",
            )
            return redirect("evaluators:request_list", program_id=program.pk)
    context = {"program": program, "form": form, "has_templates": templates.exists()}
    return render(request, "evaluators/request_form.html", context)


def request_link(request: HttpRequest, program_id: int, request_id: int) -> HttpResponse:
    """A patient request's link and QR code, to hand over; only in the session that made it."""
    program = program_for(request.user, program_id, roles=SENDER_ROLES)
    evaluation_request = get_object_or_404(
        selectors.external_request_list(user=request.user, program=program), pk=request_id
    )
    link = request.session.get(LINK_SESSION_KEY.format(pk=evaluation_request.pk))
    qr = None
    if link and evaluation_request.status == ExternalEvaluationRequest.Status.PENDING:
        qr = segno.make(link, error="m").svg_data_uri(scale=5, border=2)
    else:
        link = None
    context = {"program": program, "evaluation_request": evaluation_request, "link": link, "qr": qr}
    return render(request, "evaluators/request_link.html", context)


@require_POST
def request_revoke(request: HttpRequest, program_id: int, request_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=SENDER_ROLES)
    evaluation_request = get_object_or_404(
        selectors.external_request_list(user=request.user, program=program), pk=request_id
    )
    if not can_revoke(request.user, evaluation_request):
        messages.error(request, "Only whoever sent the request, or the director, can revoke it.")
    else:
        try:
            external_request_revoke(actor=request.user, request=evaluation_request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            request.session.pop(LINK_SESSION_KEY.format(pk=evaluation_request.pk), None)
            messages.success(
                request,
                f"Request to {evaluation_request.evaluator_label} revoked; "
                "its link no longer works.",
            )
    return redirect("evaluators:request_list", program_id=program.pk)


# --- Evidence -------------------------------------------------------------------------------------


def _evidence_page(request: HttpRequest, program: Program, fellow: Membership) -> HttpResponse:
    queryset = selectors.external_evaluations(user=request.user, fellow=fellow)
    page = Paginator(queryset, EVIDENCE_PAGE_SIZE).get_page(request.GET.get("page"))
    answer_labels = dict(PATIENT_SCALE)
    for evaluation in page:
        # A professional's level with the words it maps from; a patient's level was computed
        # from other questions, and an older half level has no words: those show the level only.
        is_patient = evaluation.evaluator_role == EvaluatorRole.PATIENT
        for rating in evaluation.ratings.all():
            rating.scale_words = None if is_patient else PLAIN_SCALE_WORDS.get(rating.level)
        evaluation.answer_rows = [
            (q.text, answer_labels.get(evaluation.patient_answers.get(q.key), "No answer"))
            for q in PATIENT_QUESTIONS
            if evaluation.patient_answers
        ]
    context = {
        "program": program,
        "fellow": fellow,
        "is_self": fellow.user_id == request.user.pk,
        "show_names": can_see_evaluator_names(request.user, program),
        "evaluation_page": page,
    }
    return render(request, "evaluators/evidence.html", context)


def my_evidence(request: HttpRequest, program_id: int) -> HttpResponse:
    """A fellow's own multi-source evidence from evaluators without an account."""
    program = program_for(request.user, program_id, roles=[Role.FELLOW])
    fellow = get_object_or_404(
        selectors.request_fellow_choices(user=request.user, program=program), user=request.user
    )
    return _evidence_page(request, program, fellow)


def fellow_evidence(request: HttpRequest, program_id: int, membership_id: int) -> HttpResponse:
    """One fellow's multi-source evidence, for the director, coordinator and faculty."""
    program = program_for(request.user, program_id, roles=Membership.OVERSIGHT_ROLES)
    fellow = get_object_or_404(
        selectors.evidence_fellow_list(user=request.user, program=program), pk=membership_id
    )
    return _evidence_page(request, program, fellow)


# --- The public form behind the link ------------------------------------------------------------


def _refused(request: HttpRequest, refusal: ValidationError) -> HttpResponse:
    return render(
        request,
        "evaluators/evaluate_invalid.html",
        {"message": " ".join(refusal.messages), "code": refusal.code},
        status=REFUSAL_STATUS.get(refusal.code, 410),
    )


@login_not_required
@never_cache
def evaluate(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the link from the email (or the QR code). No account needed: the link is the
    credential, single-use, expiring and revocable."""
    evaluation_request = selectors.external_request_get_for_token(token=token)
    refusal = external_request_refusal(evaluation_request)
    if refusal is not None:
        return _refused(request, refusal)
    activate_program_zone(evaluation_request.program)  # the link reaches its program, not a URL
    if request.method == "POST" and not external_post_allowed(token=token):
        return render(
            request,
            "evaluators/evaluate_invalid.html",
            {
                "message": "Too many attempts with this link. Please wait an hour, then try again.",
                "code": "throttled",
            },
            status=429,
        )
    data = request.POST if request.method == "POST" else None
    if evaluation_request.is_patient:
        form = PatientForm(data)
    else:
        form = ProfessionalForm(
            data, subcompetencies=evaluation_request.template.subcompetencies.all()
        )
    if request.method == "POST" and form.is_valid():
        try:
            if evaluation_request.is_patient:
                external_evaluation_submit(
                    token=token, narrative=form.cleaned_data["narrative"], answers=form.answers()
                )
            else:
                external_evaluation_submit(
                    token=token, narrative=form.cleaned_data["narrative"], ratings=form.ratings()
                )
        except ValidationError as exc:
            if getattr(exc, "code", None) in REFUSAL_STATUS:
                return _refused(request, exc)
            add_service_errors(form, exc)
        else:
            return redirect("evaluators:evaluate_thanks")
    context = {
        "evaluation_request": evaluation_request,
        "form": form,
        "scale_first": PLAIN_SCALE[0][1],
        "scale_last": PLAIN_SCALE[-1][1],
        "scale_not_seen": PLAIN_SCALE_NOT_SEEN,
    }
    return render(request, "evaluators/evaluate.html", context)


@login_not_required
def evaluate_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "evaluators/evaluate_thanks.html")
