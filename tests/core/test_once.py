"""One-time form tokens (core/once.py): a double tap or a resubmit saves one row."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.once import ALREADY_SAVED, FIELD, STILL_SAVING, once_per_submit
from procedures.models import ProcedureLogEntry
from tests.procedures.test_log import log as log  # fixture

Entry = ProcedureLogEntry
TOKEN = re.compile(rf'name="{FIELD}" value="([A-Za-z0-9_-]+)"')


def _url(name, program):
    return reverse(f"procedures:{name}", kwargs={"program_id": program.pk})


def _entry_data(log, **changes) -> dict:
    data = {
        "performed_on": "2026-01-05",
        "procedure_type": log.tfesi.pk,
        "guidance": "fluoroscopy",
        "role": "performed",
        "supervisor": log.faculty.pk,
        "supervision_level": "direct",
        "complication": "none",
        "age_band": "40_64",
        "level": "L4-L5",
        "laterality": "left",
        "note": "",
    }
    return data | changes


def _form_token(client, program) -> str:
    page = client.get(_url("entry_create", program)).content.decode()
    tokens = TOKEN.findall(page)
    assert len(tokens) == 1, tokens
    # The token is inside the entry form, so the browser sends it.
    start = page.index('id="entry-form"')
    form = page[start : page.index("</form>", start)]
    assert tokens[0] in form
    return tokens[0]


def test_the_create_form_carries_a_fresh_token_each_time(client, ours, log):
    client.force_login(ours.fellow)
    assert _form_token(client, ours.program) != _form_token(client, ours.program)


def test_a_double_post_creates_one_entry_and_the_second_goes_where_the_first_went(
    client, ours, log
):
    client.force_login(ours.fellow)
    data = _entry_data(log) | {FIELD: _form_token(client, ours.program)}
    first = client.post(_url("entry_create", ours.program), data)
    second = client.post(_url("entry_create", ours.program), data, follow=True)
    assert first.status_code == 302
    assert second.redirect_chain == [(first["Location"], 302)]
    assert ALREADY_SAVED in second.content.decode()
    assert Entry.objects.count() == 1


def test_a_refused_first_post_leaves_the_token_for_the_corrected_resubmit(client, ours, log):
    client.force_login(ours.fellow)
    token = _form_token(client, ours.program)
    refused = client.post(
        _url("entry_create", ours.program), _entry_data(log, age_band="") | {FIELD: token}
    )
    assert refused.status_code == 200
    assert not Entry.objects.exists()
    saved = client.post(_url("entry_create", ours.program), _entry_data(log) | {FIELD: token})
    assert saved.status_code == 302
    assert Entry.objects.count() == 1


def test_posts_without_a_token_still_work_as_before(client, ours, log):
    client.force_login(ours.fellow)
    for _ in range(2):
        response = client.post(_url("entry_create", ours.program), _entry_data(log))
        assert response.status_code == 302
    assert Entry.objects.count() == 2


def _request(token: str, user=None):
    request = RequestFactory().post("/create/", {FIELD: token})
    request.user = user or AnonymousUser()
    return request


def test_a_second_post_while_the_first_is_still_running_gets_409():
    token = "t" * 22
    seen = []

    @once_per_submit
    def view(request):
        if not seen:
            seen.append(view(_request(token)))  # the double tap arrives mid-save
        return redirect("/done/")

    assert view(_request(token)).status_code == 302
    assert seen[0].status_code == 409
    assert seen[0].content.decode() == STILL_SAVING


def test_an_exception_releases_the_token():
    calls = []

    @once_per_submit
    def view(request):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return redirect("/done/")

    with pytest.raises(RuntimeError):
        view(_request("e" * 22))
    assert view(_request("e" * 22)).status_code == 302
    assert len(calls) == 2


@pytest.mark.django_db
def test_one_users_token_does_not_answer_another_users_post(django_user_model):
    from tests.accounts.factories import UserFactory

    calls = []

    @once_per_submit
    def view(request):
        calls.append(request.user)
        return HttpResponse("ok")  # not a redirect: the token is released anyway

    ann, bob = UserFactory(), UserFactory()
    view(_request("u" * 22, ann))
    view(_request("u" * 22, bob))
    assert calls == [ann, bob]


def test_the_tag_renders_a_hidden_input_optionally_for_a_named_form():
    html = Template('{% load once %}{% once_token %}|{% once_token form="f" %}').render(Context())
    plain, named = html.split("|")
    assert re.fullmatch(rf'<input type="hidden" name="{FIELD}" value="[A-Za-z0-9_-]{{22}}">', plain)
    assert named.endswith('form="f">')


# --- every create view is guarded ------------------------------------------------------------

# URL names of views that create rows on POST. A new create view matching the pattern below must
# be decorated with @once_per_submit (or be listed here with the reason it need not be).
NOT_GUARDED = {
    "trainees:calendar_generate": "idempotent: generates the missing deadlines only",
    "procedures:catalogue_load": "idempotent: adds the standard types the program lacks",
    "curriculum:milestone_set_load_default": "idempotent: loads the default set once",
}
CREATES = re.compile(
    r"_(create|add|invite|request|import|recurring)$|:checkin_run$|:ccc_period_list$"
)


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern.callback


def test_every_create_view_is_guarded_by_a_one_time_token():
    project = (
        "curriculum",
        "trainees",
        "assessments",
        "accounts",
        "procedures",
        "didactics",
        "evaluators",
        "reminders",
        "boards",
        "workhours",
        "surveys",
        "portfolio",
        "program_evaluation",
        "dashboard",
        "audit",
    )
    create_views = {
        name: callback
        for name, callback in _walk(get_resolver().url_patterns)
        if name.split(":")[0] in project and CREATES.search(name) and name not in NOT_GUARDED
    }
    assert "procedures:entry_create" in create_views
    assert len(create_views) >= 20
    unguarded = [
        name for name, view in create_views.items() if not getattr(view, "once_per_submit", False)
    ]
    assert unguarded == []


# --- the error summary of a refused save -----------------------------------------------------


def _summary(page: str) -> str:
    start = page.index('id="error-summary"')
    return page[page.rindex("<div", 0, start) : page.index("</div>", start)]


@pytest.mark.parametrize("form", ["entry", "assessment_request", "session", "schedule_block"])
def test_a_refused_save_shows_a_focusable_error_summary_linking_each_field(
    client, ours, log, enrolment, form
):
    from tests.curriculum.factories import RotationFactory

    if form == "entry":
        client.force_login(ours.fellow)
        url, data, field = (
            _url("entry_create", ours.program),
            _entry_data(log, age_band=""),
            "age_band",
        )
    elif form == "assessment_request":
        from tests.assessments.factories import AssessmentTemplateFactory

        AssessmentTemplateFactory(program=ours.program, kind="direct_observation")
        client.force_login(ours.fellow)
        url = reverse("assessments:assessment_request", kwargs={"program_id": ours.program.pk})
        data, field = {}, "observed_on"
    elif form == "session":
        client.force_login(ours.director)
        url = reverse("didactics:session_create", kwargs={"program_id": ours.program.pk})
        data, field = {"topic": "Core lecture"}, "date"
    else:
        RotationFactory(program=ours.program)
        client.force_login(ours.coordinator)
        url = f"/programs/{ours.program.pk}/schedule/enrolments/{enrolment.pk}/blocks/new/"
        data, field = {"start_date": "2026-07-01", "end_date": "2026-07-28"}, "rotation"
    response = client.post(url, data | {FIELD: "r" * 22})
    assert response.status_code == 200
    summary = _summary(response.content.decode())
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    assert re.search(rf'href="#id_[\w-]*{field}"', summary), summary
    # Refused: the token is free again for the corrected resubmit.
    assert cache.get(f"once:{response.wsgi_request.user.pk}:{'r' * 22}") is None


def test_a_form_crispy_draws_with_its_own_form_tag_carries_the_token_too(client, ours):
    from procedures.models import ProcedureCategory

    client.force_login(ours.director)
    url = reverse("procedures:procedure_category_create", kwargs={"program_id": ours.program.pk})
    page = client.get(url).content.decode()
    (token,) = TOKEN.findall(page)
    start = page.index(token)
    assert page.rindex("<form", 0, start) > page.rindex("</form>", 0, start)  # inside a form
    for _ in range(2):
        assert client.post(url, {"name": "Facet", FIELD: token}).status_code == 302
    assert ProcedureCategory.objects.filter(program=ours.program, name="Facet").count() == 1
