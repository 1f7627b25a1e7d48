"""``external_evaluations``: who sees a fellow's evidence, the date window, a fixed query count."""

import datetime

from curriculum.models import Membership
from evaluators.patient_form import patient_levels
from evaluators.selectors import external_evaluations, external_request_list
from tests.curriculum.factories import MembershipFactory

from .factories import (
    EvaluationFactory,
    ExternalRatingFactory,
    RequestFactory,
    multi_source_template,
)


def fellow_of(people) -> Membership:
    return Membership.objects.get(program=people.program, user=people.fellow, role="fellow")


def evaluation_on(people, day: datetime.date):
    template = multi_source_template(people.program)
    evaluation = EvaluationFactory(
        request__program=people.program,
        request__fellow=fellow_of(people),
        request__template=template,
        submitted_on=day,
    )
    for sub in template.subcompetencies.all():
        ExternalRatingFactory(evaluation=evaluation, subcompetency=sub)
    return evaluation


def test_who_sees_a_fellows_evidence(ours, theirs):
    evaluation = evaluation_on(ours, datetime.date(2026, 10, 1))
    fellow = fellow_of(ours)
    for user in (ours.fellow, ours.director, ours.coordinator, ours.faculty):
        assert list(external_evaluations(user=user, fellow=fellow)) == [evaluation]
    other_fellow = MembershipFactory(program=ours.program, role="fellow").user
    for user in (other_fellow, theirs.director, theirs.faculty, theirs.fellow):
        assert not external_evaluations(user=user, fellow=fellow).exists()


def test_date_window_is_inclusive(ours):
    early = evaluation_on(ours, datetime.date(2026, 7, 31))
    inside = evaluation_on(ours, datetime.date(2026, 8, 1))
    edge = evaluation_on(ours, datetime.date(2026, 12, 31))
    evaluation_on(ours, datetime.date(2027, 1, 1))
    found = external_evaluations(
        user=ours.director,
        fellow=fellow_of(ours),
        start=datetime.date(2026, 8, 1),
        end=datetime.date(2026, 12, 31),
    )
    assert set(found) == {inside, edge}
    assert early in external_evaluations(user=ours.director, fellow=fellow_of(ours))


def test_ccc_packet_reads_it_in_a_fixed_number_of_queries(ours, django_assert_num_queries):
    for day in range(1, 7):
        evaluation_on(ours, datetime.date(2026, 9, day))
    fellow = fellow_of(ours)
    # The access check, the rows with their requests, all ratings with their subcompetencies.
    with django_assert_num_queries(3):
        rows = list(external_evaluations(user=ours.director, fellow=fellow))
        ratings = [(r.subcompetency.code, r.level) for e in rows for r in e.ratings.all()]
        names = [e.request.evaluator_name for e in rows]
    assert len(rows) == 6 and len(ratings) == 18 and len(names) == 6


def test_request_list_scoping(ours, theirs):
    mine = RequestFactory(program=ours.program, fellow=fellow_of(ours))
    by_director = RequestFactory(
        program=ours.program, fellow=fellow_of(ours), requested_by=ours.director
    )
    assert set(external_request_list(user=ours.director, program=ours.program)) == {
        mine,
        by_director,
    }
    assert list(external_request_list(user=ours.fellow, program=ours.program)) == [mine]
    for user in (ours.faculty, ours.coordinator, theirs.director, theirs.fellow):
        assert not external_request_list(user=user, program=ours.program).exists()


def test_patient_levels_mapping():
    assert patient_levels({}) == {"ICS1": None, "ICS2": None, "PROF1": None, "PROF2": None}
    levels = patient_levels({"explained": 5, "listened": 4, "involved": 0, "team": 2})
    # ICS1: 4.0 and 3.5 -> 3.75 -> rounds up to 4.0; ICS2: 2 -> 2.0.
    assert {k: str(v) if v else v for k, v in levels.items()} == {
        "ICS1": "4.0",
        "ICS2": "2.0",
        "PROF1": None,
        "PROF2": None,
    }
