"""CCC review periods, packets, consensus levels, finalising, the ACGME export, and the final
summative evaluation. Thin: gate with a scoped selector (out of scope is a 404), call a service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.csv import csv_response
from core.forms import add_service_errors
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership
from curriculum.permissions import has_program_role
from trainees.models import AcademicYear
from trainees.selectors import review_period_leave

from .forms import (
    ConsensusForm,
    ReviewPeriodForm,
    ReviewPeriodsCreateForm,
    SignForm,
    SummativeForm,
    initial_levels,
)
from .models import CCCReview, ConsensusLevel, SummativeEvaluation
from .permissions import (
    can_finalise_ccc,
    can_manage_ccc,
    can_read_summatives,
    can_record_levels,
    can_view_ccc,
    can_write_summative,
)
from .seals import CCC_SIGNATURE_MEANING, SUMMATIVE_SIGNATURE_MEANING, uses_totp
from .selectors.ccc import (
    ccc_export_rows,
    ccc_packet_build,
    ccc_review_list,
    packet_sections,
    packet_suggestions,
    period_review_rows,
    review_period_list,
)
from .selectors.committee import period_meetings
from .selectors.summative import summative_fellow_get, summative_fellow_list
from .selectors.trajectory import milestone_fellow_list
from .selectors.unscoped import milestone_set_subcompetencies, period_milestone_set
from .services import ccc as ccc_services
from .services import committee as committee_services
from .services import summative as summative_services

Role = Membership.Role
PERIOD_PAGE_SIZE = 20


def _service_error(request: HttpRequest, exc: Exception) -> None:
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)


def _period(request: HttpRequest, program, period_id: int):
    return get_object_or_404(review_period_list(user=request.user, program=program), pk=period_id)


# --- Periods -------------------------------------------------------------------------------------


@once_per_submit
def ccc_period_list(request: HttpRequest, program_id: int) -> HttpResponse:
    """Every review period of the program; the director and coordinator create a year's."""
    program = program_for(request.user, program_id, roles=Membership.OVERSIGHT_ROLES)
    can_manage = can_manage_ccc(request.user, program)
    if request.method == "POST" and not can_manage:
        raise Http404("No such page.")
    form = None
    if can_manage:
        years = AcademicYear.objects.filter(program=program).order_by("-start_date")
        form = ReviewPeriodsCreateForm(request.POST or None, academic_years=years)
        if request.method == "POST" and form.is_valid():
            year = form.cleaned_data["academic_year"]
            try:
                created = ccc_services.review_periods_create(actor=request.user, academic_year=year)
            except PermissionDenied as exc:
                _service_error(request, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if created:
                    names = ", ".join(period.get_kind_display().lower() for period in created)
                    messages.success(request, f"Created the {names} for {year.label}.")
                else:
                    messages.info(request, f"{year.label} already has both review periods.")
                return redirect("assessments:ccc_period_list", program_id=program.pk)
    context = {
        "program": program,
        "period_page": Paginator(
            review_period_list(user=request.user, program=program), PERIOD_PAGE_SIZE
        ).get_page(request.GET.get("page")),
        "form": form,
        "can_manage": can_manage,
    }
    return render(request, "assessments/ccc_period_list.html", context)


def ccc_period_detail(request: HttpRequest, program_id: int, period_id: int) -> HttpResponse:
    """The period's packets, one per fellow, with their state; assemble and export buttons."""
    program = program_for(request.user, program_id, roles=Membership.OVERSIGHT_ROLES)
    period = _period(request, program, period_id)
    reviews = list(period_review_rows(user=request.user, period=period))
    subcompetency_count = len(milestone_set_subcompetencies(period_milestone_set(period)))
    drafts = sum(not review.is_finalised for review in reviews)
    on_leave, off_cycle = review_period_leave(
        user=request.user,
        program=program,
        academic_year=period.academic_year,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
    )
    context = {
        "program": program,
        "period": period,
        "reviews": reviews,
        "on_leave": on_leave,
        "off_cycle": off_cycle,
        "subcompetency_count": subcompetency_count,
        "draft_count": drafts,
        "finalised_count": len(reviews) - drafts,
        "can_manage": can_manage_ccc(request.user, program),
        "can_write_summative": can_write_summative(request.user, program),
        **_committee_context(request, program, period),
    }
    return render(request, "assessments/ccc_period_detail.html", context)


def _committee_context(request: HttpRequest, program, period) -> dict:
    committee = committee_services.committee_for(program)
    return {
        "committee": committee,
        "committee_size": committee.members.count() if committee.pk else 0,
        "meetings": list(period_meetings(user=request.user, period=period)),
    }


def ccc_period_edit(request: HttpRequest, program_id: int, period_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    period = _period(request, program, period_id)
    form = ReviewPeriodForm(
        request.POST or None,
        initial={
            "starts_on": period.starts_on,
            "ends_on": period.ends_on,
            "meeting_date": period.meeting_date,
            "expected_level": ""
            if period.expected_level is None
            else f"{period.expected_level:.1f}",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            ccc_services.review_period_update(
                actor=request.user, period=period, **form.cleaned_data
            )
        except PermissionDenied as exc:
            _service_error(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Saved the {period}.")
            return redirect(period)
    context = {"program": program, "period": period, "form": form}
    return render(request, "assessments/ccc_period_form.html", context)


@require_POST
def ccc_assemble(request: HttpRequest, program_id: int, period_id: int) -> HttpResponse:
    """One click: a draft packet for every fellow enrolled in the period's academic year."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    period = _period(request, program, period_id)
    try:
        created = ccc_services.ccc_packets_assemble(actor=request.user, period=period)
    except (PermissionDenied, ValidationError) as exc:
        _service_error(request, exc)
    else:
        if created:
            messages.success(request, f"Assembled {len(created)} draft packet(s).")
        else:
            messages.info(request, "Every enrolled fellow already has a packet for this period.")
    return redirect(period)


def ccc_export(request: HttpRequest, program_id: int, period_id: int) -> HttpResponse:
    """The period's finalised levels: a worksheet for entering them in ADS by hand."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    period = _period(request, program, period_id)
    subcompetencies = milestone_set_subcompetencies(period_milestone_set(period))
    header, rows, _drafts = ccc_export_rows(
        user=request.user, period=period, subcompetencies=subcompetencies
    )
    filename = f"ccc-levels-{period.academic_year.label}-{period.kind}.csv"
    return csv_response(filename, header, rows)


# --- One packet ----------------------------------------------------------------------------------


def _review(request: HttpRequest, program, review_id: int) -> CCCReview:
    queryset = ccc_review_list(user=request.user, program=program).prefetch_related(
        Prefetch("levels", queryset=ConsensusLevel.objects.select_related("subcompetency")),
        "signatures__signer",
    )
    return get_object_or_404(queryset, pk=review_id)


def _packet_committee(review: CCCReview) -> dict:
    """Who reviewed the packet (members who recorded its levels) and the committee's meeting: as
    recorded when finalised, else the period's latest meeting and whether it had a quorum."""
    reviewers = sorted(
        {
            name or email
            for name, email in review.levels.values_list(
                "recorded_by__full_name", "recorded_by__email"
            )
            if email
        }
    )
    context = {"reviewers": reviewers, "committee_record": None, "latest_meeting": None}
    if review.is_finalised:
        context["committee_record"] = review.packet_snapshot.get("committee")
        return context
    committee = committee_services.committee_for(review.period.program)
    meeting = review.period.meetings.prefetch_related("present__user").first()
    if meeting is not None:
        context |= {
            "latest_meeting": meeting,
            "latest_meeting_present": committee_services.members_present(meeting, committee),
            "quorum_problem": committee_services.quorum_problem(meeting, committee)
            if committee.pk
            else "no committee",
        }
    context["committee"] = committee
    return context


def _packet_context(request: HttpRequest, program, review: CCCReview, form=None, sign_form=None):
    user = request.user
    subcompetencies = milestone_set_subcompetencies(period_milestone_set(review.period))
    if review.is_finalised:
        packet = review.packet_snapshot
    else:
        packet = ccc_packet_build(user=user, review=review, subcompetencies=subcompetencies)
    levels = {level.subcompetency_id: level for level in review.levels.all()}
    can_record = not review.is_finalised and can_record_levels(user, program)
    can_finalise = not review.is_finalised and can_finalise_ccc(user, program)
    # Suggested levels pre-fill the form for the committee; only saving or accepting records them.
    suggestions = packet_suggestions(packet, recorded=levels) if can_record else {}
    if can_record and form is None:
        initial = initial_levels(review)
        for sub_id, suggestion in suggestions.items():
            initial[f"level_{sub_id}"] = suggestion.value
        form = ConsensusForm(initial=initial, subcompetencies=subcompetencies)
    if can_finalise and sign_form is None:
        sign_form = SignForm(uses_totp=uses_totp(user))
    fields = dict(form.level_fields()) if form is not None else {}
    fields_by_id = {sub.pk: field for sub, field in fields.items()}
    rows = [
        {
            **row,
            "level": levels.get(row["id"]),
            "field": fields_by_id.get(row["id"]),
            "suggestion": suggestions.get(row["id"]),
        }
        for row in packet.get("subcompetencies", [])
    ]
    return {
        **_packet_committee(review),
        "program": program,
        "review": review,
        "period": review.period,
        "packet": packet,
        "evidence_sections": packet_sections(packet),
        "rows": rows,
        "missing": [sub.code for sub in subcompetencies if sub.pk not in levels],
        "suggestion_count": len(suggestions),
        "form": form,
        "sign_form": sign_form,
        "can_record": can_record,
        "can_finalise": can_finalise,
        "is_committee": can_view_ccc(user, program),
        "signatures": list(review.signatures.all()),
        "meaning": CCC_SIGNATURE_MEANING,
    }


ACCEPT_SUGGESTIONS = "accept_suggestions"


def ccc_packet(request: HttpRequest, program_id: int, review_id: int) -> HttpResponse:
    """The fellow's evidence for the period and the committee's levels. Committee members
    record levels here (one form, all or nothing), pre-filled with levels suggested from the
    period's ratings (saved only when a member saves the form or presses "Accept all
    suggestions"); a fellow sees their own once finalised."""
    program = program_for(request.user, program_id)
    review = _review(request, program, review_id)
    form = None
    if request.method == "POST":
        if review.is_finalised or not can_record_levels(request.user, program):
            raise Http404("No such page.")
        if request.POST.get("action") == ACCEPT_SUGGESTIONS:
            try:
                accepted = ccc_services.ccc_suggestions_accept(actor=request.user, review=review)
            except (PermissionDenied, ValidationError) as exc:
                _service_error(request, exc)
            else:
                if accepted:
                    messages.success(
                        request, f"Recorded {len(accepted)} suggested level(s) as consensus."
                    )
                else:
                    messages.info(request, "There were no suggested levels left to accept.")
            return redirect(review)
        subcompetencies = milestone_set_subcompetencies(period_milestone_set(review.period))
        form = ConsensusForm(request.POST, subcompetencies=subcompetencies)
        if form.is_valid():
            try:
                ccc_services.ccc_levels_record(
                    actor=request.user,
                    review=review,
                    levels=form.levels(),
                    committee_notes=form.cleaned_data["committee_notes"],
                )
            except PermissionDenied as exc:
                _service_error(request, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Saved the consensus levels.")
                return redirect(review)
    context = _packet_context(request, program, review, form=form)
    return render(request, "assessments/ccc_packet.html", context)


@require_POST
def ccc_finalise(request: HttpRequest, program_id: int, review_id: int) -> HttpResponse:
    """The director signs the review (identity re-confirmed); it becomes read-only."""
    program = program_for(request.user, program_id, roles=[Role.DIRECTOR])
    review = _review(request, program, review_id)
    sign_form = SignForm(request.POST, uses_totp=uses_totp(request.user))
    if sign_form.is_valid():
        try:
            ccc_services.ccc_review_finalise(
                actor=request.user,
                review=review,
                password=sign_form.cleaned_data.get("password") or None,
                totp_code=sign_form.cleaned_data.get("totp_code") or None,
            )
        except PermissionDenied as exc:
            _service_error(request, exc)
        except ValidationError as exc:
            if review.is_finalised or "already finalised" in " ".join(exc.messages):
                _service_error(request, exc)
                return redirect(review)
            add_service_errors(sign_form, exc)
        else:
            messages.success(
                request, f"Finalised and signed; {review.fellow.user.display_name} can now see it."
            )
            return redirect(review)
    review = _review(request, program, review_id)
    context = _packet_context(request, program, review, sign_form=sign_form)
    return render(request, "assessments/ccc_packet.html", context, status=200)


# --- Final summative evaluation ------------------------------------------------------------------


def _summative_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("summative")
    if raw is None:
        return None
    if not raw.isdigit():
        raise Http404("No such page.")
    return int(raw)


def _summative_action(request: HttpRequest, program, fellow, evaluation) -> HttpResponse:
    """Start an annual evaluation, or amend a signed one; then open it."""
    action = request.POST.get("action")
    try:
        if action == "amend" and evaluation is not None:
            evaluation = summative_services.summative_amend(
                actor=request.user, evaluation=evaluation
            )
            messages.success(request, "Amendment started: edit it, then sign it.")
        elif action == "start_annual":
            years = {str(year.pk): year for year in summative_services.annual_years(fellow)}
            year = years.get(request.POST.get("academic_year", ""))
            if year is None:
                raise ValidationError("Choose an academic year of the fellow's training.")
            evaluation = summative_services.summative_annual_start(
                actor=request.user, fellow=fellow, academic_year=year
            )
        else:
            raise Http404("No such page.")
    except (PermissionDenied, ValidationError) as exc:
        _service_error(request, exc)
    return redirect(
        evaluation.get_absolute_url()
        if evaluation is not None
        else reverse(
            "assessments:summative_detail",
            kwargs={"program_id": program.pk, "membership_id": fellow.pk},
        )
    )


def summative_detail(request: HttpRequest, program_id: int, membership_id: int) -> HttpResponse:
    """A fellow's summative evaluation: the final one, or (``?summative=<id>``) an annual one or
    an amendment. The director writes, signs, amends and starts annual ones; the coordinator
    reads them; the fellow reads their own once signed (before that the page says it is not
    shared yet)."""
    program = program_for(request.user, program_id)
    summative_id = _summative_id(request)
    found = summative_fellow_get(
        user=request.user, program=program, membership_id=membership_id, summative_id=summative_id
    )
    is_self_waiting = False
    if found is None:
        # The fellow's own page before signing: nothing about any draft is shown.
        fellow = (
            milestone_fellow_list(user=request.user, program=program)
            .filter(pk=membership_id, user=request.user)
            .first()
        )
        if (
            summative_id is not None
            or fellow is None
            or not has_program_role(request.user, program, [Role.FELLOW])
        ):
            raise Http404("No such page.")
        found, is_self_waiting = (fellow, None), True
    fellow, evaluation = found
    can_write = not is_self_waiting and can_write_summative(request.user, program)
    action = request.POST.get("action") if request.method == "POST" else None
    if can_write and action in ("amend", "start_annual"):
        return _summative_action(request, program, fellow, evaluation)
    editable = can_write and (evaluation is None or not evaluation.is_signed)
    if request.method == "POST" and not editable:
        raise Http404("No such page.")
    is_final = evaluation is None or evaluation.is_final
    signs_with_totp = uses_totp(request.user) if editable else False
    form = sign_form = None
    if editable:
        initial = {}
        if evaluation is not None:
            value = evaluation.practices_independently
            initial = {
                "narrative": evaluation.narrative,
                "practices_independently": "" if value is None else ("yes" if value else "no"),
            }
        form = SummativeForm(request.POST or None, initial=initial, is_final=is_final)
        sign_form = SignForm(request.POST or None, uses_totp=signs_with_totp)
    if request.method == "POST" and form.is_valid() and sign_form.is_valid():
        sign = request.POST.get("action") == "sign"
        try:
            with transaction.atomic():
                evaluation = summative_services.summative_save_draft(
                    actor=request.user,
                    fellow=fellow,
                    evaluation=evaluation,
                    narrative=form.cleaned_data["narrative"],
                    practices_independently=form.cleaned_data.get("practices_independently"),
                )
                if sign:
                    summative_services.summative_sign(
                        actor=request.user,
                        evaluation=evaluation,
                        password=sign_form.cleaned_data.get("password") or None,
                        totp_code=sign_form.cleaned_data.get("totp_code") or None,
                        override_reason=form.cleaned_data["override_reason"],
                    )
        except PermissionDenied as exc:
            _service_error(request, exc)
        except ValidationError as exc:
            add_service_errors(sign_form if _is_identity_error(exc) else form, exc)
            # The draft saved in the rolled-back transaction is not there: reload it.
            found = summative_fellow_get(
                user=request.user,
                program=program,
                membership_id=fellow.pk,
                summative_id=summative_id,
            )
            evaluation = found[1] if found else None
        else:
            if sign:
                messages.success(request, f"Signed and shared with {fellow.user.display_name}.")
            else:
                messages.success(request, "Draft saved.")
            return redirect(evaluation.get_absolute_url())
    shown = None if is_self_waiting else evaluation
    staff = not is_self_waiting and can_read_summatives(request.user, program)
    snapshot = refusal = None
    if shown is not None and shown.is_signed:
        snapshot = shown.snapshot
    elif staff:
        draft = shown or SummativeEvaluation(
            program=program, fellow=fellow, kind=SummativeEvaluation.Kind.FINAL
        )
        snapshot = summative_services.summative_snapshot(actor=request.user, evaluation=draft)
        refusal = summative_services.year_end_refusal(draft)
    evaluations = (
        []
        if is_self_waiting
        else list(summative_fellow_list(user=request.user, program=program, fellow=fellow))
    )
    corrected_by = shown.amendments.all().first() if shown else None
    if corrected_by is not None and not (staff or corrected_by.is_signed):
        corrected_by = None
    annual_choices = []
    if can_write:
        started = {e.academic_year_id for e in evaluations if not e.is_final and not e.amends_id}
        annual_choices = [
            year for year in summative_services.annual_years(fellow) if year.pk not in started
        ]
    context = {
        "program": program,
        "fellow": fellow,
        "evaluation": shown,
        "is_final": is_final,
        "is_self": fellow.user_id == request.user.pk,
        "is_self_waiting": is_self_waiting,
        "editable": editable,
        "can_write": can_write,
        "form": form,
        "sign_form": sign_form,
        "signatures": list(shown.signatures.all()) if shown else [],
        "corrected_by": corrected_by,
        "snapshot": snapshot,
        "refusal": refusal,
        "evaluations": evaluations,
        "annual_choices": annual_choices,
        "meaning": SUMMATIVE_SIGNATURE_MEANING,
    }
    return render(request, "assessments/summative_detail.html", context)


def _is_identity_error(exc: ValidationError) -> bool:
    return hasattr(exc, "error_dict") and bool({"password", "totp_code"} & set(exc.error_dict))
