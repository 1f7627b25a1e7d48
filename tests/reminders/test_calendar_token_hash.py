"""The private calendar link's secret is stored only as a SHA-256 hash, shown once, and the
migration hashed the tokens already stored so existing feed URLs keep working."""

import hashlib
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from reminders.models import NotificationPreference, calendar_token_hash
from reminders.selectors import calendar_owner
from reminders.services.preferences import calendar_token_reset, calendar_token_revoke
from tests.conftest import migrate_to_latest

FEED = re.compile(r"/calendar/([\w-]+)/feed\.ics")


def test_only_the_hash_is_stored_and_the_feed_is_found_by_it(client, ours):
    token = calendar_token_reset(actor=ours.fellow).calendar_token
    row = NotificationPreference.objects.values().get(user=ours.fellow)
    assert row["calendar_token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(row)
    assert NotificationPreference.objects.get(user=ours.fellow).calendar_token == ""
    assert calendar_owner(token=token) == ours.fellow
    assert calendar_owner(token=row["calendar_token_hash"]) is None  # the hash opens nothing
    response = client.get(reverse("reminders:calendar_feed", kwargs={"token": token}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")


def test_rotating_invalidates_the_old_link_and_revoking_turns_it_off(client, ours):
    old = calendar_token_reset(actor=ours.fellow).calendar_token
    new = calendar_token_reset(actor=ours.fellow).calendar_token
    assert old != new
    assert client.get(f"/calendar/{old}/feed.ics").status_code == 404
    assert client.get(f"/calendar/{new}/feed.ics").status_code == 200
    calendar_token_revoke(actor=ours.fellow)
    assert NotificationPreference.objects.get(user=ours.fellow).calendar_token_hash == ""
    assert client.get(f"/calendar/{new}/feed.ics").status_code == 404


def test_the_new_link_is_shown_once_on_the_page(client, ours):
    url = reverse("reminders:calendar_settings", kwargs={"program_id": ours.program.pk})
    client.force_login(ours.fellow)
    assert "You have no calendar link yet" in client.get(url).content.decode()
    client.post(url, {"action": "reset"})
    first = client.get(url).content.decode()
    token = FEED.search(first).group(1)
    assert "shown only this once" in first
    again = client.get(url).content.decode()
    assert not FEED.search(again) and "Your calendar link is on" in again
    client.logout()
    assert client.get(f"/calendar/{token}/feed.ics").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_stored_tokens_so_existing_feed_urls_keep_working(ours):
    before = [("reminders", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        Preference = old_apps.get_model("reminders", "NotificationPreference")
        Preference.objects.create(user_id=ours.fellow.pk, calendar_token="existing-feed-token")
        Preference.objects.create(user_id=ours.faculty.pk, calendar_token="")
    finally:
        migrate_to_latest()  # through 0002, the migration under test
    hashes = dict(NotificationPreference.objects.values_list("user_id", "calendar_token_hash"))
    assert hashes == {
        ours.fellow.pk: calendar_token_hash("existing-feed-token"),
        ours.faculty.pk: "",
    }
    assert calendar_owner(token="existing-feed-token") == ours.fellow
