"""Builders for the ABA report tests: the CCC set-up of ``tests.assessments`` plus a report."""

from boards.services import aba_reports_draft
from tests.assessments.test_ccc_factories import ccc_setup, finalise


def finalised_period(people, **levels):
    """The CCC set-up with the mid-year review finalised (``PROF1="1.0"`` sets one level)."""
    ccc = ccc_setup(people)
    finalise(ccc, **levels)
    return ccc


def drafted_report(people, **levels):
    ccc = finalised_period(people, **levels)
    [report] = aba_reports_draft(actor=people.director, period=ccc.midyear)
    return ccc, report
