"""Asking people without an account for an evaluation, revoking the ask, and saving the answer.

Every write checks ``evaluators.permissions`` again, calls ``full_clean``, runs inside
``transaction.atomic`` and records an audit event (never a patient's name or address). Email
is queued through ``core.outbox`` with the request: it leaves after commit and is retried while
the mail server is down.
"""

import secrets
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import invitation_token_hash as token_hash
from assessments.models import AssessmentTemplate
from assessments.services.workflow import NA_FORM_VALUE
from audit.services import audit_record
from core import outbox
from core.links import absolute_url
from core.phi import identifier_problems
from curriculum.models import Membership, Program, Subcompetency

from .models import (
    REQUEST_TTL,
    EvaluatorRole,
    ExternalEvaluation,
    ExternalEvaluationRequest,
    ExternalRating,
)
from .patient_form import PATIENT_CODES, PATIENT_QUESTIONS, PATIENT_SCALE, patient_levels
from .permissions import can_revoke, can_send_about

SENT_SOURCE = "evaluators.request"

# The answering scale of a professional evaluator without an account (nurse, therapist,
# psychologist, surgeon, outside faculty, peer). They are not trained raters of the ACGME
# milestones, so they answer in everyday words about how much help the fellow needs, and never
# see a level number or a half level (an untrained rater cannot tell 3.0 from 3.5, and "level 4"
# means nothing to a nurse). Each word maps to one whole milestone level, which is what is stored
# (``ExternalRating.level``), so answers made earlier on the numeric scale keep their meaning:
#   "Needs a lot of help"        -> 1.0  an incoming fellow: needs direction at every step
#   "Needs some help"            -> 2.0  advancing, still needs regular help
#   "Manages with a little help" -> 3.0  most targets met; help with the harder parts only
#   "Manages alone"              -> 4.0  the graduation target: ready for unsupervised practice
#   "Could teach others"         -> 5.0  aspirational: a model the team learns from
# "Have not seen this" is "not yet assessable" (``NA_FORM_VALUE``): no level.
# Key (the value the form posts), words shown, level stored.
PLAIN_SCALE: tuple[tuple[str, str, Decimal], ...] = (
    ("lot_of_help", "Needs a lot of help", Decimal("1.0")),
    ("some_help", "Needs some help", Decimal("2.0")),
    ("little_help", "Manages with a little help", Decimal("3.0")),
    ("alone", "Manages alone", Decimal("4.0")),
    ("could_teach", "Could teach others", Decimal("5.0")),
)
PLAIN_SCALE_NOT_SEEN = "Have not seen this"
PLAIN_SCALE_LEVELS = {key: level for key, _, level in PLAIN_SCALE}
PLAIN_SCALE_WORDS = {level: words for _, words, level in PLAIN_SCALE}
NARRATIVE_MAX_LENGTH = 4000
POST_LIMIT = 10  # form posts per link per hour: enough for typos, not for scripted guessing
POST_WINDOW = 60 * 60


# --- Asking ---------------------------------------------------------------------------------------


def external_request_create(
    *,
    actor,
    fellow: Membership,
    evaluator_role: str,
    evaluator_name: str = "",
    evaluator_email: str = "",
    template: AssessmentTemplate | None = None,
) -> tuple[ExternalEvaluationRequest, str]:
    """Ask someone without an account to evaluate ``fellow``; returns the request and its link.

    A professional gets the multi-source ``template`` by email (name and address are kept so the
    sender can see who was asked). A patient gets the plain-language form; nothing that could
    identify them is stored with the request: an address, if given, is kept only by the email's
    delivery and erased once the email has left (or, with the mail server down, once it is given
    up after a day). The caller may show the returned link once (for a patient, as a QR code to
    hand over).
    """
    if not can_send_about(actor, fellow):
        raise PermissionDenied("Only the fellow or the program director can ask for this.")
    if evaluator_role not in EvaluatorRole.values:
        raise ValidationError({"evaluator_role": "Choose who you are asking."})
    program = fellow.program
    evaluator_email = (evaluator_email or "").strip().lower()
    evaluator_name = (evaluator_name or "").strip()
    if evaluator_email:
        try:
            validate_email(evaluator_email)
        except ValidationError:
            raise ValidationError(
                {"evaluator_email": "Enter a valid email address, such as name@hospital.org."}
            ) from None
    is_patient = evaluator_role == EvaluatorRole.PATIENT
    if is_patient:
        stored_name, stored_email, template = "", "", None
    else:
        errors = {}
        if not evaluator_email:
            errors["evaluator_email"] = "Enter the evaluator's email address: the link goes there."
        if not evaluator_name:
            errors["evaluator_name"] = "Enter the evaluator's name."
        if template is None:
            errors["template"] = "Choose the multi-source form they will fill."
        elif (
            template.program_id != program.pk
            or template.kind != AssessmentTemplate.Kind.MULTI_SOURCE
            or not template.is_active
        ):
            errors["template"] = "Choose one of the program's multi-source forms in use."
        if errors:
            raise ValidationError(errors)
        stored_name, stored_email = evaluator_name, evaluator_email
    token = secrets.token_urlsafe(32)
    request = ExternalEvaluationRequest(
        program=program,
        fellow=fellow,
        requested_by=actor,
        evaluator_role=evaluator_role,
        evaluator_name=stored_name,
        evaluator_email=stored_email,
        template=template,
        token_hash=token_hash(token),
        expires_at=timezone.now() + REQUEST_TTL,
    )
    link = absolute_url(reverse("evaluators:evaluate", kwargs={"token": token}))
    with transaction.atomic():
        request.full_clean()
        request.save()
        audit_record(
            actor=actor,
            action="external_request.create",
            obj=request,
            changes={
                "fellow": [None, fellow.pk],
                "evaluator_role": [None, evaluator_role],
                "template": [None, template.pk if template else None],
            },
        )
        if evaluator_email:
            greeting = "" if is_patient else evaluator_name
            _request_email_queue(request=request, link=link, to=evaluator_email, name=greeting)
    return request, link


def _request_email_queue(
    *, request: ExternalEvaluationRequest, link: str, to: str, name: str
) -> None:
    context = {
        "request": request,
        "fellow_name": request.fellow.user.display_name,
        "program": request.program,
        "sender": request.requested_by.display_name,
        "name": name,
        "link": link,
        "expires_on": request.program.date_text(request.expires_at),
        "is_patient": request.is_patient,
        "self_request": request.requested_by_id == request.fellow.user_id,
    }
    outbox.email_queue(
        outbox.OutgoingEmail(
            key=f"evaluation-request:{request.pk}:1",
            to=to,
            subject=(
                f"[Fellowship] Please evaluate {context['fellow_name']} ({request.program.name})"
            ),
            body=render_to_string("evaluators/email/request.txt", context),
            html=render_to_string("evaluators/email/request.html", context),
            program_id=request.program_id,
            source=SENT_SOURCE,
            source_id=request.pk,
            # A patient's address is never kept (see external_request_create).
            forget_address=request.is_patient,
        )
    )


def external_request_mark_sent(request_id: int, sent_at: datetime) -> None:
    """The outbox's word that the request's email has left (registered in apps.py)."""
    ExternalEvaluationRequest.objects.filter(pk=request_id, sent_at__isnull=True).update(
        sent_at=sent_at, updated_at=sent_at
    )


def external_request_revoke(
    *, actor, request: ExternalEvaluationRequest
) -> ExternalEvaluationRequest:
    """Withdraw an unanswered request: its link stops working. Revoking twice changes nothing."""
    if not can_revoke(actor, request):
        raise PermissionDenied("Only whoever sent the request, or the director, can revoke it.")
    with transaction.atomic():
        request = ExternalEvaluationRequest.objects.select_for_update().get(pk=request.pk)
        if request.used_at is not None:
            raise ValidationError("This request has already been answered.", code="used")
        if request.revoked_at is None:
            request.revoked_at = timezone.now()
            request.save(update_fields=["revoked_at", "updated_at"])
            audit_record(
                actor=actor,
                action="external_request.revoke",
                obj=request,
                changes={"revoked_at": [None, request.revoked_at]},
            )
    return request


# --- Answering (public, no account) --------------------------------------------------------------


def external_request_refusal(request: ExternalEvaluationRequest | None) -> ValidationError | None:
    """Why this link cannot be used, in plain words; ``None`` when it can.

    The error's ``code`` is ``unknown``, ``used``, ``expired`` or ``revoked``.
    """
    if request is None:
        return ValidationError(
            "This evaluation link is not valid. Check that you opened the whole link from the "
            "email, or ask the person who sent it for a new one.",
            code="unknown",
        )
    status = request.status
    if status == ExternalEvaluationRequest.Status.USED:
        return ValidationError(
            "This evaluation has already been submitted. Thank you: each link can be used "
            "only once.",
            code="used",
        )
    if status == ExternalEvaluationRequest.Status.REVOKED:
        return ValidationError(
            "This evaluation request was withdrawn by the program. Nothing more is needed "
            "from you.",
            code="revoked",
        )
    if status == ExternalEvaluationRequest.Status.EXPIRED:
        return ValidationError(
            f"This evaluation link expired on {request.program.date_text(request.expires_at)}."
            " Ask the person who sent it for a new one.",
            code="expired",
        )
    return None


def external_post_allowed(*, token: str) -> bool:
    """Count a form post for this link; ``False`` once it has had ``POST_LIMIT`` this hour."""
    key = f"external-eval-posts:{token_hash(token)}"
    cache.add(key, 0, POST_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, POST_WINDOW)
        count = 1
    return count <= POST_LIMIT


def _screen(narrative: str, *, field: str = "narrative") -> str:
    narrative = (narrative or "").strip()
    if len(narrative) > NARRATIVE_MAX_LENGTH:
        raise ValidationError(
            {field: f"Keep the comments under {NARRATIVE_MAX_LENGTH} characters."}
        )
    problems = identifier_problems(narrative)
    if problems:
        raise ValidationError(
            {
                field: [
                    p.replace("This looks", "The comment looks").replace("Text here", "Comments")
                    for p in problems
                ]
            }
        )
    return narrative


def _professional_ratings(request, ratings: dict) -> list[tuple[Subcompetency, Decimal | None]]:
    """Only the levels of ``PLAIN_SCALE`` (whole levels) or "not yet assessable": an evaluator
    without an account never answers on half levels, whatever is posted."""
    subs = list(request.template.subcompetencies.order_by("code"))
    parsed, missing = [], []
    for sub in subs:
        value = str(ratings.get(sub.pk, "") or "").strip()
        if value == NA_FORM_VALUE:
            parsed.append((sub, None))
            continue
        try:
            level = Decimal(value)
        except ArithmeticError:
            level = None
        if level is None or level not in PLAIN_SCALE_WORDS:
            missing.append(sub.code)
            continue
        parsed.append((sub, Decimal(f"{level:.1f}")))
    if missing:
        raise ValidationError(
            {
                "ratings": "Choose one of the answers shown, or “"
                f"{PLAIN_SCALE_NOT_SEEN}”, for: {', '.join(missing)}."
            }
        )
    return parsed


def _patient_ratings(program: Program, answers: dict) -> tuple[dict, list]:
    allowed = {value for value, _ in PATIENT_SCALE}
    clean, missing = {}, []
    for question in PATIENT_QUESTIONS:
        try:
            value = int(answers.get(question.key))
        except (TypeError, ValueError):
            value = None
        if value not in allowed:
            missing.append(question.text)
            continue
        clean[question.key] = value
    if missing:
        raise ValidationError(
            {"answers": "Please answer every question (or choose “Does not apply”)."}
        )
    # The newest milestone set of the program that has each code.
    subs: dict[str, Subcompetency] = {}
    for sub in Subcompetency.objects.filter(
        milestone_set__program=program, code__in=PATIENT_CODES
    ).order_by("-milestone_set__effective_date", "-milestone_set_id"):
        subs.setdefault(sub.code, sub)
    levels = patient_levels(clean)
    return clean, [(subs[code], level) for code, level in levels.items() if code in subs]


def external_evaluation_submit(
    *, token: str, narrative: str = "", ratings: dict | None = None, answers: dict | None = None
) -> ExternalEvaluation:
    """Save the answer to a link, once.

    ``ratings`` (professionals) maps subcompetency id to a whole level of ``PLAIN_SCALE``
    ("4.0") or ``"na"``;
    ``answers`` (patients) maps question key to 0-5. The request row is locked, so a double
    submit saves once and the second sees "already submitted"; a refusal saves nothing.
    """
    with transaction.atomic():
        request = (
            ExternalEvaluationRequest.objects.select_for_update(of=("self",))
            .select_related("program", "fellow", "template")
            .filter(token_hash=token_hash(token))
            .first()
        )
        refusal = external_request_refusal(request)
        if refusal is not None:
            raise refusal
        narrative = _screen(narrative)
        clean_answers: dict = {}
        if request.is_patient:
            clean_answers, rows = _patient_ratings(request.program, answers or {})
        else:
            rows = _professional_ratings(request, ratings or {})
        now = timezone.now()
        evaluation = ExternalEvaluation(
            request=request,
            program=request.program,
            fellow=request.fellow,
            evaluator_role=request.evaluator_role,
            narrative=narrative,
            patient_answers=clean_answers,
            submitted_at=now,
            submitted_on=request.program.today(),
        )
        evaluation.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                evaluation.save()
        except IntegrityError:
            raise external_request_refusal(_used(request)) from None
        ExternalRating.objects.bulk_create(
            ExternalRating(
                evaluation=evaluation,
                subcompetency=sub,
                level=level,
                not_assessable=level is None,
            )
            for sub, level in rows
        )
        request.used_at = now
        request.save(update_fields=["used_at", "updated_at"])
        # The evaluator has no account: the system records it, naming the request answered.
        audit_record(
            actor=None,
            action="external_evaluation.submit",
            obj=evaluation,
            changes={"request": [None, request.pk], "used_at": [None, now]},
        )
    return evaluation


def _used(request: ExternalEvaluationRequest) -> ExternalEvaluationRequest:
    request.used_at = request.used_at or timezone.now()
    return request
