"""The program's Clinical Competency Committee as a committee: its named members and quorum,
and its meetings (date, members present, notes). Levels are agreed at a meeting, so finalising a
review (``ccc.ccc_review_finalise``) names the meeting and checks that a quorum of members was
present.

Source: ACGME Common Program Requirements, section V.A.3 (the Clinical Competency Committee is
appointed by the program director and has at least three members of the program faculty). The
quorum is that minimum by default and a program setting.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.services import audit_record
from curriculum.models import Membership, Program

from ..models import CommitteeMeeting, CompetencyCommittee, ReviewPeriod
from ..permissions import can_manage_ccc, can_manage_committee

NOTES_MAX_LENGTH = 4000


def committee_for(program: Program) -> CompetencyCommittee:
    """The program's committee; an unsaved one (no members, the default quorum) if none yet."""
    return CompetencyCommittee.objects.filter(program=program).first() or CompetencyCommittee(
        program=program
    )


def _eligible(program: Program, members) -> list[Membership]:
    members = list(members)
    wrong = [
        m
        for m in members
        if m.program_id != program.pk or not m.is_active or m.role not in Membership.TEACHING_ROLES
    ]
    if wrong:
        raise ValidationError(
            {"members": "Committee members are active faculty or the director of the program."}
        )
    return members


@transaction.atomic
def committee_update(*, actor, program: Program, members, quorum: int) -> CompetencyCommittee:
    """The director names the committee and its quorum (at least ``quorum`` members present)."""
    if not can_manage_committee(actor, program):
        raise PermissionDenied("Only the program director appoints the committee.")
    members = _eligible(program, members)
    if len(members) < quorum:
        raise ValidationError(
            {"members": f"Name at least {quorum} members: the quorum cannot exceed the committee."}
        )
    committee, _ = CompetencyCommittee.objects.select_for_update().get_or_create(program=program)
    before = {
        "quorum": committee.quorum,
        "members": sorted(committee.members.values_list("pk", flat=True)),
    }
    committee.quorum = quorum
    committee.full_clean()
    committee.save()
    committee.members.set(members)
    after = {"quorum": quorum, "members": sorted(m.pk for m in members)}
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        audit_record(actor=actor, action="ccc_committee.update", obj=committee, changes=changes)
    return committee


@transaction.atomic
def committee_meeting_record(
    *,
    actor,
    period: ReviewPeriod,
    held_on: datetime.date,
    present,
    notes: str = "",
) -> CommitteeMeeting:
    """The director or coordinator records a meeting of the committee for a review period: the
    date, which members were present (only committee members count), and notes."""
    program = period.program
    if not can_manage_ccc(actor, program):
        raise PermissionDenied("Only the director or coordinator records committee meetings.")
    committee = committee_for(program)
    if committee.pk is None:
        raise ValidationError("Name the program's Clinical Competency Committee first.")
    present = list(present)
    members = set(committee.members.values_list("pk", flat=True))
    if any(m.pk not in members for m in present):
        raise ValidationError({"present": "Only members of the committee can be marked present."})
    if not present:
        raise ValidationError({"present": "Mark who was present."})
    if held_on > program.today():
        raise ValidationError({"held_on": "Record a meeting once it has taken place."})
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX_LENGTH:
        raise ValidationError(
            {"notes": f"Keep the notes to {NOTES_MAX_LENGTH} characters or fewer."}
        )
    meeting = CommitteeMeeting(period=period, held_on=held_on, notes=notes, recorded_by=actor)
    meeting.full_clean()
    meeting.save()
    meeting.present.set(present)
    audit_record(
        actor=actor,
        action="ccc_meeting.record",
        obj=meeting,
        program=program,
        changes={"held_on": [None, held_on.isoformat()], "present": [None, len(present)]},
    )
    return meeting


def members_present(meeting: CommitteeMeeting, committee: CompetencyCommittee) -> list[str]:
    """The names of the committee's members present at ``meeting``, sorted: only members count
    towards the quorum (someone present who has since left the committee does not)."""
    members = set(committee.members.values_list("pk", flat=True)) if committee.pk else set()
    return sorted(m.user.display_name for m in meeting.present.all() if m.pk in members)


def quorum_problem(meeting: CommitteeMeeting, committee: CompetencyCommittee) -> str:
    """Why levels agreed at ``meeting`` cannot be finalised (no quorum), or ""."""
    present = len(members_present(meeting, committee))
    if present < committee.quorum:
        return (
            f"The committee's quorum is {committee.quorum} members; {present} "
            f"{'was' if present == 1 else 'were'} present at the meeting of "
            f"{meeting.held_on:%b} {meeting.held_on.day}, {meeting.held_on.year}."
        )
    return ""
