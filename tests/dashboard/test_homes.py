"""The fellow home (dashboard:my_progress) and the faculty home's completion statistics."""

import datetime
from decimal import Decimal
from functools import partial

from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from curriculum.models import Membership
from dashboard.selectors import faculty_completion_stats
from tests.assessments.factories import AssessmentFactory
from tests.conftest import assert_constant_queries, page_ok
from tests.dashboard.factories import (
    DeadlineFactory,
    cohort_with_fellows,
    current_year,
    finalised_ccc,
    milestone_subs,
    signed_assessment,
)
from tests.procedures.factories import ProcedureLogEntryFactory, ProcedureTargetFactory
from tests.role_pages import assert_role_page_access

Role = Membership.Role


def home_url(program) -> str:
    return reverse("dashboard:my_progress", kwargs={"program_id": program.pk})


def queue_url(program) -> str:
    return reverse("dashboard:faculty_queue", kwargs={"program_id": program.pk})


def _fellow(ours):
    return Membership.objects.get(program=ours.program, user=ours.fellow, role=Role.FELLOW)


def _faculty(ours):
    return Membership.objects.get(program=ours.program, user=ours.faculty, role=Role.FACULTY)


# --- Fellow home ----------------------------------------------------------------------------------


def test_fellow_home_access_matrix(client, ours, theirs):
    assert_role_page_access(client, ours, theirs, home_url(ours.program), {Role.FELLOW})


def test_fellow_home_is_honestly_empty(client, ours):
    client.force_login(ours.fellow)
    page = client.get(home_url(ours.program)).content.decode()
    assert "No CCC review yet" in page  # honest until CCC reviews exist


def test_fellow_home_links_to_my_pathway(client, ours):
    client.force_login(ours.fellow)
    page = client.get(home_url(ours.program)).content.decode()
    assert f'href="/programs/{ours.program.pk}/my-pathway/"' in page


def test_fellow_home_without_a_ccc_review_shows_latest_ratings(client, ours):
    fellow, faculty = _fellow(ours), _faculty(ours)
    subs = milestone_subs(ours.program)
    today = ours.program.today()
    signed_assessment(
        fellow, faculty, observed_on=today - datetime.timedelta(30), ratings={subs[0]: "2.0"}
    )
    signed_assessment(
        fellow,
        faculty,
        observed_on=today - datetime.timedelta(3),
        ratings={subs[0]: "3.0"},
        narrative="Clear consent conversations.",
    )
    client.force_login(ours.fellow)
    response = client.get(home_url(ours.program))
    page = response.content.decode()
    assert "No CCC review yet" in page
    levels = response.context["levels"]
    assert [(row.code, row.ccc, row.rating.level) for row in levels] == [("PC1", None, 3.0)]
    assert "Clear consent conversations." in page


def test_fellow_home_shows_ccc_levels_due_items_and_feedback(client, ours):
    fellow, faculty = _fellow(ours), _faculty(ours)
    year = current_year(ours.program)
    cohort, _ = cohort_with_fellows(ours.program, 0, year=year)
    from tests.trainees.factories import EnrolmentFactory

    enrolment = EnrolmentFactory(cohort=cohort, membership=fellow)
    subs = milestone_subs(ours.program)
    today = ours.program.today()
    finalised_ccc(fellow, ours.director, year=year, levels={subs[1]: Decimal("3.5")})
    signed_assessment(fellow, faculty, observed_on=today, ratings={subs[1]: "4.0"})
    AssessmentFactory(  # their own open request
        program=ours.program, fellow=fellow, assessor=faculty, requested_by=ours.fellow
    )
    DeadlineFactory(academic_year=year, enrolment=enrolment, title="My summative", due_date=today)
    DeadlineFactory(academic_year=year, title="Someone else's", due_date=today)
    client.force_login(ours.fellow)
    response = client.get(home_url(ours.program))
    assert "No CCC review yet" not in response.content.decode()
    row = response.context["levels"][0]
    assert (row.code, row.ccc.level, row.rating.level) == ("PC4", 3.5, 4.0)
    due = response.context["due"]
    assert (due["to_acknowledge"], due["requested"]) == (1, 1)
    assert [d.title for d in due["deadlines"]] == ["My summative"]


def test_another_fellows_data_is_not_on_my_home(client, ours):
    other = Membership.objects.create(program=ours.program, user=ours.director, role=Role.FELLOW)
    subs = milestone_subs(ours.program)
    signed_assessment(
        other,
        _faculty(ours),
        observed_on=ours.program.today(),
        ratings={subs[0]: "4.5"},
        narrative="Not for you.",
    )
    client.force_login(ours.fellow)
    response = client.get(home_url(ours.program))
    assert response.context["levels"] == []
    assert "Not for you." not in response.content.decode()


def test_fellow_home_query_count_does_not_grow(client, ours):
    fellow, faculty = _fellow(ours), _faculty(ours)
    subs = milestone_subs(ours.program)
    target = ProcedureTargetFactory(program=ours.program)
    client.force_login(ours.fellow)

    def add_history(n):
        for day in range(n):
            signed_assessment(
                fellow,
                faculty,
                observed_on=ours.program.today() - datetime.timedelta(days=day),
                ratings={sub: "3.0" for sub in subs},
                narrative=f"Note {day}",
            )
            ProcedureLogEntryFactory(
                program=ours.program, fellow=fellow, procedure_type=target.procedure_type
            )

    home = partial(page_ok, client, home_url(ours.program))
    assert_constant_queries(home, add_history, sizes=(1, 11))


# --- Faculty home ---------------------------------------------------------------------------------


def test_faculty_queue_access_matrix(client, ours, theirs):
    assert_role_page_access(client, ours, theirs, queue_url(ours.program), {Role.FACULTY})


def test_faculty_completion_stats(ours):
    faculty = _faculty(ours)
    today = ours.program.today()
    now = timezone.now()
    for days in (1, 3, 8):
        assessment = AssessmentFactory(program=ours.program, assessor=faculty)
        Assessment.objects.filter(pk=assessment.pk).update(
            status="signed",
            signed_at=now,
            created_at=now - datetime.timedelta(days=days),
        )
    old = AssessmentFactory(program=ours.program, assessor=faculty)  # signed two years ago
    Assessment.objects.filter(pk=old.pk).update(
        status="signed", signed_at=now - datetime.timedelta(days=800)
    )
    AssessmentFactory(
        program=ours.program, assessor=faculty, due_date=today - datetime.timedelta(1)
    )
    AssessmentFactory(
        program=ours.program, assessor=faculty, due_date=today + datetime.timedelta(1)
    )
    AssessmentFactory(program=ours.program, due_date=today - datetime.timedelta(5))  # not theirs
    ProcedureLogEntryFactory(
        program=ours.program, status="verified", verified_by=ours.faculty, verified_at=now
    )
    ProcedureLogEntryFactory(program=ours.program, status="pending")
    stats = faculty_completion_stats(user=ours.faculty, program=ours.program, today=today)
    assert (stats.signed, stats.median_days_to_sign, stats.overdue) == (3, 3.0, 1)
    assert stats.procedures_verified == 1


def test_faculty_queue_shows_completion_stats_in_a_fixed_number_of_queries(client, ours):
    faculty = _faculty(ours)
    client.force_login(ours.faculty)

    def add_overdue(n):
        for _ in range(n):
            AssessmentFactory(
                program=ours.program,
                assessor=faculty,
                due_date=ours.program.today() - datetime.timedelta(2),
            )

    responses = []
    queue = lambda: responses.append(client.get(queue_url(ours.program)))  # noqa: E731
    assert_constant_queries(queue, add_overdue, sizes=(1, 9))
    assert responses[-1].context["completion"].overdue == 9
    assert "My completion record" in responses[-1].content.decode()
