"""The permission matrix, generated from the URL configuration.

Every named route is asked by an anonymous visitor, each role of our program, and a fellow and a
director of another program, with real ids of the user's own objects, of another fellow's objects
and of the other program's objects. Each answer must be what ``MATRIX`` says: the allowed roles get
the page (200, or a redirect that is not to sign-in), everyone else a 404 (never a 403: a page
does not tell a member in the wrong role that it exists) and anonymous visitors the sign-in page;
a refused POST must also leave every row of every table as it was. A route missing from
``MATRIX`` fails the test, so a new page cannot ship without deciding who may see it.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from curriculum.models import Program
from tests.conftest import assert_nothing_changed
from tests.curriculum.factories import ProgramFactory
from tests.portfolio.routes import ROUTES as PORTFOLIO_ROUTES
from tests.program_evaluation.routes import ROUTES as PROGRAM_EVALUATION_ROUTES
from tests.surveys.routes import ROUTES as SURVEYS_ROUTES
from tests.trust.matrix import (
    ANY,
    DIRECTOR,
    FELLOW,
    MEMBERS,
    MINE,
    OUR_ROLES,
    PRINCIPALS,
    STAFF,
    TEACHERS,
    THEIR_ROLES,
    Route,
    all_routes,
    ask,
)
from tests.trust.world import build_world
from tests.workhours.routes import ROUTES as WORKHOURS_ROUTES

# Pages that need no sign-in; they are tried with a forged token and must not answer with data.
PUBLIC = {
    "healthz": {},
    "readyz": {},
    "accounts:invitation_accept": {"token": "forged-token"},
    "evaluators:evaluate": {"token": "forged-token"},
    "evaluators:evaluate_thanks": {},
    "reminders:calendar_feed": {"token": "forged-token"},
}

MATRIX: dict[str, Route] = {
    # curriculum
    "curriculum:home": Route(everyone=True),
    "curriculum:program_overview": Route(allow=STAFF),
    "curriculum:milestone_set_list": Route(allow={"fellow": ANY, **TEACHERS}),
    "curriculum:milestone_set_import": Route(allow=DIRECTOR, method="post"),
    "curriculum:milestone_set_load_default": Route(allow=DIRECTOR, method="post"),
    "curriculum:milestone_set_detail": Route(allow={"fellow": ANY, **TEACHERS}),
    "curriculum:milestone_set_export_yaml": Route(allow={"fellow": ANY, **TEACHERS}),
    "curriculum:milestone_set_export_csv": Route(allow={"fellow": ANY, **TEACHERS}),
    "curriculum:rotation_list": Route(allow={"fellow": ANY, **TEACHERS}),
    "curriculum:rotation_create": Route(allow=STAFF),
    "curriculum:rotation_edit": Route(allow=STAFF),
    "trainees:schedule": Route(allow=TEACHERS),
    "trainees:leave_policy": Route(allow=STAFF),
    "trainees:schedule_block_create": Route(allow=STAFF),
    "trainees:schedule_block_edit": Route(allow=STAFF),
    "trainees:schedule_block_delete": Route(allow=STAFF, method="post"),
    # trainees
    "dashboard:my_progress": Route(allow=FELLOW),
    "dashboard:program_settings": Route(allow=STAFF),
    "trainees:my_pathway": Route(allow=FELLOW),
    "trainees:cohort_list": Route(allow=TEACHERS),
    "trainees:cohort_create": Route(allow=STAFF),
    "trainees:academic_year_create": Route(allow=STAFF),
    "trainees:cohort_detail": Route(allow=TEACHERS),
    "trainees:enrolment_create": Route(allow=STAFF),
    "trainees:fellow_profile": Route(allow={"fellow": MINE, **TEACHERS}),
    "trainees:calendar": Route(allow=TEACHERS),
    "trainees:calendar_export": Route(allow=TEACHERS),
    "trainees:calendar_generate": Route(
        allow=STAFF, method="post", data={"academic_year": "year_id"}
    ),
    "trainees:deadline_create": Route(allow=STAFF),
    "trainees:deadline_edit": Route(allow=STAFF),
    "trainees:deadline_delete": Route(allow=STAFF, method="post"),
    "trainees:pathway_edit": Route(allow=STAFF),
    "trainees:enrolment_status": Route(allow=STAFF),
    "trainees:leave_period_create": Route(allow=STAFF),
    "trainees:leave_period_edit": Route(allow=STAFF),
    "trainees:leave_period_delete": Route(allow=STAFF, method="post"),
    # assessments
    "dashboard:faculty_queue": Route(allow={"faculty": ANY}),
    "assessments:template_list": Route(allow=DIRECTOR),
    "assessments:template_create": Route(allow=DIRECTOR),
    "assessments:template_update": Route(allow=DIRECTOR),
    "assessments:evaluation_timing": Route(allow=DIRECTOR),
    "assessments:assessment_list": Route(allow={"fellow": ANY, **STAFF}),
    "assessments:assessment_request": Route(allow=FELLOW),
    "assessments:assessment_detail": Route(allow={"fellow": MINE, "faculty": MINE, **STAFF}),
    "assessments:assessment_fill": Route(allow={"faculty": MINE}),
    "assessments:assessment_acknowledge": Route(allow={"fellow": MINE}, method="post"),
    "assessments:assessment_amend": Route(allow={"faculty": MINE}, method="post"),
    "assessments:assessment_return": Route(allow=STAFF),
    "assessments:assessment_decline": Route(allow={"faculty": MINE}),
    "assessments:my_milestones": Route(allow=FELLOW),
    "assessments:fellow_milestones": Route(allow={"fellow": MINE, **TEACHERS}),
    "assessments:ccc_period_list": Route(allow=TEACHERS),
    "assessments:ccc_committee": Route(allow=DIRECTOR),
    "assessments:ccc_meeting_create": Route(allow=STAFF),
    "assessments:ccc_period_detail": Route(allow=TEACHERS),
    "assessments:ccc_period_edit": Route(allow=STAFF),
    "assessments:ccc_assemble": Route(allow=STAFF, method="post"),
    "assessments:ccc_export": Route(allow=STAFF),
    "assessments:ccc_packet": Route(allow={"fellow": MINE, **TEACHERS}),
    "assessments:ccc_finalise": Route(allow=DIRECTOR, method="post"),
    "assessments:summative_detail": Route(allow={"fellow": MINE, **STAFF}),
    # accounts
    "accounts:people": Route(allow=STAFF),
    "accounts:people_invite": Route(allow=STAFF, method="post"),
    "accounts:people_deactivate": Route(allow=STAFF, method="post"),
    "accounts:people_reactivate": Route(allow=STAFF, method="post"),
    "accounts:invitation_revoke": Route(allow=STAFF, method="post"),
    "accounts:invitation_resend": Route(allow=STAFF, method="post"),
    "accounts:roster_import": Route(allow=STAFF),
    "accounts:roster_import_template": Route(allow=STAFF),
    "accounts:program_security": Route(allow=DIRECTOR),
    # procedures
    "procedures:catalogue": Route(allow={"fellow": ANY, **TEACHERS}),
    "procedures:catalogue_load": Route(allow=DIRECTOR, method="post"),
    "procedures:procedure_type_create": Route(allow=DIRECTOR),
    "procedures:procedure_type_edit": Route(allow=DIRECTOR),
    "procedures:procedure_category_create": Route(allow=DIRECTOR),
    "procedures:procedure_category_edit": Route(allow=DIRECTOR),
    "procedures:procedure_settings": Route(allow=DIRECTOR),
    "procedures:targets": Route(allow={"fellow": ANY, **TEACHERS}),
    "procedures:target_delete": Route(allow=DIRECTOR, method="post"),
    "procedures:log": Route(allow=FELLOW),
    "procedures:log_export": Route(allow=FELLOW),
    "procedures:entry_create": Route(allow=FELLOW),
    "procedures:entry_edit": Route(allow={"fellow": MINE}),
    "procedures:entry_delete": Route(allow={"fellow": MINE}),
    "procedures:favourite_toggle": Route(allow=FELLOW, method="post"),
    "procedures:log_import": Route(allow=FELLOW),
    "procedures:log_import_template": Route(allow=FELLOW),
    "procedures:fellow_log": Route(allow={"fellow": MINE, **TEACHERS}),
    "procedures:fellow_log_export": Route(allow={"fellow": MINE, **TEACHERS}),
    "procedures:verification_queue": Route(allow={"faculty": ANY, "director": ANY}),
    "procedures:entry_verify_bulk": Route(allow={"faculty": ANY, "director": ANY}, method="post"),
    "procedures:entry_verify": Route(allow={"faculty": MINE, "director": ANY}, method="post"),
    "procedures:entry_return": Route(allow={"faculty": MINE, "director": ANY}),
    "procedures:entry_reopen": Route(allow=DIRECTOR),
    "procedures:my_progress": Route(allow=FELLOW),
    "procedures:cohort_progress": Route(allow=TEACHERS),
    "procedures:cohort_progress_export": Route(allow=TEACHERS),
    # reminders
    "reminders:notification_centre": Route(allow=MEMBERS),
    "reminders:read_all": Route(allow=MEMBERS, method="post"),
    "reminders:notification_open": Route(allow={"fellow": MINE}),  # the recipient only
    "reminders:preferences": Route(allow=MEMBERS),
    "reminders:calendar_settings": Route(allow=MEMBERS),
    "reminders:director_reminders": Route(allow=STAFF),
    "reminders:reminder_settings": Route(allow=STAFF),
    "reminders:reminder_send_now": Route(allow=STAFF, method="post"),
    "reminders:chase": Route(allow=STAFF, method="post"),
    "reminders:deliveries_retry_failed": Route(allow=STAFF, method="post"),
    # didactics
    "didactics:calendar": Route(allow=MEMBERS),
    "didactics:series_list": Route(allow=STAFF),
    "didactics:series_create": Route(allow=STAFF),
    "didactics:session_create": Route(allow=STAFF),
    "didactics:session_recurring": Route(allow=STAFF),
    "didactics:session_detail": Route(allow=MEMBERS),
    "didactics:checkin_run": Route(allow=STAFF),
    "didactics:checkin_qr": Route(allow=STAFF),
    "didactics:check_in": Route(allow=FELLOW),
    "didactics:roll": Route(allow=STAFF),
    "didactics:my_attendance": Route(allow=FELLOW),
    "didactics:cohort_attendance": Route(allow=STAFF),
    "didactics:cohort_attendance_export": Route(allow=STAFF),
    "didactics:objectives": Route(allow=MEMBERS),
    "didactics:rotation_objectives": Route(allow=MEMBERS),
    "didactics:objective_create": Route(allow=STAFF),
    "didactics:teacher_add": Route(allow=DIRECTOR, method="post"),
    "didactics:teacher_remove": Route(allow=DIRECTOR, method="post"),
    "didactics:resource_create": Route(allow=STAFF),
    "didactics:objective_met": Route(allow=FELLOW, method="post"),
    "didactics:objective_unmark": Route(allow=FELLOW, method="post"),
    # ours.faculty teaches the rotation, so confirms any fellow's progress on it.
    "didactics:progress_confirm": Route(allow={"faculty": ANY, "director": ANY}, method="post"),
    "didactics:resource_file": Route(allow=MEMBERS),
    # evaluators (external, account-less evaluations)
    "evaluators:request_list": Route(allow={"fellow": ANY, "director": ANY}),
    "evaluators:request_create": Route(allow={"fellow": ANY, "director": ANY}),
    "evaluators:request_link": Route(allow={"fellow": MINE, "director": ANY}),
    "evaluators:request_revoke": Route(allow={"fellow": MINE, "director": ANY}, method="post"),
    "evaluators:my_evidence": Route(allow=FELLOW),
    "evaluators:fellow_evidence": Route(allow=TEACHERS),
    # boards (ABA semiannual reports)
    "boards:report_list": Route(allow=STAFF),
    "boards:reports_draft": Route(allow=DIRECTOR, method="post"),
    "boards:report_export": Route(allow=STAFF),
    "boards:report_print": Route(allow=STAFF),
    "boards:report_detail": Route(allow=STAFF),
    "boards:report_sign": Route(allow=DIRECTOR, method="post"),
    # dashboard
    "dashboard:cohort_dashboard": Route(allow=STAFF),
    "dashboard:panel_export": Route(allow=STAFF, extra={"panel": "deadlines"}),
    # audit
    "audit:event_list": Route(allow=DIRECTOR),
    "audit:event_export": Route(allow=DIRECTOR),
    # The newer apps keep their rows beside their tests (tests/<app>/routes.py).
    **WORKHOURS_ROUTES,
    **SURVEYS_ROUTES,
    **PORTFOLIO_ROUTES,
    **PROGRAM_EVALUATION_ROUTES,
}

OBJECT_KWARGS_IGNORED = {"program_id"}


def object_sides(route) -> tuple[str, ...]:
    """Routes that name an object are tried with three owners' ids; others once."""
    if set(route.kwargs) - OBJECT_KWARGS_IGNORED - set(MATRIX.get(route.name, Route()).extra):
        return ("mine", "other", "foreign")
    return ("mine",)


def _verdict(response) -> str:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return "login"
    if response.status_code in (200, 302):
        return "allowed"
    if response.status_code == 404:
        return "denied"
    return f"status {response.status_code}"


def _expected(spec: Route, principal: str, side: str) -> str:
    if principal == "anonymous":
        return "login"
    if spec.everyone:
        return "allowed"
    if principal in THEIR_ROLES or side == "foreign":
        return "denied"
    return "allowed" if side in spec.allow.get(principal, ()) else "denied"


def test_every_route_has_an_entry():
    names = {route.name for route in all_routes()}
    missing = sorted(names - set(MATRIX) - set(PUBLIC))
    stale = sorted((set(MATRIX) | set(PUBLIC)) - names)
    assert not missing, f"decide who may open these routes, in MATRIX: {missing}"
    assert not stale, f"these MATRIX entries name no route: {stale}"


@pytest.mark.django_db
def test_public_pages_never_answer_with_data_for_a_forged_token(client):
    for route in all_routes():
        if route.name not in PUBLIC:
            continue
        response = client.get(reverse(route.name, kwargs=PUBLIC[route.name]))
        assert response.status_code in (200, 404, 410), (route.name, response.status_code)
        body = response.content.decode(errors="replace").lower()
        assert "traceback" not in body


# The matrix is asked in parts so that parallel workers share it (it is the suite's longest test).
PARTS = 4


@pytest.mark.django_db
@pytest.mark.parametrize("part", range(PARTS))
def test_permission_matrix(client, ours, theirs, part):
    world = build_world(ours, theirs)
    failures, asked = [], 0
    routes = [route for route in all_routes() if route.name not in PUBLIC]
    for route in routes[part::PARTS]:
        spec = MATRIX[route.name]
        for principal in PRINCIPALS:
            sides = object_sides(route) if principal in OUR_ROLES else ("mine",)
            for side in sides:
                expected = _expected(spec, principal, side)
                try:
                    url, response = ask(
                        client, world, principal, route, spec, side, refused=expected != "allowed"
                    )
                except AssertionError as changed:  # a refused write that wrote anyway
                    failures.append(str(changed))
                    continue
                asked += 1
                got = _verdict(response)
                if got != expected:
                    failures.append(
                        f"{route.name} {spec.method.upper()} {url} as {principal} "
                        f"({side}): {got}, expected {expected}"
                    )
    assert not failures, f"{len(failures)} of {asked} answers are wrong:\n" + "\n".join(failures)
    # Make the coverage visible in the test log (the closing note quotes it).
    print(
        f"permission matrix part {part + 1} of {PARTS}: {len(routes[part::PARTS])} of "
        f"{len(MATRIX)} routes, {len(PRINCIPALS)} principals, {asked} requests"
    )


@pytest.mark.django_db
def test_the_nothing_changed_check_sees_a_new_row_and_an_edited_one(ours):
    """The matrix relies on it: a row added, or only touched (``updated_at``), is a change."""
    adding = assert_nothing_changed("adding a program")
    with pytest.raises(AssertionError, match="curriculum_program"), adding:
        ProgramFactory(name="Sneaked in")
    touching = assert_nothing_changed("touching a program")
    with pytest.raises(AssertionError, match="curriculum_program"), touching:
        Program.objects.filter(pk=ours.program.pk).update(updated_at=timezone.now())
    with assert_nothing_changed("reading"):
        assert Program.objects.filter(pk=ours.program.pk).exists()
