import pytest
from django.template.loader import render_to_string
from django.test import override_settings


def test_healthz_is_public(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"


def test_pages_carry_a_content_security_policy(client, db):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_no_page_loads_assets_from_a_cdn(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "/static/vendor/bootstrap-5.3.9/bootstrap.min.css" in page
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in page
    assert "https://" not in page and "http://" not in page


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_404_page_is_friendly(client, ours):
    client.force_login(ours.fellow)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_500_page_renders_without_a_request_context():
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html


@pytest.mark.django_db
def test_403_page_renders(rf, ours):
    request = rf.get("/")
    request.user = ours.fellow
    assert "You cannot do that" in render_to_string("403.html", request=request)


def test_readyz_answers_when_the_database_does(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.content == b"ok"


def test_readyz_says_503_when_the_database_does_not(client, db):
    from unittest import mock

    from django.db import OperationalError, connection

    with mock.patch.object(connection, "cursor", side_effect=OperationalError("refused")):
        response = client.get("/readyz")
    assert response.status_code == 503 and response.content == b"database unavailable"
