"""Scoped reads of the ABA reports: only the program's director and coordinator see any."""

from django.db.models import QuerySet

from assessments.models import ReviewPeriod
from curriculum.models import Program

from .models import AbaFellowReport, BoardSignature
from .permissions import can_view_aba_reports


def aba_report_list(*, user, program: Program, period: ReviewPeriod | None = None) -> QuerySet:
    """The program's reports ``user`` may see (none unless director or coordinator)."""
    if not can_view_aba_reports(user, program):
        return AbaFellowReport.objects.none()
    reports = AbaFellowReport.objects.filter(program=program).select_related(
        "fellow__user", "period", "signed_by", "ccc_review"
    )
    if period is not None:
        reports = reports.filter(period=period)
    return reports.order_by("fellow__user__full_name", "pk")


def report_period_list(*, user, program: Program) -> QuerySet:
    """The program's review periods, for readers of the reports."""
    if not can_view_aba_reports(user, program):
        return ReviewPeriod.objects.none()
    return ReviewPeriod.objects.filter(program=program).select_related("academic_year")


def report_signatures(*, report: AbaFellowReport) -> list[BoardSignature]:
    """The signatures of a report already read through ``aba_report_list`` (unscoped)."""
    return list(BoardSignature.objects.filter(report=report).select_related("signer"))
