import pytest
from django.urls import reverse

from assessments.services.ccc import ccc_packets_assemble
from portfolio.models import LearningPlan, ScholarlyActivity
from tests.assessments.test_ccc_factories import ccc_setup, member
from tests.conftest import assert_constant_queries
from tests.curriculum.factories import MembershipFactory
from tests.portfolio.factories import ScholarlyActivityFactory, plan_setup

pytestmark = pytest.mark.django_db


def url(name, people, **kwargs):
    return reverse(f"portfolio:{name}", kwargs={"program_id": people.program.pk, **kwargs})


def _formset_data(plan, rows, extra=()):
    """POST data of the goals formset: ``rows`` as the page shows them, ``extra`` new rows."""
    forms = [*rows, *extra]
    data = {
        "goals-TOTAL_FORMS": str(len(forms)),
        "goals-INITIAL_FORMS": str(len(rows)),
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "30",
    }
    for index, row in enumerate(forms):
        for name, value in row.items():
            data[f"goals-{index}-{name}"] = value
    return data


def _rows(plan):
    return [
        {
            "id": goal.pk,
            "subcompetency": goal.subcompetency_id,
            "goal": goal.goal,
            "actions": goal.actions,
            "due_on": goal.due_on.isoformat(),
            "status": goal.status,
        }
        for goal in plan.goals.order_by("order", "pk")
    ]


def test_the_director_starts_a_plan_from_a_review(client, ours):
    ccc = ccc_setup(ours)
    client.force_login(ours.director)
    page = client.get(url("plan_list", ours))
    create = url("plan_create", ours, review_id=ccc.review.pk)
    assert create in page.content.decode()
    response = client.post(create, {"mentor": member(ours, "faculty").pk})
    plan = LearningPlan.objects.get()
    assert response.url == url("plan_edit", ours, pf_plan_id=plan.pk)
    assert plan.mentor.user == ours.faculty
    again = client.get(create)
    assert again.status_code == 302 and again.url == plan.get_absolute_url()


def test_a_goal_text_edit_after_agreement_clears_it_and_says_so(client, ours):
    _ccc, plan = plan_setup(ours)
    client.force_login(ours.fellow)
    client.post(url("plan_acknowledge", ours, pf_plan_id=plan.pk))
    client.force_login(ours.director)
    client.post(url("plan_acknowledge", ours, pf_plan_id=plan.pk))
    plan.refresh_from_db()
    assert plan.is_acknowledged
    edit = client.get(url("plan_edit", ours, pf_plan_id=plan.pk))
    assert "clears both acknowledgements" in edit.content.decode()
    rows = _rows(plan)
    rows[0]["goal"] = "A sharper goal"
    response = client.post(url("plan_edit", ours, pf_plan_id=plan.pk), _formset_data(plan, rows))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert not plan.is_acknowledged and plan.goals.filter(goal="A sharper goal").exists()


def test_the_fellow_adds_a_goal_and_records_progress(client, ours):
    ccc, plan = plan_setup(ours, goals=1)
    client.force_login(ours.fellow)
    new = {
        "subcompetency": ccc.subs[2].pk,
        "goal": "Present at journal club",
        "actions": "",
        "due_on": "2027-04-01",
        "status": "open",
    }
    response = client.post(
        url("plan_edit", ours, pf_plan_id=plan.pk), _formset_data(plan, _rows(plan), [new])
    )
    assert response.status_code == 302 and plan.goals.count() == 2
    goal = plan.goals.get(goal="Present at journal club")
    prefix = f"goal{goal.pk}"
    response = client.post(
        url("goal_progress", ours, pf_goal_id=goal.pk),
        {f"{prefix}-status": "achieved", f"{prefix}-progress": "Presented in March"},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == "achieved" and goal.progress == "Presented in March"


def test_a_refused_goal_edit_saves_nothing_and_explains(client, ours):
    _ccc, plan = plan_setup(ours)
    client.force_login(ours.director)
    rows = _rows(plan)
    rows[0]["goal"] = "Changed"
    rows[1]["due_on"] = "not a date"
    response = client.post(url("plan_edit", ours, pf_plan_id=plan.pk), _formset_data(plan, rows))
    assert response.status_code == 200 and "Enter a valid date" in response.content.decode()
    assert not plan.goals.filter(goal="Changed").exists()


def test_my_plan_explains_when_there_is_none_and_shows_it_when_there_is(client, ours):
    client.force_login(ours.fellow)
    empty = client.get(url("my_plan", ours)).content.decode()
    assert "director starts the plan with you after your CCC review" in empty
    plan_setup(ours)
    page = client.get(url("my_plan", ours)).content.decode()
    assert "My learning plan" in page and "Goal number 1" in page and "I agree to this plan" in page


def test_another_fellow_and_faculty_get_404(client, ours):
    _ccc, plan = plan_setup(ours, mentor=True)
    for role in ("fellow", "faculty"):
        client.force_login(MembershipFactory(program=ours.program, role=role).user)
        assert client.get(url("plan_detail", ours, pf_plan_id=plan.pk)).status_code == 404
    client.force_login(ours.faculty)  # the mentor
    assert client.get(url("plan_detail", ours, pf_plan_id=plan.pk)).status_code == 200


def test_the_plan_list_takes_fixed_queries(client, ours):
    plan_setup(ours)
    client.force_login(ours.director)

    def grow(n):
        for _ in range(n):
            MembershipFactory(program=ours.program, role="fellow")

    assert_constant_queries(lambda: client.get(url("plan_list", ours)), grow)


def test_the_packet_page_shows_the_previous_plan(client, ours):
    ccc, _plan = plan_setup(ours)
    [review] = ccc_packets_assemble(actor=ours.director, period=ccc.year_end)
    ScholarlyActivityFactory(fellow=ccc.fellow, title="Poster on genicular ablation")
    client.force_login(ours.director)
    page = client.get(
        reverse(
            "assessments:ccc_packet", kwargs={"program_id": ours.program.pk, "review_id": review.pk}
        )
    ).content.decode()
    assert "Learning plan since the last review" in page and "Goal number 1" in page
    assert "Poster on genicular ablation" in page


# --- Scholarly activity -----------------------------------------------------------------------


def test_a_fellow_adds_edits_and_deletes_an_activity(client, ours):
    client.force_login(ours.fellow)
    data = {
        "kind": "qi",
        "title": "Naloxone co-prescribing",
        "role": "lead",
        "status": "in_progress",
        "started_on": "2026-09-01",
        "completed_on": "",
        "link": "",
        "pmid": "",
        "aims": "",
        "venue": "",
        "notes": "",
    }
    refused = client.post(url("scholarly_create", ours), data)
    assert refused.status_code == 200 and "aim statement" in refused.content.decode()
    assert not ScholarlyActivity.objects.exists()
    data["aims"] = "Naloxone for 90% of eligible patients by June 2027."
    assert client.post(url("scholarly_create", ours), data).status_code == 302
    activity = ScholarlyActivity.objects.get()
    listing = client.get(url("my_scholarly", ours)).content.decode()
    assert "Naloxone co-prescribing" in listing
    data["status"] = "completed"
    client.post(url("scholarly_edit", ours, pf_activity_id=activity.pk), data)
    activity.refresh_from_db()
    assert activity.status == "completed"
    client.post(url("scholarly_delete", ours, pf_activity_id=activity.pk))
    assert not ScholarlyActivity.objects.exists()


def test_the_cohort_list_filters_paginates_and_exports(client, ours, theirs):
    fellow = member(ours, "fellow")
    ScholarlyActivityFactory(fellow=fellow, title="Poster A")
    ScholarlyActivityFactory(fellow=fellow, kind="grant", title="Grant B", role="co_investigator")
    ScholarlyActivityFactory(fellow=member(theirs, "fellow"), title="Not ours")
    client.force_login(ours.coordinator)
    page = client.get(url("cohort_scholarly", ours)).content.decode()
    assert "Poster A" in page and "Grant B" in page and "Not ours" not in page
    filtered = client.get(url("cohort_scholarly", ours), {"kind": "grant"}).content.decode()
    assert "Grant B" in filtered and "Poster A" not in filtered
    export = client.get(url("scholarly_export", ours), {"kind": "grant"})
    body = b"".join(export.streaming_content) if export.streaming else export.content
    text = body.decode("utf-8-sig")
    assert "Grant B" in text and "Poster A" not in text and text.startswith("Fellow,")

    def grow(n):
        for _ in range(n):
            ScholarlyActivityFactory(fellow=MembershipFactory(program=ours.program))

    assert_constant_queries(lambda: client.get(url("cohort_scholarly", ours)), grow)
    assert_constant_queries(lambda: client.get(url("my_scholarly", ours)), grow)


def test_cohort_filter_by_cohort(client, ours):
    ccc = ccc_setup(ours)
    ScholarlyActivityFactory(fellow=ccc.fellow, title="In the cohort")
    ScholarlyActivityFactory(fellow=MembershipFactory(program=ours.program), title="Outside")
    client.force_login(ours.director)
    page = client.get(url("cohort_scholarly", ours), {"cohort": ccc.cohort.pk}).content.decode()
    assert "In the cohort" in page and "Outside" not in page


def test_paging_the_cohort_list_keeps_its_filters(client, ours):
    fellow = member(ours, "fellow")
    for n in range(27):  # PAGE_SIZE is 25: two pages of grants
        ScholarlyActivityFactory(
            fellow=fellow, kind="grant", title=f"Grant {n}", role="co_investigator"
        )
    client.force_login(ours.coordinator)
    page = client.get(url("cohort_scholarly", ours), {"kind": "grant"}).content.decode()
    assert 'href="?kind=grant&amp;page=2"' in page
    second = client.get(url("cohort_scholarly", ours), {"kind": "grant", "page": "2"})
    assert second.context["page"].number == 2 and len(second.context["page"].object_list) == 2
