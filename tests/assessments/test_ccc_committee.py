"""A CCC that is a committee (issue 16, item 3): named members and a quorum, meetings with who
was present, levels finalised only after a meeting with a quorum, and who took part recorded."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments.models import CommitteeMeeting, CompetencyCommittee
from assessments.services.ccc import ccc_review_finalise
from assessments.services.committee import committee_meeting_record, committee_update
from audit.models import AuditEvent
from curriculum.models import Membership
from tests.accounts.factories import PASSWORD, UserFactory
from tests.assessments.test_ccc_factories import all_levels, ccc_setup
from tests.curriculum.factories import MembershipFactory

Role = Membership.Role


def teaching(people, extra: int = 0) -> list[Membership]:
    """The program's director and faculty member, and ``extra`` more faculty."""
    for _ in range(extra):
        MembershipFactory(program=people.program, user=UserFactory(), role=Role.FACULTY)
    return list(
        Membership.objects.filter(program=people.program, role__in=Membership.TEACHING_ROLES)
    )


@pytest.fixture
def ccc(ours):
    ccc = ccc_setup(ours)
    CommitteeMeeting.objects.all().delete()  # each test holds its own meetings
    CompetencyCommittee.objects.all().delete()
    from assessments.services.ccc import ccc_levels_record

    ccc_levels_record(actor=ours.director, review=ccc.review, levels=all_levels(ccc))
    return ccc


def test_the_default_quorum_is_the_acgmes_three(ours):
    assert CompetencyCommittee(program=ours.program).quorum == 3


def test_the_director_names_the_committee_and_it_is_audited(ours):
    members = teaching(ours, extra=1)
    committee = committee_update(
        actor=ours.director, program=ours.program, members=members, quorum=3
    )
    assert set(committee.members.all()) == set(members) and committee.quorum == 3
    event = AuditEvent.objects.get(action="ccc_committee.update")
    assert event.changes == {"members": [[], sorted(m.pk for m in members)]}


def test_the_quorum_cannot_exceed_the_committee_and_fellows_cannot_sit(ours):
    with pytest.raises(ValidationError):
        committee_update(
            actor=ours.director, program=ours.program, members=teaching(ours), quorum=3
        )
    fellow = Membership.objects.get(program=ours.program, role=Role.FELLOW, user=ours.fellow)
    with pytest.raises(ValidationError):
        committee_update(
            actor=ours.director, program=ours.program, members=[*teaching(ours), fellow], quorum=1
        )
    assert not CompetencyCommittee.objects.exists()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FACULTY, Role.FELLOW])
def test_only_the_director_appoints(ours, role):
    with pytest.raises(PermissionDenied):
        committee_update(actor=ours.user(role), program=ours.program, members=[], quorum=1)


def test_finalising_needs_a_committee_a_meeting_and_a_quorum(ccc):
    people = ccc.people
    with pytest.raises(ValidationError, match="Name the program's Clinical Competency"):
        ccc_review_finalise(actor=people.director, review=ccc.review, password=PASSWORD)
    members = teaching(people, extra=1)
    committee_update(actor=people.director, program=people.program, members=members, quorum=3)
    with pytest.raises(ValidationError, match="Record the committee meeting"):
        ccc_review_finalise(actor=people.director, review=ccc.review, password=PASSWORD)
    day = datetime.date(2026, 12, 1)
    committee_meeting_record(
        actor=people.coordinator, period=ccc.midyear, held_on=day, present=members[:2]
    )
    with pytest.raises(ValidationError, match="quorum is 3 members; 2 were present"):
        ccc_review_finalise(actor=people.director, review=ccc.review, password=PASSWORD)
    ccc.review.refresh_from_db()
    assert not ccc.review.is_finalised
    meeting = committee_meeting_record(
        actor=people.coordinator,
        period=ccc.midyear,
        held_on=day + datetime.timedelta(days=1),
        present=members,
        notes="All packets reviewed.",
    )
    ccc_review_finalise(actor=people.director, review=ccc.review, password=PASSWORD)
    ccc.review.refresh_from_db()
    assert ccc.review.is_finalised and ccc.review.meeting == meeting
    record = ccc.review.packet_snapshot["committee"]
    assert record["meeting"] == "2026-12-02" and record["quorum"] == 3
    assert record["present"] == sorted(m.user.display_name for m in members)


def test_only_committee_members_count_as_present(ccc):
    people = ccc.people
    members = teaching(people, extra=1)
    committee_update(actor=people.director, program=people.program, members=members, quorum=3)
    outsider = MembershipFactory(program=people.program, user=UserFactory(), role=Role.FACULTY)
    with pytest.raises(ValidationError, match="Only members of the committee"):
        committee_meeting_record(
            actor=people.coordinator,
            period=ccc.midyear,
            held_on=datetime.date(2026, 12, 1),
            present=[outsider],
        )
    assert not CommitteeMeeting.objects.exists()


def test_a_meeting_is_recorded_once_it_has_taken_place(ccc):
    people = ccc.people
    members = teaching(people, extra=1)
    committee_update(actor=people.director, program=people.program, members=members, quorum=3)
    with pytest.raises(ValidationError, match="once it has taken place"):
        committee_meeting_record(
            actor=people.director,
            period=ccc.midyear,
            held_on=people.program.today() + datetime.timedelta(days=1),
            present=members,
        )
    with pytest.raises(PermissionDenied):
        committee_meeting_record(
            actor=people.faculty,
            period=ccc.midyear,
            held_on=datetime.date(2026, 12, 1),
            present=members,
        )


def test_the_pages_show_the_committee_and_who_reviewed_the_packet(client, ccc):
    people = ccc.people
    members = teaching(people, extra=1)
    client.force_login(people.director)
    committee_url = reverse("assessments:ccc_committee", args=[people.program.pk])
    answer = client.post(committee_url, {"members": [m.pk for m in members], "quorum": 3})
    assert answer.status_code == 302
    meeting_url = reverse(
        "assessments:ccc_meeting_create", args=[people.program.pk, ccc.midyear.pk]
    )
    answer = client.post(
        meeting_url, {"held_on": "2026-12-01", "present": [members[0].pk], "notes": ""}
    )
    assert answer.status_code == 302
    period = client.get(ccc.midyear.get_absolute_url()).content.decode()
    assert "Committee meetings" in period and "no quorum" in period
    packet = client.get(ccc.review.get_absolute_url()).content.decode()
    assert "Reviewed by: " + people.director.display_name in packet
    assert "no quorum" in packet
    refused = client.post(
        reverse("assessments:ccc_finalise", args=[people.program.pk, ccc.review.pk]),
        {"password": PASSWORD},
    )
    assert "quorum is 3 members; 1 was present" in refused.content.decode()


def test_the_ads_worksheet_names_the_meeting_and_the_members_present(client, ccc):
    people = ccc.people
    members = teaching(people, extra=1)
    committee_update(actor=people.director, program=people.program, members=members, quorum=3)
    committee_meeting_record(
        actor=people.director,
        period=ccc.midyear,
        held_on=datetime.date(2026, 12, 1),
        present=members,
    )
    ccc_review_finalise(actor=people.director, review=ccc.review, password=PASSWORD)
    client.force_login(people.coordinator)
    body = client.get(
        reverse("assessments:ccc_export", args=[people.program.pk, ccc.midyear.pk])
    ).content.decode()
    header, row = body.splitlines()[:2]
    assert header.endswith("Committee meeting,Members present")
    assert "2026-12-01" in row
    assert all(m.user.display_name in row for m in members)
    page = client.get(ccc.midyear.get_absolute_url()).content.decode()
    assert "worksheet for entering the levels" in page and "no public upload" in page
