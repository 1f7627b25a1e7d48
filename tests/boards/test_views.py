"""ABA report pages: who sees them (others get a 404), drafting, editing, signing, CSV, print."""

import csv
import functools
import io

import pytest
from django.urls import reverse

from boards.models import AbaFellowReport
from tests.accounts.factories import PASSWORD
from tests.boards.factories import drafted_report, finalised_period
from tests.conftest import assert_constant_queries, page_ok
from tests.curriculum.factories import MembershipFactory


def _list_url(people, period):
    return reverse(
        "boards:report_list", kwargs={"program_id": people.program.pk, "period_id": period.pk}
    )


def _period_url(people, period, name):
    return reverse(
        f"boards:{name}", kwargs={"program_id": people.program.pk, "period_id": period.pk}
    )


def _sign_url(report):
    return reverse(
        "boards:report_sign", kwargs={"program_id": report.program_id, "report_id": report.pk}
    )


def _grades(**overrides):
    data = {
        "overall": "satisfactory",
        "honest_ethical": "satisfactory",
        "reliable_responsible": "satisfactory",
        "learns_from_experience": "satisfactory",
        "reacts_to_stress": "satisfactory",
        "free_of_substance_abuse": "satisfactory",
        "independent_function": "satisfactory",
        "comments": "",
    }
    return data | overrides


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_faculty_and_fellows_get_404_everywhere(client, ours, role):
    ccc, report = drafted_report(ours)
    client.force_login(ours.user(role))
    for url in (
        _list_url(ours, ccc.midyear),
        _period_url(ours, ccc.midyear, "report_export"),
        _period_url(ours, ccc.midyear, "report_print"),
        report.get_absolute_url(),
    ):
        assert client.get(url).status_code == 404, url


def test_another_programs_director_gets_404(client, ours, theirs):
    ccc, report = drafted_report(ours)
    client.force_login(theirs.director)
    assert client.get(report.get_absolute_url()).status_code == 404
    url = reverse(
        "boards:report_list", kwargs={"program_id": theirs.program.pk, "period_id": ccc.midyear.pk}
    )
    assert client.get(url).status_code == 404


def test_the_director_drafts_from_the_period_page(client, ours):
    ccc = finalised_period(ours)
    client.force_login(ours.director)
    detail = page_ok(client, ccc.midyear.get_absolute_url())
    assert _list_url(ours, ccc.midyear) in detail.content.decode()
    response = client.post(_period_url(ours, ccc.midyear, "reports_draft"))
    assert response.status_code == 302
    report = AbaFellowReport.objects.get()
    page = page_ok(client, _list_url(ours, ccc.midyear)).content.decode()
    assert report.get_absolute_url() in page and "January 2027" in page


def test_the_coordinator_reads_but_cannot_draft_or_sign(client, ours):
    ccc, report = drafted_report(ours)
    client.force_login(ours.coordinator)
    page = page_ok(client, report.get_absolute_url()).content.decode()
    assert 'id="sign-form"' not in page and "Overall clinical competence" in page
    assert client.post(_period_url(ours, ccc.midyear, "reports_draft")).status_code == 404
    assert client.post(_sign_url(report), {"password": PASSWORD}).status_code == 404
    client.post(report.get_absolute_url(), _grades(overall="unsatisfactory"))
    report.refresh_from_db()
    assert report.overall == "satisfactory" and not report.is_signed


def test_the_director_edits_and_the_abas_rule_shows_on_the_form(client, ours):
    _, report = drafted_report(ours)
    client.force_login(ours.director)
    response = client.post(report.get_absolute_url(), _grades(honest_ethical="unsatisfactory"))
    assert response.status_code == 200
    assert "every essential attribute" in response.content.decode()
    response = client.post(
        report.get_absolute_url(),
        _grades(overall="unsatisfactory", honest_ethical="unsatisfactory", comments="Concern."),
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.overall, report.honest_ethical, report.comments) == (
        "unsatisfactory",
        "unsatisfactory",
        "Concern.",
    )


def test_the_director_signs_with_the_password(client, ours):
    _, report = drafted_report(ours)
    client.force_login(ours.director)
    wrong = client.post(_sign_url(report), {"password": "nope"})
    assert wrong.status_code == 200 and "not correct" in wrong.content.decode()
    assert client.post(_sign_url(report), {"password": PASSWORD}).status_code == 302
    report.refresh_from_db()
    assert report.is_signed
    page = page_ok(client, report.get_absolute_url()).content.decode()
    assert "SHA-256" in page and 'id="report-form"' not in page


def test_csv_export_has_one_row_per_fellow(client, ours):
    ccc, _ = drafted_report(ours, PROF1="1.0")
    client.force_login(ours.coordinator)
    response = page_ok(client, _period_url(ours, ccc.midyear, "report_export"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Fellow", "Email", "Report", "Overall"]
    assert len(rows) == 2
    assert rows[1][2:5] == ["January 2027", "U", "U"]  # overall, honest and ethical
    assert rows[1][-3] == "Draft"


def test_printable_page_lists_every_report(client, ours):
    ccc, report = drafted_report(ours)
    client.force_login(ours.director)
    page = page_ok(client, _period_url(ours, ccc.midyear, "report_print")).content.decode()
    assert report.fellow.user.display_name in page
    assert "css/print.css" in page and "Draft: not signed" in page


def test_list_csv_and_print_pages_keep_their_query_count_as_fellows_grow(client, ours):
    ccc = finalised_period(ours)
    client.force_login(ours.director)

    def add_reports(n: int) -> None:
        for _ in range(n):
            fellow = MembershipFactory(program=ours.program, role="fellow")
            AbaFellowReport.objects.create(program=ours.program, fellow=fellow, period=ccc.midyear)

    urls = {
        name: _period_url(ours, ccc.midyear, name)
        for name in ("report_list", "report_export", "report_print")
    }
    pages = {name: functools.partial(page_ok, client, url) for name, url in urls.items()}
    assert_constant_queries(pages, add_reports, sizes=(1, 6))
