"""Leave of absence as dated periods: the service rules, the extension by the program's policy,
the audit trail, the pages (staff manage, the fellow reads their own) and the migration that
carried the old day counts over."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from audit.models import AuditEvent
from tests.conftest import migrate_to_latest
from trainees.leave import leave_totals
from trainees.models import Enrolment, LeavePeriod, LeavePolicy
from trainees.services.leave import (
    leave_period_add,
    leave_period_remove,
    leave_period_update,
    leave_policy_update,
)

D = datetime.date
Kind = LeavePeriod.Kind


def add(people, enrolment, start, end, kind=Kind.MEDICAL, **extra):
    return leave_period_add(
        actor=people.director, enrolment=enrolment, kind=kind, start=start, end=end, **extra
    )


def reload(enrolment) -> Enrolment:
    return Enrolment.objects.get(pk=enrolment.pk)


# --- Counting and the policy ------------------------------------------------------------------


def test_days_are_calendar_days_with_both_ends_included_and_all_extend_by_default(ours, enrolment):
    add(ours, enrolment, D(2026, 9, 1), D(2026, 9, 10))
    enrolment = reload(enrolment)
    assert enrolment.leave_days == 10 and enrolment.leave_extension_days == 10
    assert enrolment.expected_end_date == D(2027, 7, 10)  # June 30 + 10


def test_only_days_beyond_the_allowance_extend(ours, enrolment):
    leave_policy_update(
        actor=ours.director, program=ours.program, allowance_days=15, vacation_counts=True
    )
    add(ours, enrolment, D(2026, 9, 1), D(2026, 9, 10))
    assert reload(enrolment).expected_end_date == D(2027, 6, 30)  # 10 days, inside 15
    add(ours, enrolment, D(2026, 10, 1), D(2026, 10, 10), kind=Kind.PARENTAL)
    enrolment = reload(enrolment)
    assert enrolment.leave_days == 20 and enrolment.leave_extension_days == 5
    assert enrolment.expected_end_date == D(2027, 7, 5)


def test_vacation_can_be_left_out_of_the_count(ours, enrolment):
    add(ours, enrolment, D(2026, 9, 1), D(2026, 9, 5), kind=Kind.VACATION)
    add(ours, enrolment, D(2026, 10, 1), D(2026, 10, 2), kind=Kind.MEDICAL)
    assert reload(enrolment).leave_extension_days == 7
    leave_policy_update(
        actor=ours.director, program=ours.program, allowance_days=0, vacation_counts=False
    )
    enrolment = reload(enrolment)  # the policy change recomputed every enrolment
    assert enrolment.leave_days == 7 and enrolment.leave_extension_days == 2
    assert AuditEvent.objects.filter(action="leave_policy.update").count() == 1


def test_a_two_year_track_gets_the_allowance_twice():
    policy = LeavePolicy(allowance_days=10, vacation_counts=True)
    period = LeavePeriod(kind=Kind.OTHER, start=D(2026, 9, 1), end=D(2026, 9, 25))  # 25 days
    assert leave_totals(periods=[period], policy=policy, undated_days=0, track_months=12) == (
        25,
        15,
    )
    assert leave_totals(periods=[period], policy=policy, undated_days=3, track_months=24) == (
        28,
        8,
    )


# --- Rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (D(2026, 9, 10), D(2026, 9, 1), "end"),  # ends before it starts
        (D(2026, 6, 1), D(2026, 7, 3), "start"),  # before the enrolment
        (D(2027, 8, 1), D(2027, 8, 3), "start"),  # after the expected end
        (D(2026, 9, 5), D(2026, 9, 12), "start"),  # overlaps the existing one
        (D(2026, 8, 25), D(2026, 9, 1), "start"),  # touches its first day
    ],
)
def test_refuses_bad_periods(ours, enrolment, start, end, field):
    add(ours, enrolment, D(2026, 9, 1), D(2026, 9, 10))
    with pytest.raises(ValidationError) as error:
        add(ours, enrolment, start, end)
    assert field in error.value.message_dict
    assert LeavePeriod.objects.count() == 1 and reload(enrolment).leave_days == 10


def test_adjacent_periods_are_fine(ours, enrolment):
    add(ours, enrolment, D(2026, 9, 1), D(2026, 9, 10))
    add(ours, enrolment, D(2026, 9, 11), D(2026, 9, 12))
    assert reload(enrolment).leave_days == 12


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_only_the_roster_managers_record_leave(ours, theirs, enrolment, role):
    with pytest.raises(PermissionDenied):
        leave_period_add(
            actor=ours.user(role),
            enrolment=enrolment,
            kind=Kind.MEDICAL,
            start=D(2026, 9, 1),
            end=D(2026, 9, 2),
        )
    with pytest.raises(PermissionDenied):
        leave_period_add(
            actor=theirs.director,
            enrolment=enrolment,
            kind=Kind.MEDICAL,
            start=D(2026, 9, 1),
            end=D(2026, 9, 2),
        )
    assert not LeavePeriod.objects.exists()


def test_the_coordinator_may_record_leave(ours, enrolment):
    leave_period_add(
        actor=ours.coordinator,
        enrolment=enrolment,
        kind=Kind.OTHER,
        start=D(2026, 9, 1),
        end=D(2026, 9, 1),
    )
    assert reload(enrolment).leave_days == 1


def test_update_and_remove_move_the_end_and_are_audited(ours, enrolment):
    period = add(ours, enrolment, D(2026, 9, 1), D(2026, 9, 10))
    leave_period_update(
        actor=ours.director,
        enrolment=enrolment,
        period=period,
        kind=Kind.PARENTAL,
        start=D(2026, 9, 1),
        end=D(2026, 9, 20),
        note="Birth of a child",
    )
    assert reload(enrolment).expected_end_date == D(2027, 7, 20)
    # an edit may keep its own dates without "overlapping itself", but not reach another period
    other = add(ours, enrolment, D(2026, 11, 1), D(2026, 11, 2))
    with pytest.raises(ValidationError):
        leave_period_update(
            actor=ours.director,
            enrolment=enrolment,
            period=other,
            kind=Kind.OTHER,
            start=D(2026, 9, 15),
            end=D(2026, 11, 2),
        )
    leave_period_remove(actor=ours.director, enrolment=enrolment, period=period)
    assert reload(enrolment).expected_end_date == D(2027, 7, 2)
    events = AuditEvent.objects.filter(action__startswith="leave_period.").order_by("pk")
    assert [e.action for e in events] == [
        "leave_period.add",
        "leave_period.update",
        "leave_period.add",
        "leave_period.remove",
    ]
    assert events[1].changes["end"] == ["2026-09-10", "2026-09-20"]
    assert events[1].changes["kind"] == ["medical", "parental"]
    assert all(e.actor_id == ours.director.pk and e.program_id == ours.program.pk for e in events)


# --- Pages ------------------------------------------------------------------------------------


def profile_url(people, enrolment) -> str:
    return reverse(
        "trainees:fellow_profile",
        kwargs={"program_id": people.program.pk, "membership_id": enrolment.membership_id},
    )


def test_staff_add_leave_through_the_page(client, ours, enrolment):
    client.force_login(ours.coordinator)
    url = reverse(
        "trainees:leave_period_create",
        kwargs={"program_id": ours.program.pk, "enrolment_id": enrolment.pk},
    )
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "medical", "start": "2026-09-01", "end": "2026-09-14"})
    assert response.status_code == 302
    page = client.get(profile_url(ours, enrolment)).content.decode()
    assert "Jul 14, 2027" in page and "14 days of leave" in page
    assert "Add leave" in page and "Remove" in page
    # a refused period comes back on the form
    response = client.post(url, {"kind": "medical", "start": "2026-09-10", "end": "2026-09-20"})
    assert (
        response.status_code == 200 and "overlaps another leave period" in response.content.decode()
    )


def test_staff_edit_and_remove_through_the_pages(client, ours, enrolment):
    period = add(ours, enrolment, D(2026, 9, 1), D(2026, 9, 10))
    client.force_login(ours.director)
    kwargs = {"program_id": ours.program.pk, "leave_id": period.pk}
    response = client.post(
        reverse("trainees:leave_period_edit", kwargs=kwargs),
        {"kind": "vacation", "start": "2026-09-01", "end": "2026-09-03"},
    )
    assert response.status_code == 302 and reload(enrolment).leave_days == 3
    assert client.get(reverse("trainees:leave_period_delete", kwargs=kwargs)).status_code == 405
    response = client.post(reverse("trainees:leave_period_delete", kwargs=kwargs))
    assert response.status_code == 302 and not LeavePeriod.objects.exists()


def test_the_fellow_sees_their_own_leave_read_only(client, ours, enrolment):
    add(ours, enrolment, D(2026, 9, 1), D(2026, 9, 10))
    client.force_login(enrolment.membership.user)
    page = client.get(profile_url(ours, enrolment)).content.decode()
    assert "Sep 1, 2026 to Sep 10, 2026" in page
    assert "Add leave" not in page and "Remove" not in page
    mine = client.get(reverse("trainees:my_pathway", kwargs={"program_id": ours.program.pk}))
    assert "Sep 1, 2026 to Sep 10, 2026" in mine.content.decode()
    assert "Add leave" not in mine.content.decode()


@pytest.mark.parametrize("who", ["fellow", "faculty", "other_director"])
def test_others_get_404(client, ours, theirs, enrolment, who):
    period = add(ours, enrolment, D(2026, 9, 1), D(2026, 9, 10))
    user = {"fellow": enrolment.membership.user, "faculty": ours.faculty}.get(who, theirs.director)
    client.force_login(user)
    urls = [
        reverse(
            "trainees:leave_period_create",
            kwargs={"program_id": ours.program.pk, "enrolment_id": enrolment.pk},
        ),
        reverse(
            "trainees:leave_period_edit",
            kwargs={"program_id": ours.program.pk, "leave_id": period.pk},
        ),
        reverse(
            "trainees:leave_period_delete",
            kwargs={"program_id": ours.program.pk, "leave_id": period.pk},
        ),
    ]
    for url in urls:
        assert (
            client.post(
                url, {"kind": "other", "start": "2026-10-01", "end": "2026-10-02"}
            ).status_code
            == 404
        )
    # their own program's director cannot reach our period through their program either
    if who == "other_director":
        url = reverse(
            "trainees:leave_period_edit",
            kwargs={"program_id": theirs.program.pk, "leave_id": period.pk},
        )
        assert client.get(url).status_code == 404
    assert LeavePeriod.objects.count() == 1


# --- Migration --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_old_day_counts_as_undated_leave(ours):
    before = [("trainees", "0002_scheduleblock_deadline_and_more")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        Year = old.get_model("trainees", "AcademicYear")
        Cohort = old.get_model("trainees", "Cohort")
        OldEnrolment = old.get_model("trainees", "Enrolment")
        Membership = old.get_model("curriculum", "Membership")
        year = Year.objects.create(
            program_id=ours.program.pk, start_date=D(2026, 7, 1), end_date=D(2027, 6, 30)
        )
        cohort = Cohort.objects.create(program_id=ours.program.pk, academic_year=year, name="C")
        fellow = Membership.objects.get(program_id=ours.program.pk, user_id=ours.fellow.pk)
        on_leave = OldEnrolment.objects.create(
            membership=fellow,
            cohort=cohort,
            start_date=D(2026, 7, 1),
            end_date=D(2027, 6, 30),
            leave_days=21,
        )
        second = Membership.objects.create(
            program_id=ours.program.pk, user_id=ours.faculty.pk, role="fellow"
        )
        never = OldEnrolment.objects.create(
            membership=second, cohort=cohort, start_date=D(2026, 7, 1), end_date=D(2027, 6, 30)
        )
    finally:
        migrate_to_latest()
    moved = Enrolment.objects.get(pk=on_leave.pk)
    assert (moved.undated_leave_days, moved.leave_days, moved.leave_extension_days) == (21, 21, 21)
    assert moved.expected_end_date == D(2027, 7, 21)  # the same end date as before
    assert not moved.leave_periods.exists()
    untouched = Enrolment.objects.get(pk=never.pk)
    assert (untouched.undated_leave_days, untouched.leave_extension_days) == (0, 0)
    # a dated period later adds to the undated days
    moved.cohort.program.refresh_from_db()
    add(ours, moved, D(2026, 9, 1), D(2026, 9, 2))
    assert reload(moved).leave_extension_days == 23


def test_the_leave_policy_page_sets_the_allowance_from_the_settings_page(client, ours):
    from django.urls import reverse

    from audit.models import AuditEvent
    from trainees.models import LeavePolicy

    client.force_login(ours.coordinator)
    settings_page = client.get(reverse("dashboard:program_settings", args=[ours.program.pk]))
    url = reverse("trainees:leave_policy", args=[ours.program.pk])
    assert url in settings_page.content.decode()
    refused = client.post(url, {"allowance_days": -1})
    assert refused.status_code == 200 and not LeavePolicy.objects.exists()
    assert client.post(url, {"allowance_days": 10, "vacation_counts": "on"}).status_code == 302
    policy = LeavePolicy.objects.get(program=ours.program)
    assert (policy.allowance_days, policy.vacation_counts) == (10, True)
    assert AuditEvent.objects.filter(action="leave_policy.update").exists()
    client.force_login(ours.faculty)
    assert client.get(url).status_code == 404
