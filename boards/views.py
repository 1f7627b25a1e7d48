"""The ABA semiannual reports of a review period: list, draft, edit, sign, CSV and print.
Thin: gate with ``program_for`` and a scoped selector (out of scope is a 404), call a service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from assessments.seals import uses_totp
from core.csv import csv_response
from core.forms import add_service_errors
from curriculum.access import program_for
from curriculum.models import Membership

from . import services
from .forms import AbaReportForm, SignForm
from .models import ESSENTIAL_ATTRIBUTES, AbaFellowReport
from .permissions import READER_ROLES, can_write_aba_reports
from .seals import ABA_REPORT_MEANING
from .selectors import aba_report_list, report_period_list, report_signatures

Role = Membership.Role


def _period(request, program, period_id: int):
    return get_object_or_404(report_period_list(user=request.user, program=program), pk=period_id)


def _report(request, program, report_id: int) -> AbaFellowReport:
    return get_object_or_404(aba_report_list(user=request.user, program=program), pk=report_id)


def _period_context(request, program, period) -> dict:
    reports = list(aba_report_list(user=request.user, program=program, period=period))
    return {
        "program": program,
        "period": period,
        "reports": reports,
        "report_month": "January" if period.kind == period.Kind.MIDYEAR else "July",
        "report_year": period.ends_on.year + (period.kind == period.Kind.MIDYEAR),
        "attributes": ESSENTIAL_ATTRIBUTES,
        "can_write": can_write_aba_reports(request.user, program),
        "signed_count": sum(report.is_signed for report in reports),
    }


def report_list(request: HttpRequest, program_id: int, period_id: int) -> HttpResponse:
    """The period's reports, one per fellow, with their grades and state."""
    program = program_for(request.user, program_id, roles=READER_ROLES)
    period = _period(request, program, period_id)
    return render(request, "boards/report_list.html", _period_context(request, program, period))


@require_POST
def reports_draft(request: HttpRequest, program_id: int, period_id: int) -> HttpResponse:
    """The director drafts the missing reports, pre-filled from the CCC reviews."""
    program = program_for(request.user, program_id, roles=[Role.DIRECTOR])
    period = _period(request, program, period_id)
    try:
        created = services.aba_reports_draft(actor=request.user, period=period)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"Drafted {len(created)} reports from the CCC reviews.")
    return redirect("boards:report_list", program_id=program.pk, period_id=period.pk)


def _detail_context(request, program, report, form=None, sign_form=None) -> dict:
    can_write = can_write_aba_reports(request.user, program) and not report.is_signed
    signs_with_totp = uses_totp(request.user) if can_write else False
    return {
        "program": program,
        "report": report,
        "period": report.period,
        "form": form or (AbaReportForm.for_report(report) if can_write else None),
        "sign_form": sign_form or (SignForm(uses_totp=signs_with_totp) if can_write else None),
        "can_write": can_write,
        "signatures": report_signatures(report=report),
        "meaning": ABA_REPORT_MEANING,
    }


def report_detail(request: HttpRequest, program_id: int, report_id: int) -> HttpResponse:
    """The director edits a draft here; the coordinator (and everyone, once signed) reads it."""
    program = program_for(request.user, program_id, roles=READER_ROLES)
    report = _report(request, program, report_id)
    form = None
    if request.method == "POST":
        if not can_write_aba_reports(request.user, program):
            return render(
                request, "boards/report_detail.html", _detail_context(request, program, report)
            )
        form = AbaReportForm.for_report(report, data=request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.aba_report_update(
                    actor=request.user,
                    report=report,
                    overall=data["overall"],
                    attributes={name: data[name] for name, _ in ESSENTIAL_ATTRIBUTES},
                    comments=data["comments"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Report saved.")
                return redirect(report)
    context = _detail_context(request, program, report, form=form)
    return render(request, "boards/report_detail.html", context)


@require_POST
def report_sign(request: HttpRequest, program_id: int, report_id: int) -> HttpResponse:
    """The director signs the report (password or authenticator code re-entered)."""
    program = program_for(request.user, program_id, roles=[Role.DIRECTOR])
    report = _report(request, program, report_id)
    sign_form = SignForm(request.POST, uses_totp=uses_totp(request.user))
    if sign_form.is_valid():
        try:
            services.aba_report_sign(
                actor=request.user,
                report=report,
                password=sign_form.cleaned_data.get("password") or None,
                totp_code=sign_form.cleaned_data.get("totp_code") or None,
            )
        except ValidationError as exc:
            if report.is_signed or not hasattr(exc, "error_dict"):
                messages.error(request, " ".join(exc.messages))
                return redirect(report)
            add_service_errors(sign_form, exc)
        else:
            messages.success(request, "Report signed.")
            return redirect(report)
    report = _report(request, program, report_id)
    context = _detail_context(request, program, report, sign_form=sign_form)
    return render(request, "boards/report_detail.html", context)


def _label(value: str) -> str:
    return "S" if value == "satisfactory" else "U"


def report_export(request: HttpRequest, program_id: int, period_id: int) -> HttpResponse:
    """The period's reports as CSV: one row per fellow, S/U grades, status and signature."""
    program = program_for(request.user, program_id, roles=READER_ROLES)
    period = _period(request, program, period_id)
    context = _period_context(request, program, period)
    header = [
        "Fellow",
        "Email",
        "Report",
        "Overall",
        *(label for _, label in ESSENTIAL_ATTRIBUTES),
        "Comments",
        "Status",
        "Signed at (UTC)",
        "Signed by",
    ]
    rows = (
        [
            report.fellow.user.display_name,
            report.fellow.user.email,
            f"{context['report_month']} {context['report_year']}",
            _label(report.overall),
            *(_label(grade) for _, _, grade in report.attribute_grades()),
            report.comments,
            report.get_status_display(),
            report.signed_at.isoformat() if report.signed_at else "",
            report.signed_by.display_name if report.signed_by else "",
        ]
        for report in context["reports"]
    )
    filename = f"aba-reports-{context['report_year']}-{context['report_month'].lower()}.csv"
    return csv_response(filename, header, rows)


def report_print(request: HttpRequest, program_id: int, period_id: int) -> HttpResponse:
    """A printable page of the period's reports (print stylesheet)."""
    program = program_for(request.user, program_id, roles=READER_ROLES)
    period = _period(request, program, period_id)
    return render(request, "boards/report_print.html", _period_context(request, program, period))
