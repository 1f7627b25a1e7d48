"""What the assessment workflow tells people when work lands on them (``core.notices``): the
assessor of a new request or a returned draft, the fellow of a signed, declined or expired
request, the committee of packets waiting for levels. Called inside the service's transaction.
"""

from core.notices import Notice, NoticeKind, notify, occurrence_key
from curriculum.models import Membership

from .models import Assessment, ReviewPeriod

Kind = NoticeKind


def _about(assessment: Assessment, recipient_id: int, kind: NoticeKind, subject: str, key: str):
    return Notice(
        program_id=assessment.program_id,
        recipient_id=recipient_id,
        kind=kind,
        object_type="assessment",
        object_id=assessment.pk,
        subject=subject,
        url_path=assessment.get_absolute_url(),
        key=key,
    )


def _names(assessment: Assessment) -> tuple[str, str, str]:
    return (
        assessment.template.name,
        assessment.fellow.user.display_name,
        assessment.assessor.user.display_name,
    )


def request_made(assessment: Assessment) -> None:
    if assessment.assessor_id == assessment.fellow_id:  # a self-assessment: nobody else waits
        return
    form, fellow, _ = _names(assessment)
    notify(
        [
            _about(
                assessment,
                assessment.assessor.user_id,
                Kind.ASSESSMENT_REQUESTED,
                f"{fellow} asks you for an assessment: {form}",
                "requested",
            )
        ]
    )


def returned(assessment: Assessment) -> None:
    """The assessor has work again; the fellow hears why their assessment is delayed."""
    form, fellow, assessor = _names(assessment)
    key = occurrence_key()
    notify(
        [
            _about(
                assessment,
                assessment.assessor.user_id,
                Kind.ASSESSMENT_RETURNED,
                f"Returned for changes: {form} for {fellow}",
                key,
            ),
            _about(
                assessment,
                assessment.fellow.user_id,
                Kind.ASSESSMENT_RETURNED,
                f"Your {form} went back to {assessor} for changes",
                key,
            ),
        ]
    )


def signed(assessment: Assessment) -> None:
    if assessment.assessor_id == assessment.fellow_id:
        return
    form, _, assessor = _names(assessment)
    notify(
        [
            _about(
                assessment,
                assessment.fellow.user_id,
                Kind.ASSESSMENT_SIGNED,
                f"{assessor} signed your {form}: read and acknowledge it",
                occurrence_key(),
            )
        ]
    )


def declined(assessment: Assessment) -> None:
    form, _, assessor = _names(assessment)
    notify(
        [
            _about(
                assessment,
                assessment.fellow.user_id,
                Kind.REQUEST_DECLINED,
                f"{assessor} declined your request: {form}",
                "declined",
            )
        ]
    )


def expired(assessments: list[Assessment]) -> None:
    notices = []
    for assessment in assessments:
        form, fellow, assessor = _names(assessment)
        notices += [
            _about(
                assessment,
                assessment.fellow.user_id,
                Kind.REQUEST_EXPIRED,
                f"Your request to {assessor} expired unanswered: {form}",
                "expired",
            ),
            _about(
                assessment,
                assessment.assessor.user_id,
                Kind.REQUEST_EXPIRED,
                f"{fellow}'s request expired unanswered: {form}",
                "expired",
            ),
        ]
    notify(notices)


def packets_waiting(period: ReviewPeriod, count: int) -> None:
    """Every committee member (director and faculty) hears the packets are ready for levels."""
    members = Membership.objects.filter(
        program_id=period.program_id,
        role__in=Membership.TEACHING_ROLES,
        is_active=True,
        user__is_active=True,
    ).values_list("user_id", flat=True)
    subject = (
        f"{period}: {count} packet{'s' if count != 1 else ''} waiting for the committee's levels"
    )
    notify(
        Notice(
            program_id=period.program_id,
            recipient_id=user_id,
            kind=Kind.PACKET_WAITING,
            object_type="review_period",
            object_id=period.pk,
            subject=subject,
            url_path=period.get_absolute_url(),
            key=occurrence_key(),
        )
        for user_id in set(members)
    )
