"""CCC pages: the access matrix of every view, what a fellow may see, recording levels,
finalising, the ACGME export, query counts and the trajectory's CCC column."""

import csv
import datetime
import io
from functools import partial

import pytest
from django.urls import reverse

from assessments.models import CCCReview, CommitteeMeeting, ConsensusLevel, ReviewPeriod, Signature
from assessments.services.ccc import ccc_levels_record
from tests.accounts.factories import PASSWORD
from tests.assessments.test_ccc_factories import (
    all_levels,
    ccc_setup,
    finalise,
    signed_assessment,
    template,
)
from tests.conftest import assert_constant_queries, page_ok
from tests.role_pages import assert_role_page_access
from tests.trainees.factories import EnrolmentFactory

D = datetime.date
COMMITTEE = {"director", "coordinator", "faculty"}
MANAGERS = {"director", "coordinator"}


@pytest.fixture
def ccc(ours):
    return ccc_setup(ours)


def url(ccc, name: str) -> str:
    base = f"/programs/{ccc.people.program.pk}/ccc/"
    return {
        "list": base + "periods/",
        "period": base + f"periods/{ccc.midyear.pk}/",
        "edit": base + f"periods/{ccc.midyear.pk}/edit/",
        "export": base + f"periods/{ccc.midyear.pk}/export.csv",
        "packet": base + f"reviews/{getattr(ccc.review, 'pk', 0)}/",
        "summative": f"/programs/{ccc.people.program.pk}/fellows/{ccc.fellow.pk}/summative/",
    }[name]


# --- Access matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "allowed"),
    [
        ("list", COMMITTEE),
        ("period", COMMITTEE),
        ("edit", MANAGERS),
        ("export", MANAGERS),
        ("packet", COMMITTEE),  # a draft: never the fellow
    ],
)
def test_access_matrix(client, ccc, theirs, page, allowed):
    ccc_setup(theirs)  # the other program has its own, so a 404 is about scope, not absence
    assert_role_page_access(client, ccc.people, theirs, url(ccc, page), allowed)


def test_fellow_sees_their_packet_only_once_finalised(client, ccc, theirs):
    finalise(ccc)
    assert_role_page_access(client, ccc.people, theirs, url(ccc, "packet"), COMMITTEE | {"fellow"})


def test_another_fellow_never_sees_a_finalised_packet(client, ccc):
    other = EnrolmentFactory(cohort=ccc.cohort, membership__program=ccc.people.program)
    finalise(ccc)
    client.force_login(other.membership.user)
    assert client.get(url(ccc, "packet")).status_code == 404


def test_urls_resolve_by_name(ccc):
    from django.urls import reverse

    program_id = ccc.people.program.pk
    assert reverse("assessments:ccc_period_list", args=[program_id]) == url(ccc, "list")
    assert reverse("assessments:ccc_period_detail", args=[program_id, ccc.midyear.pk]) == url(
        ccc, "period"
    )
    assert reverse("assessments:ccc_packet", args=[program_id, ccc.review.pk]) == url(ccc, "packet")
    assert reverse("assessments:ccc_export", args=[program_id, ccc.midyear.pk]) == url(
        ccc, "export"
    )
    assert reverse("assessments:summative_detail", args=[program_id, ccc.fellow.pk]) == url(
        ccc, "summative"
    )


# --- Periods and assembling ----------------------------------------------------------------------


def test_coordinator_creates_periods_and_assembles_from_the_pages(client, ours):
    ccc = ccc_setup(ours, assemble=False)
    CommitteeMeeting.objects.all().delete()
    ReviewPeriod.objects.all().delete()
    client.force_login(ours.coordinator)
    response = client.post(url(ccc, "list"), {"academic_year": ccc.year.pk}, follow=True)
    assert (
        "Created the mid-year review, year-end review for 2026-2027." in response.content.decode()
    )
    period = ReviewPeriod.objects.get(kind="midyear")
    base = f"/programs/{ours.program.pk}/ccc/periods/{period.pk}/"
    response = client.post(base + "assemble/", follow=True)
    assert "Assembled 1 draft packet(s)." in response.content.decode()
    response = client.post(base + "assemble/", follow=True)
    assert "already has a packet" in response.content.decode()
    assert CCCReview.objects.count() == 1


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_faculty_and_fellow_cannot_create_or_assemble(client, ours, role):
    ccc = ccc_setup(ours, assemble=False)
    client.force_login(ours.user(role))
    assert client.post(url(ccc, "list"), {"academic_year": ccc.year.pk}).status_code == 404
    assert client.post(url(ccc, "period") + "assemble/").status_code == 404
    assert not CCCReview.objects.exists()


def test_edit_dates_shows_the_service_error(client, ccc):
    client.force_login(ccc.people.director)
    response = client.post(
        url(ccc, "edit"), {"starts_on": "2026-06-01", "ends_on": "2026-12-31", "meeting_date": ""}
    )
    assert response.status_code == 200
    assert "must fall within the academic year" in response.content.decode()


# --- The packet ----------------------------------------------------------------------------------


def _form_data(ccc, **overrides):
    data = {f"level_{sub_id}": value for sub_id, value in all_levels(ccc, **overrides).items()}
    data["committee_notes"] = "Agreed at the January meeting."
    return data


def test_faculty_records_every_level_in_one_form(client, ccc):
    client.force_login(ccc.people.faculty)
    response = client.post(url(ccc, "packet"), _form_data(ccc, PC4="3.5", ICS1="na"))
    assert response.status_code == 302
    assert ConsensusLevel.objects.filter(review=ccc.review).count() == len(ccc.subs)
    assert ConsensusLevel.objects.get(subcompetency=ccc.sub("ICS1")).not_assessable


def test_a_bad_value_is_shown_and_nothing_is_saved(client, ccc):
    client.force_login(ccc.people.director)
    response = client.post(url(ccc, "packet"), _form_data(ccc, PC4="6.0"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ConsensusLevel.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "fellow"])
def test_coordinator_and_fellow_cannot_post_levels(client, ccc, role):
    client.force_login(ccc.people.user(role))
    assert client.post(url(ccc, "packet"), _form_data(ccc)).status_code == 404
    assert not ConsensusLevel.objects.exists()


def test_coordinator_sees_the_packet_without_forms(client, ccc):
    client.force_login(ccc.people.coordinator)
    page = client.get(url(ccc, "packet")).content.decode()
    assert "Print" in page and "css/print.css" in page and 'media="print"' in page
    assert "consensus-form" not in page and "Finalise and sign" not in page


def test_director_finalises_with_password(client, ccc):
    ccc_levels_record(actor=ccc.people.director, review=ccc.review, levels=all_levels(ccc))
    client.force_login(ccc.people.director)
    finalise_url = url(ccc, "packet") + "finalise/"
    response = client.post(finalise_url, {"password": "wrong"})
    assert response.status_code == 200 and "That password is not correct." in (
        response.content.decode()
    )
    assert not Signature.objects.exists()
    response = client.post(finalise_url, {"password": PASSWORD}, follow=True)
    assert "Finalised and signed" in response.content.decode()
    assert Signature.objects.filter(ccc_review=ccc.review).count() == 1
    # A double submit is told, and signs nothing more.
    response = client.post(finalise_url, {"password": PASSWORD}, follow=True)
    assert "already finalised" in response.content.decode()
    assert Signature.objects.filter(ccc_review=ccc.review).count() == 1


@pytest.mark.parametrize("role", ["faculty", "coordinator", "fellow"])
def test_only_the_director_may_post_finalise(client, ccc, role):
    ccc_levels_record(actor=ccc.people.director, review=ccc.review, levels=all_levels(ccc))
    client.force_login(ccc.people.user(role))
    response = client.post(url(ccc, "packet") + "finalise/", {"password": PASSWORD})
    assert response.status_code == 404
    assert not Signature.objects.exists()


def test_finalised_packet_shows_levels_and_is_read_only(client, ccc):
    finalise(ccc, PC4="3.5")
    client.force_login(ccc.people.fellow)
    page = client.get(url(ccc, "packet")).content.decode()
    assert "<strong>3.5</strong>" in page
    assert "Strong mid-year progress." in page
    assert "consensus-form" not in page and "Finalise and sign" not in page
    client.force_login(ccc.people.faculty)
    assert client.post(url(ccc, "packet"), _form_data(ccc, PC4="5.0")).status_code == 404


def test_packet_query_count_does_not_grow_with_assessments(client, ccc):
    tpl = template(ccc)
    signed_assessment(ccc, tpl, D(2026, 8, 1), {"PC1": "2.0", "PC4": "2.5"})
    days = iter(range(2, 14))

    def add_assessments(n):
        for _ in range(n):
            signed_assessment(ccc, tpl, D(2026, 9, next(days)), {"PC1": "3.0", "PC4": "3.5"})

    client.force_login(ccc.people.director)
    packet = partial(page_ok, client, url(ccc, "packet"))
    assert_constant_queries(packet, add_assessments, sizes=(0, 12))


def test_period_pages_query_counts_do_not_grow_with_fellows(client, ccc):
    client.force_login(ccc.people.coordinator)

    def add_reviews(n):
        for _ in range(n):
            enrolment = EnrolmentFactory(cohort=ccc.cohort, membership__program=ccc.people.program)
            CCCReview.objects.create(period=ccc.midyear, fellow=enrolment.membership)
        if n:
            finalise(ccc)

    pages = {page: partial(page_ok, client, url(ccc, page)) for page in ("period", "list")}
    assert_constant_queries(pages, add_reviews, sizes=(0, 5))

    def finalise_drafts(n):
        for review in list(CCCReview.objects.filter(status="draft"))[:n]:
            finalise(ccc, review=review)

    export = partial(page_ok, client, url(ccc, "export"))
    assert_constant_queries(export, finalise_drafts, sizes=(0, 2))


# --- Export --------------------------------------------------------------------------------------


def test_export_lays_out_finalised_levels_for_the_acgme(client, ccc):
    fellow_user = ccc.fellow.user
    fellow_user.full_name = "Dr. Ana María García"
    fellow_user.save()
    draft = EnrolmentFactory(cohort=ccc.cohort, membership__program=ccc.people.program)
    CCCReview.objects.create(period=ccc.midyear, fellow=draft.membership)
    finalise(ccc, PC4="3.5", ICS3="na")
    client.force_login(ccc.people.coordinator)
    response = client.get(url(ccc, "export"))
    assert response["Content-Type"].startswith("text/csv")
    assert "ccc-levels-2026-2027-midyear.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Last name", "First name", "Email", "Program year"]
    assert rows[0][4:-2] == [sub.code for sub in ccc.subs]
    assert rows[0][-2:] == ["Committee meeting", "Members present"]
    assert rows[0][4:7] == ["PC1", "PC2", "PC3"]
    assert len(rows) == 2  # the draft is left out
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["Last name"], row["First name"], row["Program year"]) == (
        "García",
        "Ana María",
        "1",
    )
    assert row["Email"] == fellow_user.email
    assert (row["PC4"], row["ICS3"], row["PC1"]) == ("3.5", "Not Yet Assessable", "3.0")
    # The period page counts the drafts left out.
    page = client.get(url(ccc, "period")).content.decode()
    assert "1 draft review is not in the export" in page


def test_export_cells_are_spreadsheet_safe(client, ccc):
    user = ccc.fellow.user
    user.full_name = "=HYPERLINK(1) Evil"
    user.save()
    finalise(ccc)
    client.force_login(ccc.people.director)
    rows = list(csv.reader(io.StringIO(client.get(url(ccc, "export")).content.decode())))
    assert rows[1][1] == "'=HYPERLINK(1)"


# --- The fellow's milestones page ----------------------------------------------------------------


def test_trajectory_shows_the_latest_finalised_ccc_level(client, ccc):
    tpl = template(ccc)
    signed_assessment(ccc, tpl, D(2026, 8, 1), {"PC1": "2.0", "PC4": "2.5"})
    path = f"/programs/{ccc.people.program.pk}/milestones/progress/"
    client.force_login(ccc.people.fellow)
    ccc_levels_record(actor=ccc.people.director, review=ccc.review, levels=all_levels(ccc, "2.5"))
    page = client.get(path).content.decode()
    assert page.count("No CCC review yet") == 2  # a draft shows no level
    finalise(ccc, PC4="3.5", PC1="na")
    response = client.get(path)
    page = response.content.decode()
    assert f'href="{url(ccc, "packet")}">3.5</a>' in page
    assert f'href="{url(ccc, "packet")}">Not yet assessable</a>' in page
    assert "No CCC review yet" not in page
    # Subcompetencies only the committee scored appear too.
    assert {row.code for row in response.context["rows"]} == {sub.code for sub in ccc.subs}
    assert url(ccc, "summative") in page


def test_packet_shows_multi_source_objectives_and_attendance(client, ours):
    from tests.assessments.test_ccc_factories import ccc_setup
    from tests.didactics.factories import ObjectiveFactory, ProgressFactory, SeriesFactory
    from tests.evaluators.factories import EvaluationFactory, RequestFactory

    ccc = ccc_setup(ours)
    request = RequestFactory(program=ours.program, fellow=ccc.fellow)
    EvaluationFactory(
        request=request,
        narrative="Calm with anxious patients; briefs the team well.",
        submitted_on=ccc.midyear.starts_on,
    )
    objective = ObjectiveFactory(rotation__program=ours.program, text="Lead a family meeting")
    ProgressFactory(objective=objective, fellow=ccc.fellow)
    SeriesFactory(program=ours.program, name="Core lectures 2026-27")

    client.force_login(ours.director)
    page = client.get(
        reverse("assessments:ccc_packet", args=[ours.program.pk, ccc.review.pk])
    ).content.decode()
    assert "Calm with anxious patients; briefs the team well." in page
    assert objective.rotation.name in page
    assert "Core lectures 2026-27" in page
