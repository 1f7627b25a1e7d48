"""Signed-in pages and CSV downloads carry personal data: ``Cache-Control: no-store``
(core.middleware.NoStoreMiddleware). Anonymous pages and views that chose their own header are
left alone."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from core.middleware import NoStoreMiddleware
from reminders.services.preferences import calendar_token_reset
from tests.dashboard.factories import cohort_with_fellows


def test_the_dashboard_is_not_stored(client, ours):
    cohort_with_fellows(ours.program, 1)
    client.force_login(ours.director)
    response = client.get(
        reverse("dashboard:cohort_dashboard", kwargs={"program_id": ours.program.pk})
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_csv_exports_are_not_stored(client, ours):
    cohort, _ = cohort_with_fellows(ours.program, 1)
    client.force_login(ours.director)
    panel = reverse(
        "dashboard:panel_export", kwargs={"program_id": ours.program.pk, "panel": "progress"}
    )
    response = client.get(panel, {"cohort": cohort.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"


def test_the_audit_export_is_not_stored(client, ours):
    client.force_login(ours.director)
    response = client.get(reverse("audit:event_export", kwargs={"program_id": ours.program.pk}))
    assert response.status_code == 200 and response.streaming
    assert response["Cache-Control"] == "no-store"


def test_every_signed_in_page_is_not_stored(client, ours):
    client.force_login(ours.fellow)
    for path in ("/", reverse("curriculum:milestone_set_list", args=[ours.program.pk])):
        response = client.get(path)
        assert response["Cache-Control"] == "no-store", path
    assert client.get("/no-such-page/")["Cache-Control"] == "no-store"  # an error page too


@pytest.mark.django_db
def test_anonymous_pages_are_left_to_their_views(client):
    # Nothing personal on the reset form: no header forced on it.
    assert "Cache-Control" not in client.get("/accounts/password/reset/")
    # allauth's sign-in page sends its own never-cache header; it is kept as it is.
    login = client.get("/accounts/login/")
    assert login["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_a_header_the_view_chose_is_kept(client, ours):
    """The calendar feed is cached privately by the owner's calendar app on purpose, signed in
    or not."""
    token = calendar_token_reset(actor=ours.fellow).calendar_token
    assert client.get(f"/calendar/{token}/feed.ics")["Cache-Control"] == "private, max-age=900"
    client.force_login(ours.fellow)
    assert client.get(f"/calendar/{token}/feed.ics")["Cache-Control"] == "private, max-age=900"


def test_a_csv_is_not_stored_even_for_an_anonymous_request():
    request = RequestFactory().get("/anything.csv")
    request.user = AnonymousUser()
    csv = NoStoreMiddleware(lambda request: HttpResponse("a,b\n", content_type="text/csv"))
    html = NoStoreMiddleware(lambda request: HttpResponse("<p>hi</p>"))
    assert csv(request)["Cache-Control"] == "no-store"
    assert "Cache-Control" not in html(request)
