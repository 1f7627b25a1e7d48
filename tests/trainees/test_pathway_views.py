"""The director and coordinator record a fellow's pathway and enrolment status in the browser."""

from trainees.models import Enrolment, MedicalEducation, Residency

PATHWAY = {
    "degree": "md",
    "school": "University of Michigan Medical School",
    "country": "United States",
    "graduation_year": 2018,
    "specialty": "anesthesiology",
    "program_name": "Northwestern Anesthesiology",
    "completion_year": 2026,
    "board_status": "eligible",
}


def pathway_url(ours, enrolment) -> str:
    return f"/programs/{ours.program.pk}/fellows/{enrolment.membership_id}/pathway/"


def status_url(ours, enrolment) -> str:
    return f"/programs/{ours.program.pk}/enrolments/{enrolment.pk}/status/"


def test_pathway_and_status_pages_are_for_staff_only(client, ours, theirs, enrolment):
    for url in (pathway_url(ours, enrolment), status_url(ours, enrolment)):
        for user in (ours.faculty, ours.fellow, enrolment.membership.user, theirs.director):
            client.force_login(user)
            assert client.get(url).status_code == 404, (url, user)
            assert client.post(url, PATHWAY | {"status": "withdrawn"}).status_code == 404
        client.force_login(ours.coordinator)
        assert client.get(url).status_code == 200
    assert not MedicalEducation.objects.exists()
    assert Enrolment.objects.get().status == "active"


def test_pathway_is_saved_together_or_not_at_all(client, ours, enrolment):
    client.force_login(ours.director)
    bad = client.post(pathway_url(ours, enrolment), PATHWAY | {"completion_year": 1800})
    assert bad.status_code == 200 and "greater than or equal to 1950" in bad.content.decode()
    assert not MedicalEducation.objects.exists() and not Residency.objects.exists()

    good = client.post(pathway_url(ours, enrolment), PATHWAY)
    assert good.status_code == 302
    assert Residency.objects.get(membership=enrolment.membership).specialty == "anesthesiology"
    edit = client.get(pathway_url(ours, enrolment)).content.decode()
    assert "Northwestern Anesthesiology" in edit  # the form opens with what is recorded


def test_leave_of_absence_is_a_status_its_dates_are_periods(client, ours, enrolment):
    client.force_login(ours.coordinator)
    response = client.post(status_url(ours, enrolment), {"status": "leave"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    # the status alone moves nothing: leave periods do (tests/trainees/test_leave_periods.py)
    assert enrolment.status == "leave" and enrolment.expected_end_date.isoformat() == "2027-06-30"
