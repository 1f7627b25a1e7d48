import datetime
import zoneinfo

from django.core import mail
from django.utils import timezone

from assessments.models import SummativeEvaluation
from reminders.models import Delivery, Kind, NotificationPreference, Reminder, ReminderSettings
from reminders.services.sweep import reminders_sweep
from tests.conftest import assert_constant_queries
from tests.reminders import scenario
from tests.reminders.factories import NotificationPreferenceFactory
from trainees.models import AcademicYear

Immediate = NotificationPreference.Delivery.IMMEDIATE


def _ledger(**filters) -> set[tuple]:
    return set(
        Reminder.objects.filter(**filters).values_list("recipient__email", "kind", "object_id")
    )


def _keys(people, role, kind, obj) -> tuple:
    return (people.user(role).email, kind, obj.pk)


def test_sweep_reminds_each_item_to_whoever_must_act(ours):
    s = scenario.build(ours)
    reminders_sweep(enqueue=False)

    expected = {
        _keys(ours, "director", Kind.DEADLINE_UPCOMING, s.ccc),
        _keys(ours, "coordinator", Kind.DEADLINE_UPCOMING, s.ccc),
        _keys(ours, "director", Kind.FINAL_DEADLINE, s.final),
        _keys(ours, "faculty", Kind.DEADLINE_UPCOMING, s.rotation),
        _keys(ours, "faculty", Kind.ASSESSMENT_OVERDUE, s.overdue),
        _keys(ours, "director", Kind.ESCALATION, s.overdue),
        _keys(ours, "fellow", Kind.SELF_ASSESSMENT_PENDING, s.self_assessment),
        _keys(ours, "fellow", Kind.ACKNOWLEDGEMENT_PENDING, s.signed),
        _keys(ours, "faculty", Kind.VERIFICATION_PENDING, s.entry),
        _keys(ours, "fellow", Kind.TARGETS_BEHIND, s.fellow),
        _keys(ours, "director", Kind.TARGETS_BEHIND, s.fellow),
        _keys(ours, "fellow", Kind.WORK_HOURS_UNLOGGED, s.fellow),  # no hours logged last week
    }
    assert _ledger() == expected
    # The deadline 40 days out is outside the 7-day lead time.
    assert not Reminder.objects.filter(object_id=s.far.pk, object_type="deadline").exists()
    # Items link to the page where the person acts; no patient data, only names and dates.
    overdue = Reminder.objects.get(kind=Kind.ASSESSMENT_OVERDUE)
    assert overdue.url_path == s.overdue.get_absolute_url()
    assert overdue.period == s.overdue.due_date.isoformat()
    assert Reminder.objects.filter(channel="digest").count() == len(expected)


def test_program_settings_change_what_is_due(ours):
    s = scenario.build(ours)
    ReminderSettings.objects.create(
        program=ours.program,
        days_before_deadline=2,
        escalate_after_days=30,
        verification_after_days=10,
        target_check_months=[3],
    )
    reminders_sweep(enqueue=False)
    kinds = set(Reminder.objects.values_list("kind", "object_id"))
    assert (Kind.DEADLINE_UPCOMING, s.ccc.pk) not in kinds  # due in 3 days, lead time 2
    assert (Kind.ESCALATION, s.overdue.pk) not in kinds  # 10 days late, escalation at 30
    assert (Kind.VERIFICATION_PENDING, s.entry.pk) not in kinds  # waited 5 days of 10
    assert (Kind.TARGETS_BEHIND, s.fellow.pk) not in kinds  # no checkpoint today
    assert (Kind.ASSESSMENT_OVERDUE, s.overdue.pk) in kinds


def test_done_items_are_not_reminded(ours):
    s = scenario.build(ours)
    SummativeEvaluation.objects.create(
        program=ours.program,
        fellow=s.fellow,
        author=ours.director,
        status="signed",
        signed_at=timezone.now(),
    )
    s.evaluation.status = "signed"
    s.evaluation.signed_at = timezone.now()
    s.evaluation.save()
    s.entry.status = "verified"
    s.entry.verified_at = timezone.now()
    s.entry.save()
    reminders_sweep(enqueue=False)
    kinds = set(Reminder.objects.values_list("kind", "object_id"))
    assert (Kind.FINAL_DEADLINE, s.final.pk) not in kinds
    assert (Kind.DEADLINE_UPCOMING, s.rotation.pk) not in kinds  # nobody has it open
    assert (Kind.VERIFICATION_PENDING, s.entry.pk) not in kinds


def test_muted_kinds_are_skipped_but_escalations_and_final_deadlines_never(ours):
    s = scenario.build(ours)
    NotificationPreferenceFactory(user=ours.faculty, muted_kinds=[Kind.VERIFICATION_PENDING])
    # Even a row that somehow holds a mandatory kind cannot silence it.
    NotificationPreference.objects.create(
        user=ours.director, muted_kinds=[Kind.ESCALATION, Kind.FINAL_DEADLINE, Kind.TARGETS_BEHIND]
    )
    reminders_sweep(enqueue=False)
    assert not Reminder.objects.filter(recipient=ours.faculty, kind=Kind.VERIFICATION_PENDING)
    director = set(Reminder.objects.filter(recipient=ours.director).values_list("kind", flat=True))
    assert {Kind.ESCALATION, Kind.FINAL_DEADLINE} <= director
    assert Kind.TARGETS_BEHIND not in director
    assert Reminder.objects.filter(
        recipient=ours.fellow, kind=Kind.TARGETS_BEHIND, object_id=s.fellow.pk
    )


def test_running_the_sweep_twice_sends_nothing_new(ours, django_capture_on_commit_callbacks):
    scenario.build(ours)
    NotificationPreferenceFactory(user=ours.faculty, delivery=Immediate)
    for role in ("director", "coordinator", "fellow"):
        NotificationPreferenceFactory(user=ours.user(role), digest_hour=0)

    with django_capture_on_commit_callbacks(execute=True):
        first = reminders_sweep()
    sent = len(mail.outbox)
    ledger = Reminder.objects.count()
    assert first.reminders_created == ledger == 12  # 11 + last week's work hours
    # Faculty: one email per reminder; the others one digest each.
    faculty_items = Reminder.objects.filter(recipient=ours.faculty).count()
    assert sent == faculty_items + 3

    with django_capture_on_commit_callbacks(execute=True):
        second = reminders_sweep()
    assert second.reminders_created == 0
    assert second.deliveries_enqueued == 0
    assert len(mail.outbox) == sent
    assert Reminder.objects.count() == ledger
    assert not Reminder.objects.exclude(status="sent").exists()


def test_one_digest_per_person_per_day(ours, django_capture_on_commit_callbacks):
    s = scenario.build(ours)
    NotificationPreferenceFactory(user=ours.director, digest_hour=0)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    to_director = [m for m in mail.outbox if m.to == [ours.director.email]]
    assert len(to_director) == 1
    body = to_director[0].body
    for subject in Reminder.objects.filter(recipient=ours.director).values_list(
        "subject", flat=True
    ):
        assert subject in body
    assert to_director[0].alternatives[0].mimetype == "text/html"

    # A new item the same day waits for tomorrow's digest.
    s.far.due_date = ours.program.today() + datetime.timedelta(days=1)
    s.far.save()
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert len([m for m in mail.outbox if m.to == [ours.director.email]]) == 1
    late = Reminder.objects.get(
        recipient=ours.director, object_id=s.far.pk, kind=Kind.DEADLINE_UPCOMING
    )
    assert late.status == "queued" and late.delivery is None
    assert Delivery.objects.filter(recipient=ours.director, kind="digest").count() == 1

    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=tomorrow)
    late.refresh_from_db()
    assert late.status == "sent"
    assert Delivery.objects.filter(recipient=ours.director, kind="digest").count() == 2


def test_digest_waits_for_the_hour_in_the_programs_time_zone(
    ours, django_capture_on_commit_callbacks
):
    scenario.build(ours)
    NotificationPreferenceFactory(user=ours.director, digest_hour=7)
    tz = zoneinfo.ZoneInfo(ours.program.timezone)
    today = ours.program.today()
    early = datetime.datetime.combine(today, datetime.time(6, 30), tzinfo=tz)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=early)
    assert not [m for m in mail.outbox if m.to == [ours.director.email]]
    later = datetime.datetime.combine(today, datetime.time(7, 5), tzinfo=tz)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(now=later)
    assert len([m for m in mail.outbox if m.to == [ours.director.email]]) == 1


def test_sweep_queries_same_for_5_and_50_fellows(db):
    """Each count runs in a savepoint that is rolled back, so the two runs see only their own
    fellows; with batches of 500, 5 and 50 fellows are one batch per source each."""
    from tests.conftest import make_program_people

    created = []

    def world_of(count):
        people = make_program_people()
        scenario.build(people)
        year = AcademicYear.objects.get(program=people.program)
        scenario.add_fellows(people, year, count, scenario.member(people, "faculty"))
        NotificationPreferenceFactory(user=people.faculty, delivery=Immediate)

    def sweep():
        reminders_sweep(enqueue=False, batch_size=500)
        created.append(Reminder.objects.count())  # one more query in each run, alike

    assert_constant_queries(sweep, world_of, sizes=(5, 50), fresh=True)
    assert created[1] - created[0] >= 3 * 45  # the sweep really did ten times the work
