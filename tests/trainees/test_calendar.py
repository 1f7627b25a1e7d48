"""The program calendar services: every generation rule, regeneration and permissions."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError

from curriculum.models import Membership
from tests.curriculum.factories import MembershipFactory
from tests.trainees.factories import (
    AcademicYearFactory,
    CohortFactory,
    EnrolmentFactory,
    RotationFactory,
    ScheduleBlockFactory,
)
from trainees.models import Deadline, Enrolment
from trainees.selectors import deadline_list
from trainees.services import calendar as services
from trainees.services.pathway import enrolment_set_status
from trainees.services.schedule import schedule_block_delete

Kind = Deadline.Kind
D = datetime.date


@pytest.fixture
def year(ours):
    return AcademicYearFactory(
        program=ours.program, start_date=D(2026, 7, 1), end_date=D(2027, 6, 30)
    )


@pytest.fixture
def enrolment(ours, year) -> Enrolment:
    cohort = CohortFactory(program=ours.program, academic_year=year, name="Class of 2027")
    return EnrolmentFactory(cohort=cohort, membership=ours.fellow.memberships.get())


@pytest.fixture
def rotation(ours):
    return RotationFactory(program=ours.program, name="Acute pain service")


@pytest.fixture
def block(enrolment, rotation):
    return ScheduleBlockFactory(
        enrolment=enrolment, rotation=rotation, start_date=D(2026, 7, 1), end_date=D(2026, 7, 28)
    )


def generate(year, actor=None):
    return services.calendar_generate(actor=actor, academic_year=year)


def test_two_ccc_reviews_per_academic_year(year):
    result = generate(year)
    midyear = Deadline.objects.get(key=f"ccc:{year.pk}:midyear")
    year_end = Deadline.objects.get(key=f"ccc:{year.pk}:year-end")
    assert (midyear.due_date, midyear.title) == (D(2026, 12, 15), "Mid-year CCC milestone review")
    assert (year_end.due_date, year_end.title) == (D(2027, 5, 31), "Year-end CCC milestone review")
    assert {midyear.kind, year_end.kind} == {Kind.CCC_REVIEW}
    assert midyear.enrolment is None and midyear.academic_year == year and not midyear.is_edited
    assert result == services.CalendarResult(created=2)


def test_midyear_review_follows_a_january_start(ours):
    year = AcademicYearFactory(
        program=ours.program, start_date=D(2027, 1, 1), end_date=D(2027, 12, 31)
    )
    generate(year)
    assert Deadline.objects.get(key=f"ccc:{year.pk}:midyear").due_date == D(2027, 6, 15)
    assert Deadline.objects.get(key=f"ccc:{year.pk}:year-end").due_date == D(2027, 12, 1)


def test_one_evaluation_per_block_due_after_it_ends(ours, year, enrolment, block):
    generate(year, actor=ours.director)
    evaluation = Deadline.objects.get(key=f"rotation-eval:{block.pk}")
    assert evaluation.kind == Kind.ROTATION_EVALUATION
    assert evaluation.due_date == D(2026, 7, 28) + datetime.timedelta(days=14)
    assert evaluation.title == f"Acute pain service evaluation - {ours.fellow.display_name}"
    assert evaluation.schedule_block == block and evaluation.enrolment == enrolment


def test_a_fellow_whose_name_reads_like_a_titled_name_still_gets_generated_deadlines(
    ours, year, enrolment, block
):
    # The title joins a screened rotation name and a member's own name (exempt by design).
    ours.fellow.full_name = "Ms. Ávila Moreno"
    ours.fellow.save()
    generate(year, actor=ours.director)
    evaluation = Deadline.objects.get(key=f"rotation-eval:{block.pk}")
    assert evaluation.title == "Acute pain service evaluation - Ms. Ávila Moreno"
    with pytest.raises(ValidationError):  # typed by a director, the same text is screened
        services.deadline_update(
            actor=ours.director,
            deadline=evaluation,
            title="Call Mrs. Jones",
            due_date=D(2027, 1, 4),
        )


def test_evaluation_due_days_come_from_the_program(ours, year, block):
    ours.program.evaluation_due_days = 7
    ours.program.save()
    year.refresh_from_db()
    generate(year)
    assert Deadline.objects.get(key=f"rotation-eval:{block.pk}").due_date == D(2026, 8, 4)


def test_a_longitudinal_12_month_block_is_evaluated_every_3_months(ours, year, enrolment):
    clinic = RotationFactory(program=ours.program, name="Continuity clinic", is_longitudinal=True)
    block = ScheduleBlockFactory(
        enrolment=enrolment, rotation=clinic, start_date=D(2026, 7, 1), end_date=D(2027, 6, 30)
    )
    generate(year)
    evaluations = Deadline.objects.filter(kind=Kind.ROTATION_EVALUATION).order_by("due_date")
    assert [d.key for d in evaluations] == [f"rotation-eval:{block.pk}:{n}" for n in (1, 2, 3, 4)]
    two_weeks = datetime.timedelta(days=14)
    assert [d.due_date for d in evaluations] == [
        D(2026, 9, 30) + two_weeks,
        D(2026, 12, 31) + two_weeks,
        D(2027, 3, 31) + two_weeks,
        D(2027, 6, 30) + two_weeks,
    ]
    assert all(d.schedule_block == block for d in evaluations)


def test_a_short_longitudinal_block_gets_its_end_evaluation_only(ours, year, enrolment):
    clinic = RotationFactory(program=ours.program, is_longitudinal=True)
    block = ScheduleBlockFactory(
        enrolment=enrolment, rotation=clinic, start_date=D(2026, 7, 1), end_date=D(2026, 9, 30)
    )
    generate(year)
    assert list(
        Deadline.objects.filter(kind=Kind.ROTATION_EVALUATION).values_list("key", flat=True)
    ) == [f"rotation-eval:{block.pk}:1"]


def test_final_summative_before_the_expected_end(ours, year, enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(leave_days=10, leave_extension_days=10)
    generate(year)
    final = Deadline.objects.get(key=f"final:{enrolment.pk}")
    # June 30 + 10 days of leave = July 10, less 30 days.
    assert final.due_date == D(2027, 6, 10)
    assert final.kind == Kind.FINAL_SUMMATIVE and final.enrolment == enrolment
    assert final.title == f"Final summative evaluation - {ours.fellow.display_name}"


def test_a_withdrawn_enrolment_has_no_final_summative(year, enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.WITHDRAWN)
    generate(year)
    assert not Deadline.objects.filter(kind=Kind.FINAL_SUMMATIVE).exists()


def test_withdrawing_later_deletes_the_generated_final_summative(ours, year, enrolment):
    generate(year)
    enrolment_set_status(actor=ours.director, enrolment=enrolment, status="withdrawn")
    result = generate(year)
    assert result.deleted == 1
    assert not Deadline.objects.filter(kind=Kind.FINAL_SUMMATIVE).exists()


def test_other_academic_years_are_left_alone(ours, year, block):
    later = AcademicYearFactory(
        program=ours.program, start_date=D(2027, 7, 1), end_date=D(2028, 6, 30)
    )
    EnrolmentFactory(cohort=CohortFactory(program=ours.program, academic_year=later))
    generate(year)
    assert Deadline.objects.count() == 4  # 2 CCC, 1 evaluation, 1 final summative
    assert set(Deadline.objects.values_list("academic_year", flat=True)) == {year.pk}


def test_generating_twice_creates_nothing_new(year, block):
    first = generate(year)
    keys = sorted(Deadline.objects.values_list("key", flat=True))
    second = generate(year)
    assert first.created == 4
    assert second == services.CalendarResult()
    assert sorted(Deadline.objects.values_list("key", flat=True)) == keys


def test_a_changed_date_is_updated(year, block):
    generate(year)
    block.end_date = D(2026, 8, 4)
    block.save()
    result = generate(year)
    assert result == services.CalendarResult(updated=1)
    assert Deadline.objects.get(key=f"rotation-eval:{block.pk}").due_date == D(2026, 8, 18)


def test_an_edited_date_survives_regeneration(ours, year, block):
    generate(year)
    evaluation = Deadline.objects.get(key=f"rotation-eval:{block.pk}")
    services.deadline_update(
        actor=ours.director, deadline=evaluation, title="APS evaluation", due_date=D(2026, 9, 1)
    )
    block.end_date = D(2026, 8, 4)
    block.save()
    result = generate(year)
    evaluation.refresh_from_db()
    assert (evaluation.due_date, evaluation.title, evaluation.is_edited) == (
        D(2026, 9, 1),
        "APS evaluation",
        True,
    )
    assert result == services.CalendarResult(kept=1)


def test_a_deleted_blocks_generated_deadline_disappears(ours, year, block):
    generate(year)
    with pytest.raises(ProtectedError):  # only the schedule service may delete a block
        block.delete()
    schedule_block_delete(actor=ours.coordinator, block=block)
    result = generate(year)
    assert not Deadline.objects.filter(kind=Kind.ROTATION_EVALUATION).exists()
    assert result == services.CalendarResult()


def test_a_generated_deadline_whose_source_is_gone_is_deleted_unless_edited(ours, year):
    cohort = CohortFactory(program=ours.program, academic_year=year)
    kept, dropped = EnrolmentFactory(cohort=cohort), EnrolmentFactory(cohort=cohort)
    generate(year)
    services.deadline_update(
        actor=ours.director,
        deadline=Deadline.objects.get(key=f"final:{kept.pk}"),
        title="Final summative",
        due_date=D(2027, 6, 1),
    )
    Enrolment.objects.filter(pk__in=[kept.pk, dropped.pk]).update(status="withdrawn")
    result = generate(year)
    assert result == services.CalendarResult(deleted=1, kept=1)
    assert list(
        Deadline.objects.filter(kind=Kind.FINAL_SUMMATIVE).values_list("key", flat=True)
    ) == [f"final:{kept.pk}"]


def test_shortening_a_longitudinal_block_deletes_the_evaluations_it_lost(ours, year, enrolment):
    clinic = RotationFactory(program=ours.program, is_longitudinal=True)
    block = ScheduleBlockFactory(
        enrolment=enrolment, rotation=clinic, start_date=D(2026, 7, 1), end_date=D(2027, 6, 30)
    )
    generate(year)
    block.end_date = D(2026, 12, 31)
    block.save()
    result = generate(year)
    assert result.deleted == 2 and result.updated == 2  # both titles say "of 2" now
    assert Deadline.objects.filter(kind=Kind.ROTATION_EVALUATION).count() == 2


def test_regeneration_never_touches_manual_deadlines(ours, year):
    manual = services.deadline_create(
        actor=ours.director,
        program=ours.program,
        academic_year=year,
        kind=Kind.OTHER,
        title="Program evaluation committee",
        due_date=D(2027, 5, 1),
    )
    assert manual.key == "" and not manual.is_edited
    generate(year)
    generate(year)
    assert Deadline.objects.filter(pk=manual.pk).exists()


def test_deadline_update_marks_it_edited(ours, year):
    generate(year)
    review = Deadline.objects.get(key=f"ccc:{year.pk}:midyear")
    updated = services.deadline_update(
        actor=ours.coordinator, deadline=review, title="  Mid-year CCC  ", due_date=D(2026, 12, 18)
    )
    assert (updated.title, updated.due_date, updated.is_edited) == (
        "Mid-year CCC",
        D(2026, 12, 18),
        True,
    )


def test_deadline_update_refuses_a_blank_title(ours, year):
    generate(year)
    review = Deadline.objects.get(key=f"ccc:{year.pk}:midyear")
    with pytest.raises(ValidationError):
        services.deadline_update(
            actor=ours.director, deadline=review, title=" ", due_date=D(2026, 12, 1)
        )
    review.refresh_from_db()
    assert not review.is_edited


def test_deadline_create_refuses_another_programs_year(ours, theirs, year):
    their_year = AcademicYearFactory(program=theirs.program)
    with pytest.raises(ValidationError):
        services.deadline_create(
            actor=ours.director,
            program=ours.program,
            academic_year=their_year,
            kind=Kind.OTHER,
            title="Retreat",
            due_date=D(2027, 1, 1),
        )


def test_generated_deadlines_cannot_be_deleted_but_manual_ones_can(ours, year):
    generate(year)
    review = Deadline.objects.get(key=f"ccc:{year.pk}:midyear")
    with pytest.raises(ValidationError, match="generated"):
        services.deadline_delete(actor=ours.director, deadline=review)
    manual = services.deadline_create(
        actor=ours.director,
        program=ours.program,
        academic_year=year,
        kind=Kind.OTHER,
        title="Retreat",
        due_date=D(2027, 1, 1),
    )
    services.deadline_delete(actor=ours.director, deadline=manual)
    assert not Deadline.objects.filter(pk=manual.pk).exists()
    assert Deadline.objects.filter(pk=review.pk).exists()


@pytest.mark.parametrize("who", ["faculty", "fellow", "their_director"])
def test_only_the_programs_staff_manage_the_calendar(ours, theirs, year, block, who):
    actor = theirs.director if who == "their_director" else ours.user(who)
    with pytest.raises(PermissionDenied):
        generate(year, actor=actor)
    assert not Deadline.objects.exists()
    generate(year)
    review = Deadline.objects.get(key=f"ccc:{year.pk}:midyear")
    with pytest.raises(PermissionDenied):
        services.deadline_update(actor=actor, deadline=review, title="x", due_date=D(2026, 12, 1))
    with pytest.raises(PermissionDenied):
        services.deadline_create(
            actor=actor,
            program=ours.program,
            academic_year=year,
            kind=Kind.OTHER,
            title="x",
            due_date=D(2026, 12, 1),
        )
    with pytest.raises(PermissionDenied):
        services.deadline_delete(actor=actor, deadline=review)
    review.refresh_from_db()
    assert not review.is_edited


def test_a_deactivated_director_cannot_generate(ours, year):
    Membership.objects.filter(user=ours.director).update(is_active=False)
    with pytest.raises(PermissionDenied):
        generate(year, actor=ours.director)


# --- deadline_list -----------------------------------------------------------------------------


def test_staff_and_faculty_see_every_deadline(ours, theirs, year, block):
    generate(year)
    for role in ("director", "coordinator", "faculty"):
        assert deadline_list(user=ours.user(role), program=ours.program).count() == 4
    assert not deadline_list(user=theirs.director, program=ours.program).exists()


def test_a_fellow_sees_the_ccc_reviews_and_their_own_deadlines(ours, year, enrolment, block):
    classmate = EnrolmentFactory(
        cohort=enrolment.cohort,
        membership=MembershipFactory(program=ours.program, role=Membership.Role.FELLOW),
    )
    services.deadline_create(
        actor=None,
        program=ours.program,
        academic_year=year,
        kind=Kind.OTHER,
        title="Faculty retreat",
        due_date=D(2027, 1, 1),
    )
    generate(year)
    mine = deadline_list(user=ours.fellow, program=ours.program)
    assert sorted(mine.values_list("key", flat=True)) == sorted(
        [
            f"ccc:{year.pk}:midyear",
            f"ccc:{year.pk}:year-end",
            f"rotation-eval:{block.pk}",
            f"final:{enrolment.pk}",
        ]
    )
    assert not mine.filter(enrolment=classmate).exists()


def test_deadline_list_filters_by_year_and_kind(ours, year, block):
    later = AcademicYearFactory(
        program=ours.program, start_date=D(2027, 7, 1), end_date=D(2028, 6, 30)
    )
    generate(year)
    generate(later)
    assert deadline_list(user=ours.faculty, program=ours.program, academic_year=later).count() == 2
    reviews = deadline_list(
        user=ours.faculty, program=ours.program, academic_year=year, kind=Kind.CCC_REVIEW
    )
    assert reviews.count() == 2
