"""Access matrices, the fill-and-sign flow through the views, and constant query counts."""

import datetime
from functools import partial

import pytest

from assessments.models import Assessment, AssessmentTemplate
from curriculum.models import Membership
from curriculum.services import milestone_set_load_default
from tests.accounts.factories import PASSWORD
from tests.assessments.factories import AssessmentFactory, AssessmentTemplateFactory
from tests.conftest import assert_constant_queries, page_ok
from tests.curriculum.factories import MembershipFactory
from tests.role_pages import assert_role_page_access

Role = Membership.Role
Status = Assessment.Status


def member(people, role):
    return Membership.objects.get(user=people.user(role), program=people.program, role=role)


@pytest.fixture
def subs(ours):
    milestone_set = milestone_set_load_default(actor=None, program=ours.program)
    return list(milestone_set.subcompetencies.order_by("code")[:3])


@pytest.fixture
def template(ours, subs):
    template = AssessmentTemplateFactory(
        program=ours.program,
        milestone_set=subs[0].milestone_set,
        kind=AssessmentTemplate.Kind.DIRECT_OBSERVATION,
        name="Direct observation",
    )
    template.subcompetencies.set(subs)
    return template


@pytest.fixture
def draft(ours, template):
    return AssessmentFactory(
        program=ours.program,
        template=template,
        fellow=member(ours, Role.FELLOW),
        assessor=member(ours, Role.FACULTY),
    )


def sign_through_view(client, ours, draft, subs, password=PASSWORD):
    client.force_login(ours.faculty)
    data = {"narrative": "Steady hands.", "action": "sign", "password": password}
    data.update({f"rating_{s.pk}": "3.5" for s in subs})
    return client.post(path(draft, "fill/"), data)


def path(assessment, suffix=""):
    return f"/programs/{assessment.program_id}/assessments/{assessment.pk}/{suffix}"


# --- role-level pages ---


def test_forms_page_access_matrix(client, ours, theirs):
    path_ = f"/programs/{ours.program.pk}/assessment-forms/"
    assert_role_page_access(client, ours, theirs, path_, allowed={"director"})
    assert_role_page_access(client, ours, theirs, path_ + "new/", allowed={"director"})


def test_request_page_access_matrix(client, ours, theirs):
    path_ = f"/programs/{ours.program.pk}/assessments/request/"
    assert_role_page_access(client, ours, theirs, path_, allowed={"fellow"})


def test_assessment_list_access_matrix(client, ours, theirs):
    path_ = f"/programs/{ours.program.pk}/assessments/"
    assert_role_page_access(
        client, ours, theirs, path_, allowed={"fellow", "director", "coordinator"}
    )


# --- object pages ---


def _status(client, user, url):
    client.force_login(user)
    return client.get(url).status_code


def test_detail_access_for_a_draft(client, ours, theirs, draft):
    url = path(draft)
    assert client.get(url).status_code == 302
    assert _status(client, ours.faculty, url) == 200
    assert _status(client, ours.director, url) == 200
    assert _status(client, ours.coordinator, url) == 200
    assert _status(client, ours.fellow, url) == 404, "a draft about the fellow stays hidden"
    other_fellow = MembershipFactory(program=ours.program, role=Role.FELLOW).user
    assert _status(client, other_fellow, url) == 404
    other_faculty = MembershipFactory(program=ours.program, role=Role.FACULTY).user
    assert _status(client, other_faculty, url) == 404
    for role in Role.values:
        assert _status(client, theirs.user(role), url) == 404


def test_fellow_sees_it_once_signed_and_never_another_fellows(client, ours, draft, subs):
    assert sign_through_view(client, ours, draft, subs).status_code == 302
    assert _status(client, ours.fellow, path(draft)) == 200
    other_fellow = MembershipFactory(program=ours.program, role=Role.FELLOW).user
    assert _status(client, other_fellow, path(draft)) == 404
    client.force_login(other_fellow)
    page = client.get(f"/programs/{ours.program.pk}/assessments/").content.decode()
    assert "Direct observation" not in page


def test_fill_is_for_the_assessor_only(client, ours, theirs, draft):
    url = path(draft, "fill/")
    assert _status(client, ours.faculty, url) == 200
    for user in (ours.fellow, ours.director, ours.coordinator, theirs.faculty):
        assert _status(client, user, url) == 404
    client.force_login(ours.director)
    assert client.post(url, {"narrative": "x", "action": "save"}).status_code == 404


def test_fill_page_puts_the_narrative_first(client, ours, draft, subs):
    client.force_login(ours.faculty)
    page = client.get(path(draft, "fill/")).content.decode()
    assert page.index('name="narrative"') < page.index(f'name="rating_{subs[0].pk}"')
    assert page.count("<fieldset") == 3
    assert "Not yet assessable" in page
    assert 'name="password"' in page
    assert "Sign and submit" in page


def test_save_draft_through_the_view(client, ours, draft, subs):
    client.force_login(ours.faculty)
    response = client.post(
        path(draft, "fill/"),
        {"narrative": "Half way", "action": "save", f"rating_{subs[0].pk}": "na"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.narrative == "Half way"
    assert draft.status == Status.DRAFT
    assert draft.ratings.get().not_assessable


def test_sign_through_the_view(client, ours, draft, subs):
    response = sign_through_view(client, ours, draft, subs)
    assert response.status_code == 302
    assert response["Location"] == path(draft)
    draft.refresh_from_db()
    assert draft.status == Status.SIGNED
    assert draft.signatures.count() == 1
    page = client.get(path(draft)).content.decode()
    assert page.index("Steady hands.") < page.index(subs[0].code)
    assert draft.signatures.get().content_hash[:12] in page
    # Signed: the fill page sends the assessor to the read-only page.
    assert client.get(path(draft, "fill/"))["Location"] == path(draft)


def test_a_wrong_password_saves_nothing(client, ours, draft, subs):
    response = sign_through_view(client, ours, draft, subs, password="wrong")
    assert response.status_code == 200
    assert "That password is not correct." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert draft.narrative == ""
    assert not draft.ratings.exists()


def test_missing_ratings_are_shown(client, ours, draft, subs):
    client.force_login(ours.faculty)
    response = client.post(
        path(draft, "fill/"), {"narrative": "x", "action": "sign", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert subs[0].code in response.content.decode()
    assert not Assessment.objects.filter(status=Status.SIGNED).exists()


def test_fellow_acknowledges(client, ours, draft, subs):
    sign_through_view(client, ours, draft, subs)
    for user in (ours.faculty, ours.director):
        client.force_login(user)
        assert client.post(path(draft, "acknowledge/")).status_code == 404
    client.force_login(ours.fellow)
    page = client.get(f"/programs/{ours.program.pk}/assessments/").content.decode()
    assert "Acknowledge" in page
    response = client.post(path(draft, "acknowledge/"), {"next": "list"})
    assert response["Location"] == f"/programs/{ours.program.pk}/assessments/"
    draft.refresh_from_db()
    assert draft.status == Status.ACKNOWLEDGED


def test_fellow_cannot_acknowledge_a_draft(client, ours, draft):
    client.force_login(ours.fellow)
    assert client.post(path(draft, "acknowledge/")).status_code == 404


def test_assessor_amends_a_signed_assessment(client, ours, draft, subs):
    sign_through_view(client, ours, draft, subs)
    client.force_login(ours.director)
    assert client.post(path(draft, "amend/")).status_code == 404
    client.force_login(ours.faculty)
    response = client.post(path(draft, "amend/"))
    amendment = Assessment.objects.get(amends=draft)
    assert response["Location"] == path(amendment, "fill/")


def test_staff_return_a_draft(client, ours, draft):
    url = path(draft, "return/")
    for user in (ours.faculty, ours.fellow):
        assert _status(client, user, url) == 404
    client.force_login(ours.coordinator)
    response = client.post(url, {"reason": "Please add the narrative"})
    assert response["Location"] == path(draft)
    draft.refresh_from_db()
    assert draft.status == Status.RETURNED
    client.force_login(ours.faculty)
    page = client.get(f"/programs/{ours.program.pk}/waiting/").content.decode()
    assert "Please add the narrative" in page


def test_fellow_requests_through_the_view(client, ours, template):
    client.force_login(ours.fellow)
    url = f"/programs/{ours.program.pk}/assessments/request/"
    page = client.get(url).content.decode()
    assert ours.faculty.display_name in page
    assert ours.coordinator.display_name not in page
    data = {
        "template": template.pk,
        "assessor": member(ours, Role.FACULTY).pk,
        "observed_on": ours.program.today().isoformat(),
    }
    response = client.post(url, data, follow=True)
    assert f"Request sent to {ours.faculty.display_name}" in response.content.decode()
    client.post(url, data)
    assert Assessment.objects.count() == 1
    data["observed_on"] = (ours.program.today() + datetime.timedelta(days=2)).isoformat()
    assert "already have taken place" in client.post(url, data).content.decode()


def test_director_creates_a_form(client, ours, subs):
    client.force_login(ours.director)
    url = f"/programs/{ours.program.pk}/assessment-forms/new/"
    page = client.get(url).content.decode()
    assert f'id="sub-{subs[0].pk}"' in page
    response = client.post(
        url,
        {
            "name": "Clinic evaluation",
            "kind": "end_of_rotation",
            "milestone_set": subs[0].milestone_set_id,
            "subcompetencies": [s.pk for s in subs],
        },
    )
    assert response.status_code == 302
    template = AssessmentTemplate.objects.get(name="Clinic evaluation")
    assert template.subcompetencies.count() == 3
    edit = f"/programs/{ours.program.pk}/assessment-forms/{template.pk}/edit/"
    assert client.get(edit).status_code == 200
    assert (
        "Clinic evaluation"
        in client.get(f"/programs/{ours.program.pk}/assessment-forms/").content.decode()
    )


def test_staff_list_filters(client, ours, draft):
    client.force_login(ours.director)
    url = f"/programs/{ours.program.pk}/assessments/"
    assert ours.fellow.display_name in client.get(url).content.decode()
    page = client.get(url, {"status": "signed"}).content.decode()
    assert "No assessments" in page


def test_fellow_home_links_to_assessments(client, ours):
    client.force_login(ours.fellow)
    page = client.get(f"/programs/{ours.program.pk}/my-progress/").content.decode()
    assert "Request an assessment" in page
    assert "No signed assessments are waiting" in page


# --- query counts ---


def _make(ours, template, n, status=Status.DRAFT):
    for _ in range(n):
        assessment = AssessmentFactory(
            program=ours.program,
            template=template,
            fellow=MembershipFactory(program=ours.program, role=Role.FELLOW),
            assessor=member(ours, Role.FACULTY),
        )
        if status != Status.DRAFT:
            Assessment.objects.filter(pk=assessment.pk).update(
                status=status, signed_at=datetime.datetime.now(datetime.UTC)
            )


def test_faculty_queue_query_count_is_constant(client, ours, template):
    client.force_login(ours.faculty)
    queue = partial(page_ok, client, f"/programs/{ours.program.pk}/waiting/")
    assert_constant_queries(queue, lambda n: _make(ours, template, n), sizes=(1, 16))


def test_faculty_queue_links_each_fellow_to_their_milestones(client, ours, template):
    _make(ours, template, 2)
    client.force_login(ours.faculty)
    page = client.get(f"/programs/{ours.program.pk}/waiting/").content.decode()
    for fellow_id in Assessment.objects.values_list("fellow_id", flat=True):
        assert f"/programs/{ours.program.pk}/fellows/{fellow_id}/milestones/" in page


def test_fellow_list_query_count_is_constant(client, ours, template):
    client.force_login(ours.fellow)
    fellow = member(ours, Role.FELLOW)
    faculty = iter([MembershipFactory(program=ours.program, role=Role.FACULTY) for _ in range(15)])
    url = f"/programs/{ours.program.pk}/assessments/"

    def add(assessor, status):
        a = AssessmentFactory(
            program=ours.program, template=template, fellow=fellow, assessor=assessor
        )
        if status != Status.DRAFT:
            Assessment.objects.filter(pk=a.pk).update(
                status=status, signed_at=datetime.datetime.now(datetime.UTC)
            )

    def add_assessors(n):  # a signed and a draft assessment from each
        for _ in range(n):
            assessor = next(faculty)
            add(assessor, Status.SIGNED)
            add(assessor, Status.DRAFT)

    assert_constant_queries(partial(page_ok, client, url), add_assessors, sizes=(1, 15))


def test_staff_list_query_count_is_constant(client, ours, template):
    client.force_login(ours.director)
    url = f"/programs/{ours.program.pk}/assessments/"
    _make(ours, template, 1)
    assert_constant_queries(
        partial(page_ok, client, url),
        lambda n: _make(ours, template, n, Status.SIGNED),
        sizes=(0, 15),
    )
