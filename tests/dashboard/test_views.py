import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from curriculum.models import Membership
from procedures.models import ProcedureLogEntry
from tests.assessments.factories import AssessmentFactory
from tests.conftest import assert_constant_queries, page_ok
from tests.dashboard.factories import (
    DeadlineFactory,
    cohort_with_fellows,
    current_year,
    faculty_of,
    finalised_ccc,
    milestone_subs,
    signed_assessment,
)
from tests.procedures.factories import ProcedureLogEntryFactory, ProcedureTargetFactory
from tests.role_pages import assert_role_page_access
from trainees.models import Enrolment

Role = Membership.Role
# 12 until the program was loaded through curriculum.access.program_for (one query of its own);
# 14 since the heatmap compares with the review period's expected level (one query).
DASHBOARD_QUERY_LIMIT = 14


def dashboard_url(program, **query) -> str:
    url = reverse("dashboard:cohort_dashboard", kwargs={"program_id": program.pk})
    return url + (f"?cohort={query['cohort']}" if "cohort" in query else "")


def export_url(program, panel: str, cohort=None) -> str:
    url = reverse("dashboard:panel_export", kwargs={"program_id": program.pk, "panel": panel})
    return url + (f"?cohort={cohort.pk}" if cohort else "")


def rows_of(response) -> list[list[str]]:
    if response.streaming:
        body = b"".join(response.streaming_content).decode()
    else:
        body = response.content.decode()
    return list(csv.reader(io.StringIO(body)))


# --- Access ---------------------------------------------------------------------------------------


def test_dashboard_access_matrix(client, ours, theirs):
    cohort_with_fellows(ours.program, 1)
    assert_role_page_access(
        client, ours, theirs, dashboard_url(ours.program), {Role.DIRECTOR, Role.COORDINATOR}
    )


@pytest.mark.parametrize("panel", ["heatmap", "progress", "procedures", "overdue", "leave"])
def test_export_access_matrix(client, ours, theirs, panel):
    cohort, _ = cohort_with_fellows(ours.program, 1)
    assert_role_page_access(
        client,
        ours,
        theirs,
        export_url(ours.program, panel, cohort),
        {Role.DIRECTOR, Role.COORDINATOR},
    )


def test_director_and_coordinator_land_on_the_dashboard(client, ours):
    for role in (Role.DIRECTOR, Role.COORDINATOR):
        client.force_login(ours.user(role))
        response = client.get(reverse("curriculum:home"))
        assert response.status_code == 302
        assert response["Location"] == dashboard_url(ours.program)
    page = client.get(dashboard_url(ours.program)).content.decode()
    assert reverse("curriculum:program_overview", kwargs={"program_id": ours.program.pk}) in page


def test_another_programs_cohort_is_404(client, ours, theirs):
    cohort_with_fellows(ours.program, 1)
    their_cohort, _ = cohort_with_fellows(theirs.program, 1)
    client.force_login(ours.director)
    assert client.get(dashboard_url(ours.program, cohort=their_cohort.pk)).status_code == 404
    assert client.get(dashboard_url(ours.program, cohort="x")).status_code == 404
    assert client.get(export_url(ours.program, "heatmap", their_cohort)).status_code == 404
    assert client.get(export_url(ours.program, "secrets")).status_code == 404


def test_a_program_without_cohorts_shows_an_empty_state(client, ours):
    client.force_login(ours.director)
    response = client.get(dashboard_url(ours.program))
    assert response.status_code == 200
    assert "No enrolled fellows yet" in response.content.decode()


# --- Panels ---------------------------------------------------------------------------------------


@pytest.fixture
def cohort_data(ours):
    """Two fellows: one with a finalised CCC level for PC1 and ratings, one on leave."""
    program = ours.program
    year = current_year(program)
    cohort, (first, second) = cohort_with_fellows(program, 2, year=year)
    subs = milestone_subs(program)
    faculty = faculty_of(program)
    today = program.today()
    signed_assessment(
        first.membership,
        faculty,
        observed_on=today - datetime.timedelta(days=40),
        ratings={subs[0]: Decimal("2.0"), subs[1]: Decimal("2.5")},
    )
    signed_assessment(
        first.membership,
        faculty,
        observed_on=today - datetime.timedelta(days=5),
        ratings={subs[1]: Decimal("3.5")},
        narrative="Careful technique.",
    )
    finalised_ccc(first.membership, ours.director, year=year, levels={subs[0]: Decimal("4.5")})
    second.status = Enrolment.Status.LEAVE
    second.leave_days = 14
    second.save()
    overdue = AssessmentFactory(
        program=program,
        fellow=second.membership,
        assessor=faculty,
        due_date=today - datetime.timedelta(days=9),
    )
    AssessmentFactory(  # due tomorrow: not overdue yet
        program=program,
        fellow=second.membership,
        assessor=faculty,
        observed_on=today,
        due_date=today + datetime.timedelta(days=1),
    )
    soon = DeadlineFactory(
        academic_year=year, title="Mid-year CCC", due_date=today + datetime.timedelta(days=3)
    )
    DeadlineFactory(academic_year=year, title="Far away", due_date=today + datetime.timedelta(40))
    DeadlineFactory(
        academic_year=year, title="Already past", due_date=today - datetime.timedelta(1)
    )
    return {
        "cohort": cohort,
        "first": first,
        "second": second,
        "subs": subs,
        "overdue": overdue,
        "soon": soon,
        "faculty": faculty,
    }


def test_heatmap_prefers_the_ccc_level_and_falls_back_to_the_latest_rating(
    client, ours, cohort_data
):
    client.force_login(ours.director)
    response = client.get(dashboard_url(ours.program))
    rows = {row.fellow.pk: row for row in response.context["heatmap"]}
    first = rows[cohort_data["first"].membership_id]
    assert [(c.level, c.source) for c in first.cells] == [
        (4.5, "ccc"),  # the committee's level, not the older 2.0 rating
        (3.5, "rating"),  # the newer of the two ratings
        (None, ""),
    ]
    # Against the mid-year review's expected 2.5 (its period is the year's only one).
    assert [c.band for c in first.cells] == ["met", "met", "none"]
    assert first.met_count == 2
    page = response.content.decode()
    assert "<strong>4.5</strong>" in page  # the number is the signal, colour only adds to it
    assert "Legend" in page


def test_overdue_deadlines_and_leave_panels(client, ours, cohort_data):
    client.force_login(ours.coordinator)
    response = client.get(dashboard_url(ours.program))
    assert [(a.pk, days) for a, days in response.context["overdue"]] == [
        (cohort_data["overdue"].pk, 9)
    ]
    assert response.context["overdue_total"] == 1
    assert [d.title for d in response.context["deadlines"]] == ["Mid-year CCC"]
    assert [e.pk for e in response.context["on_leave"]] == [cohort_data["second"].pk]
    page = response.content.decode()
    assert "<strong>9</strong> days" in page
    assert reverse("trainees:calendar", kwargs={"program_id": ours.program.pk}) in page


def test_signed_and_other_cohorts_evaluations_are_not_overdue(client, ours, cohort_data):
    Assessment.objects.filter(pk=cohort_data["overdue"].pk).update(
        status="signed", signed_at=timezone.now()
    )
    other_cohort, (other,) = cohort_with_fellows(ours.program, 1, name="Other cohort")
    AssessmentFactory(
        program=ours.program,
        fellow=other.membership,
        due_date=ours.program.today() - datetime.timedelta(days=3),
    )
    client.force_login(ours.director)
    response = client.get(dashboard_url(ours.program, cohort=cohort_data["cohort"].pk))
    assert response.context["overdue"] == []
    response = client.get(dashboard_url(ours.program, cohort=other_cohort.pk))
    assert response.context["overdue_total"] == 1


def test_procedure_progress_panel_counts_verified_entries(client, ours, cohort_data):
    first = cohort_data["first"].membership
    target = ProcedureTargetFactory(program=ours.program, minimum=2)
    for status in ("verified", "pending", "returned"):
        ProcedureLogEntryFactory(
            program=ours.program,
            fellow=first,
            procedure_type=target.procedure_type,
            status=status,
            verified_at="2026-10-02T10:00:00Z" if status == "verified" else None,
        )
    client.force_login(ours.director)
    response = client.get(dashboard_url(ours.program))
    rows = {row.fellow.pk: row for row, _ in response.context["progress"]}
    cell = rows[first.pk].cells[0]
    assert (cell.verified, cell.pending, cell.remaining, cell.met) == (1, 1, 1, False)
    bars = {row.fellow.pk: bar for row, bar in response.context["progress"]}
    assert (bars[first.pk].met, bars[first.pk].percent) == (0, 50)  # 1 of the 2 required
    assert "0 of 1 targets met" in response.content.decode()


# --- Query counts ---------------------------------------------------------------------------------


def _populate(program, count: int):
    year = current_year(program)
    cohort, enrolments = cohort_with_fellows(program, count, year=year)
    subs = milestone_subs(program)
    faculty = faculty_of(program)
    target = ProcedureTargetFactory(program=program)
    today = program.today()
    for enrolment in enrolments:
        fellow = enrolment.membership
        signed_assessment(
            fellow, faculty, observed_on=today, ratings={sub: Decimal("3.0") for sub in subs}
        )
        finalised_ccc(fellow, faculty.user, year=year, levels={subs[0]: Decimal("4.0")})
        AssessmentFactory(
            program=program,
            fellow=fellow,
            assessor=faculty,
            due_date=today - datetime.timedelta(days=2),
        )
        ProcedureLogEntryFactory(
            program=program, fellow=fellow, procedure_type=target.procedure_type
        )
        DeadlineFactory(academic_year=year, due_date=today + datetime.timedelta(days=2))
    enrolments[0].status = Enrolment.Status.LEAVE
    enrolments[0].save()
    return cohort


def test_dashboard_query_count_is_the_same_for_2_and_30_fellows(client, ours, theirs):
    people_of = {2: ours, 30: theirs}
    world, responses = {}, []

    def populate(fellows):
        world["people"] = people = people_of[fellows]
        _populate(people.program, fellows)
        client.force_login(people.director)

    def dashboard():
        responses.append(page_ok(client, dashboard_url(world["people"].program)))

    small = assert_constant_queries(dashboard, populate, sizes=(2, 30), fresh=True)
    assert len(responses[-1].context["heatmap"]) == 30
    assert responses[-1].context["overdue_total"] == 30
    assert small <= DASHBOARD_QUERY_LIMIT, f"{small} queries"


# --- CSV exports ----------------------------------------------------------------------------------


def test_heatmap_export(client, ours, cohort_data):
    client.force_login(ours.director)
    rows = rows_of(client.get(export_url(ours.program, "heatmap", cohort_data["cohort"])))
    assert rows[0][:5] == ["fellow", "email", "PC1 level", "PC4 level", "MK1 level"]
    first = cohort_data["first"].membership.user
    line = next(row for row in rows if row[1] == first.email)
    assert line[2:5] == ["4.5", "3.5", ""]
    assert line[5:8] == ["ccc", "rating", ""]


def test_overdue_leave_deadline_and_progress_exports(client, ours, cohort_data):
    cohort = cohort_data["cohort"]
    client.force_login(ours.coordinator)
    overdue = rows_of(client.get(export_url(ours.program, "overdue", cohort)))
    assert overdue[0][5] == "days_overdue"
    assert [row[5] for row in overdue[1:]] == ["9"]
    leave = rows_of(client.get(export_url(ours.program, "leave", cohort)))
    assert [row[1] for row in leave[1:]] == [cohort_data["second"].membership.user.email]
    assert leave[1][4] == "14"
    deadlines = rows_of(client.get(export_url(ours.program, "deadlines", cohort)))
    assert [row[2] for row in deadlines[1:]] == ["Mid-year CCC"]
    progress = rows_of(client.get(export_url(ours.program, "progress", cohort)))
    assert progress == [["fellow"]]  # no targets set: nothing to count
    ProcedureTargetFactory(program=ours.program, minimum=3)
    progress = rows_of(client.get(export_url(ours.program, "progress", cohort)))
    assert progress[0][1:] == [f"{progress[0][1].split(':')[0]}: minimum", *progress[0][2:]]
    assert [row[1:] for row in progress[1:]] == [["3", "0", "0", "3"], ["3", "0", "0", "3"]]


def test_procedure_entries_export_is_streamed_and_spreadsheet_safe(client, ours, cohort_data):
    first = cohort_data["first"].membership
    _, (outsider,) = cohort_with_fellows(ours.program, 1, name="Other")
    entries = [
        ProcedureLogEntryFactory(program=ours.program, fellow=first, level="=L4-L5")
        for _ in range(3)
    ]
    ProcedureLogEntryFactory(program=ours.program, fellow=outsider.membership)
    client.force_login(ours.director)
    response = client.get(export_url(ours.program, "procedures", cohort_data["cohort"]))
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = rows_of(response)
    assert rows[0][:4] == ["fellow", "performed_on", "category", "procedure"]
    assert len(rows) == 1 + len(entries)  # the other cohort's entry is not in it
    assert {row[6] for row in rows[1:]} == {"'=L4-L5"}
    assert ProcedureLogEntry.objects.count() == 4
