from curriculum.models import Membership
from procedures.models import ProcedureLogEntry
from procedures.selectors.progress import cohort_target_progress, fellow_target_progress
from tests.curriculum.factories import MembershipFactory
from tests.procedures.factories import (
    ProcedureCategoryFactory,
    ProcedureLogEntryFactory,
    ProcedureTargetFactory,
    ProcedureTypeFactory,
)
from tests.trainees.factories import CohortFactory, EnrolmentFactory

Status = ProcedureLogEntry.Status
Role = ProcedureLogEntry.Role


def _fellow(people):
    return Membership.objects.get(program=people.program, user=people.fellow)


def _log(people, fellow, procedure_type, n, **fields):
    for _ in range(n):
        if fields.get("status") == Status.VERIFIED:
            fields.setdefault("verified_at", "2026-10-02T10:00:00Z")
        ProcedureLogEntryFactory(
            program=people.program, fellow=fellow, procedure_type=procedure_type, **fields
        )


def _catalogue(people):
    category = ProcedureCategoryFactory(program=people.program, name="Facet")
    mbb = ProcedureTypeFactory(
        program=people.program, category=category, name="Medial branch block"
    )
    rfa = ProcedureTypeFactory(program=people.program, category=category, name="MBB RFA")
    return category, mbb, rfa


def test_type_category_and_role_targets(ours):
    category, mbb, rfa = _catalogue(ours)
    ProcedureTargetFactory(program=ours.program, procedure_type=mbb, minimum=3)
    ProcedureTargetFactory(program=ours.program, procedure_type=None, category=category, minimum=10)
    ProcedureTargetFactory(program=ours.program, procedure_type=rfa, role=Role.PERFORMED, minimum=2)
    fellow = _fellow(ours)
    _log(ours, fellow, mbb, 3, status=Status.VERIFIED)
    _log(ours, fellow, mbb, 2, status=Status.PENDING)
    _log(ours, fellow, mbb, 4, status=Status.RETURNED, return_reason="No")
    _log(ours, fellow, rfa, 1, status=Status.VERIFIED, role=Role.PERFORMED)
    _log(ours, fellow, rfa, 5, status=Status.VERIFIED, role=Role.OBSERVED)
    _log(ours, fellow, rfa, 1, status=Status.PENDING, role=Role.PERFORMED)

    progress = {p.label: p for p in fellow_target_progress(user=ours.fellow, fellow=fellow)}

    facet = progress["Facet (any procedure)"]
    assert (facet.verified, facet.pending, facet.remaining, facet.met) == (9, 3, 1, False)
    block = progress["Medial branch block"]
    assert (block.verified, block.pending, block.remaining, block.met) == (3, 2, 0, True)
    rfa_performed = progress["MBB RFA, performed"]
    assert (rfa_performed.verified, rfa_performed.pending, rfa_performed.remaining) == (1, 1, 1)
    assert list(progress) == ["Facet (any procedure)", "MBB RFA, performed", "Medial branch block"]


def test_other_fellows_entries_do_not_count(ours):
    _, mbb, _ = _catalogue(ours)
    ProcedureTargetFactory(program=ours.program, procedure_type=mbb, minimum=3)
    other = MembershipFactory(program=ours.program, role=Membership.Role.FELLOW)
    _log(ours, other, mbb, 3, status=Status.VERIFIED)
    [progress] = fellow_target_progress(user=ours.fellow, fellow=_fellow(ours))
    assert (progress.verified, progress.pending, progress.remaining) == (0, 0, 3)


def test_fellow_progress_is_scoped(ours, theirs):
    _, mbb, _ = _catalogue(ours)
    ProcedureTargetFactory(program=ours.program, procedure_type=mbb, minimum=3)
    fellow = _fellow(ours)
    assert fellow_target_progress(user=theirs.director, fellow=fellow) == []
    other = MembershipFactory(program=ours.program, role=Membership.Role.FELLOW)
    assert fellow_target_progress(user=other.user, fellow=fellow) == []
    assert len(fellow_target_progress(user=ours.faculty, fellow=fellow)) == 1


def test_fellow_progress_uses_one_aggregate_query(ours, django_assert_num_queries):
    _, mbb, rfa = _catalogue(ours)
    ProcedureTargetFactory(program=ours.program, procedure_type=mbb, minimum=3)
    ProcedureTargetFactory(program=ours.program, procedure_type=rfa, minimum=3)
    fellow = Membership.objects.select_related("program").get(pk=_fellow(ours).pk)
    _log(ours, fellow, mbb, 20, status=Status.PENDING)
    # can_view_fellow_log needs no query for the fellow themself; targets + aggregate.
    with django_assert_num_queries(2):
        fellow_target_progress(user=ours.fellow, fellow=fellow)


def test_cohort_progress_all_active_fellows(ours):
    _, mbb, _ = _catalogue(ours)
    ProcedureTargetFactory(program=ours.program, procedure_type=mbb, minimum=2)
    fellow = _fellow(ours)
    second = MembershipFactory(program=ours.program, role=Membership.Role.FELLOW)
    MembershipFactory(program=ours.program, role=Membership.Role.FELLOW, is_active=False)
    _log(ours, fellow, mbb, 2, status=Status.VERIFIED)
    _log(ours, second, mbb, 1, status=Status.PENDING)

    targets, rows = cohort_target_progress(user=ours.coordinator, program=ours.program)
    assert len(targets) == 1
    by_fellow = {row.fellow.pk: row for row in rows}
    assert set(by_fellow) == {fellow.pk, second.pk}
    assert by_fellow[fellow.pk].cells[0].met and by_fellow[fellow.pk].met_count == 1
    cell = by_fellow[second.pk].cells[0]
    assert (cell.verified, cell.pending, cell.remaining, cell.met) == (0, 1, 2, False)


def test_cohort_progress_filters_by_cohort_and_is_scoped(ours, theirs):
    _, mbb, _ = _catalogue(ours)
    ProcedureTargetFactory(program=ours.program, procedure_type=mbb, minimum=2)
    cohort = CohortFactory(program=ours.program)
    enrolled = EnrolmentFactory(cohort=cohort, membership__program=ours.program).membership
    _, rows = cohort_target_progress(user=ours.faculty, program=ours.program, cohort=cohort)
    assert [row.fellow.pk for row in rows] == [enrolled.pk]
    assert cohort_target_progress(user=ours.fellow, program=ours.program) == ([], [])
    assert cohort_target_progress(user=theirs.director, program=ours.program) == ([], [])
