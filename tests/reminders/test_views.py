import datetime
import re
from functools import partial

from django.core import mail

from reminders.links import link_token
from reminders.models import Kind, NotificationPreference, Reminder, ReminderSettings
from reminders.services.preferences import calendar_token_reset
from tests.assessments.factories import AssessmentFactory
from tests.conftest import assert_constant_queries, page_ok
from tests.curriculum.factories import MembershipFactory
from tests.reminders import scenario
from tests.reminders.factories import ReminderFactory
from tests.role_pages import assert_role_page_access
from trainees.models import Deadline

EVERYONE = {"director", "coordinator", "faculty", "fellow"}


def _url(people, suffix: str) -> str:
    return f"/programs/{people.program.pk}/{suffix}"


def test_member_pages_access_matrix(client, ours, theirs):
    for suffix in ("notifications/", "notifications/preferences/", "notifications/calendar/"):
        assert_role_page_access(client, ours, theirs, _url(ours, suffix), EVERYONE)


def test_staff_pages_access_matrix(client, ours, theirs):
    for suffix in ("reminders/", "reminders/settings/"):
        assert_role_page_access(
            client, ours, theirs, _url(ours, suffix), {"director", "coordinator"}
        )


def test_send_now_access(client, ours, theirs, django_capture_on_commit_callbacks):
    reminder = ReminderFactory(program=ours.program, recipient=ours.fellow)
    path = _url(ours, f"reminders/{reminder.pk}/send-now/")
    response = client.post(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for role in ("faculty", "fellow"):
        client.force_login(ours.user(role))
        assert client.post(path).status_code == 404
    client.force_login(theirs.director)
    assert client.post(path).status_code == 404
    other = ReminderFactory(program=theirs.program, recipient=theirs.fellow)
    client.force_login(ours.director)
    assert client.post(_url(ours, f"reminders/{other.pk}/send-now/")).status_code == 404
    assert client.get(path).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"show": "upcoming"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1  # the eager task ran after commit
    reminder.refresh_from_db()
    assert reminder.status == "sent"
    page = client.get(response["Location"]).content.decode()
    assert "Sending" in page


def test_send_now_refusal_is_a_message(client, ours):
    reminder = ReminderFactory(program=ours.program, recipient=ours.fellow, status="sent")
    client.force_login(ours.director)
    response = client.post(_url(ours, f"reminders/{reminder.pk}/send-now/"), follow=True)
    assert "has been emailed already" in response.content.decode()


def test_signed_link_marks_read_and_redirects_to_the_item(client, ours, theirs):
    reminder = ReminderFactory(program=ours.program, recipient=ours.faculty, url_path="/x/y/")
    token = link_token(reminder.pk)
    path = _url(ours, f"notifications/open/{token}/")
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(ours.fellow)  # not the recipient
    assert client.get(path).status_code == 404
    client.force_login(theirs.faculty)
    assert client.get(path).status_code == 404
    client.force_login(ours.faculty)
    assert client.get(_url(ours, "notifications/open/forged-token/")).status_code == 404
    assert client.get(path.replace(token, link_token(reminder.pk + 1000))).status_code == 404
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == "/x/y/"
    reminder.refresh_from_db()
    assert reminder.read_at is not None


def test_signed_link_refuses_a_path_to_another_site(client, ours):
    reminder = ReminderFactory(
        program=ours.program, recipient=ours.faculty, url_path="https://evil.example/"
    )
    client.force_login(ours.faculty)
    assert (
        client.get(_url(ours, f"notifications/open/{link_token(reminder.pk)}/")).status_code == 404
    )


def test_notification_centre_lists_own_with_unread_count_in_nav(client, ours):
    mine = ReminderFactory(program=ours.program, recipient=ours.fellow, subject="Acknowledge it")
    ReminderFactory(program=ours.program, recipient=ours.faculty, subject="Not yours")
    client.force_login(ours.fellow)
    page = client.get(_url(ours, "notifications/")).content.decode()
    assert "Acknowledge it" in page and "Not yours" not in page
    assert link_token(mine.pk) in page
    assert '1<span class="visually-hidden"> unread</span>' in page
    response = client.post(_url(ours, "notifications/read-all/"), follow=True)
    assert "Marked 1 notification read." in response.content.decode()
    assert Reminder.objects.get(pk=mine.pk).read_at is not None
    assert " unread</span>" not in response.content.decode()


def test_notification_centre_empty_state(client, ours):
    client.force_login(ours.fellow)
    assert "No notifications" in client.get(_url(ours, "notifications/")).content.decode()


def test_list_pages_query_count_does_not_grow_with_rows(client, ours):
    client.force_login(ours.director)
    ReminderFactory(program=ours.program, recipient=ours.director)
    ReminderFactory(program=ours.program, recipient=ours.fellow, status="failed")
    centre, ledger = _url(ours, "notifications/"), _url(ours, "reminders/")
    paths = (centre, ledger, f"{ledger}?show=failed")
    pages = {path: partial(page_ok, client, path) for path in paths}

    def add_reminders(n):
        for _ in range(n):
            ReminderFactory(program=ours.program, recipient=ours.director)
            ReminderFactory(
                program=ours.program,
                recipient=MembershipFactory(program=ours.program).user,
                status="failed",
            )

    assert_constant_queries(pages, add_reminders, sizes=(0, 20))


def test_director_page_shows_sent_failed_waiting_and_coming(client, ours):
    s = scenario.build(ours)
    waiting = ReminderFactory(program=ours.program, recipient=ours.faculty, subject="Waiting one")
    ReminderFactory(program=ours.program, recipient=ours.faculty, subject="Sent one", status="sent")
    ReminderFactory(
        program=ours.program, recipient=ours.fellow, subject="Failed one", status="failed"
    )
    client.force_login(ours.director)
    page = client.get(_url(ours, "reminders/")).content.decode()
    assert "Waiting one" in page and "Sent one" not in page
    assert f"/reminders/{waiting.pk}/send-now/" in page
    assert s.ccc.title in page  # coming up
    assert "Sent (1)" in page and "Failed (1)" in page
    assert "Sent one" in client.get(_url(ours, "reminders/?show=sent")).content.decode()
    assert "Failed one" in client.get(_url(ours, "reminders/?show=failed")).content.decode()
    assert client.get(_url(ours, "reminders/?show=bogus")).status_code == 404


def test_preferences_save_and_cannot_mute_mandatory_kinds(client, ours):
    client.force_login(ours.faculty)
    page = client.get(_url(ours, "notifications/preferences/")).content.decode()
    assert Kind.ESCALATION.value not in page and "always sent" in page
    response = client.post(
        _url(ours, "notifications/preferences/"),
        {"delivery": "immediate", "digest_hour": "6", "kinds": [Kind.ASSESSMENT_OVERDUE]},
    )
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=ours.faculty)
    assert pref.delivery == "immediate" and pref.digest_hour == 6
    assert Kind.ASSESSMENT_OVERDUE not in pref.muted_kinds
    assert Kind.VERIFICATION_PENDING in pref.muted_kinds
    assert Kind.ESCALATION not in pref.muted_kinds
    response = client.post(
        _url(ours, "notifications/preferences/"),
        {"delivery": "immediate", "digest_hour": "6", "kinds": [Kind.ESCALATION]},
    )
    assert (
        response.status_code == 200
        and "is not one of the available choices" in response.content.decode()
    )


def test_director_changes_program_settings(client, ours):
    client.force_login(ours.director)
    path = _url(ours, "reminders/settings/")
    data = {
        "days_before_deadline": "10",
        "escalate_after_days": "14",
        "verification_after_days": "2",
        "target_check_months": "3, 9",
    }
    assert client.post(path, data).status_code == 302
    row = ReminderSettings.objects.get(program=ours.program)
    assert (row.days_before_deadline, row.escalate_after_days, row.target_check_months) == (
        10,
        14,
        [3, 9],
    )
    response = client.post(path, data | {"target_check_months": "six"})
    assert "whole months" in response.content.decode()
    response = client.post(path, data | {"target_check_months": "40"})
    assert "between 1 and 23" in response.content.decode()
    assert ReminderSettings.objects.get(program=ours.program).target_check_months == [3, 9]


def test_calendar_feed_is_private_revocable_and_only_own_deadlines(client, ours, theirs):
    s = scenario.build(ours)
    other_fellow = MembershipFactory(program=ours.program)
    other = Deadline.objects.create(
        program=ours.program,
        academic_year=s.ccc.academic_year,
        kind=Deadline.Kind.FINAL_SUMMATIVE,
        title="Final for someone else",
        due_date=s.final.due_date,
        enrolment=scenario.EnrolmentFactory(
            cohort=s.final.enrolment.cohort, membership=other_fellow
        ),
    )
    client.force_login(ours.fellow)
    assert (
        client.post(_url(ours, "notifications/calendar/"), {"action": "reset"}).status_code == 302
    )
    page = client.get(_url(ours, "notifications/calendar/")).content.decode()
    token = re.search(r"/calendar/([\w-]+)/feed\.ics", page).group(1)
    # Shown once: the database keeps only the hash, so the next visit cannot show it again.
    assert NotificationPreference.objects.get(user=ours.fellow).calendar_token_hash != token
    assert token not in client.get(_url(ours, "notifications/calendar/")).content.decode()
    client.logout()

    response = client.get(f"/calendar/{token}/feed.ics")  # no sign-in: calendar apps have none
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert f"UID:deadline-{s.final.pk}@testserver" in body
    assert f"DTSTART;VALUE=DATE:{s.final.due_date:%Y%m%d}" in body
    assert f"deadline-{other.pk}@" not in body  # someone else's final
    assert f"deadline-{s.ccc.pk}@" not in body  # program-wide: the staff's
    assert f"assessment-{s.self_assessment.pk}@" in body  # their own self-assessment

    old = token
    calendar_token_reset(actor=ours.fellow)
    assert client.get(f"/calendar/{old}/feed.ics").status_code == 404
    client.force_login(ours.fellow)
    client.post(_url(ours, "notifications/calendar/"), {"action": "revoke"})
    assert NotificationPreference.objects.get(user=ours.fellow).calendar_token_hash == ""
    client.logout()
    assert client.get("/calendar//feed.ics").status_code == 404
    assert client.get("/calendar/not-a-token/feed.ics").status_code == 404


def test_staff_calendar_has_program_deadlines_and_faculty_their_assessments(client, ours):
    s = scenario.build(ours)
    AssessmentFactory(program=ours.program, due_date=datetime.date(2027, 1, 5))  # someone else's
    director = calendar_token_reset(actor=ours.director).calendar_token
    faculty = calendar_token_reset(actor=ours.faculty).calendar_token
    body = client.get(f"/calendar/{director}/feed.ics").content.decode()
    assert f"deadline-{s.ccc.pk}@" in body and f"deadline-{s.final.pk}@" in body
    body = client.get(f"/calendar/{faculty}/feed.ics").content.decode()
    assert f"assessment-{s.overdue.pk}@" in body and "deadline-" not in body
    assert body.count("BEGIN:VEVENT") == 2  # the overdue one and the rotation evaluation
