"""The program settings page leads to every setting, each for whoever may change it."""

import re

from dashboard.views.settings import SETTINGS
from tests.conftest import page_ok
from tests.role_pages import assert_role_page_access


def _settings_path(people) -> str:
    return f"/programs/{people.program.pk}/settings/"


def _links(page: str) -> list[str]:
    block = page.split('id="program-settings"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="([^"]+)"', block)


def test_only_staff_open_the_settings_page(client, ours, theirs):
    assert_role_page_access(
        client, ours, theirs, _settings_path(ours), allowed={"director", "coordinator"}
    )


def test_the_director_reaches_every_setting_from_it(client, ours):
    client.force_login(ours.director)
    links = _links(page_ok(client, _settings_path(ours)).content.decode())
    assert len(links) == len(SETTINGS) == 13
    for link in links:
        page_ok(client, link)  # each one opens for the director


def test_a_coordinator_gets_links_to_their_settings_and_sees_the_directors_named(client, ours):
    client.force_login(ours.coordinator)
    page = page_ok(client, _settings_path(ours)).content.decode()
    links = _links(page)
    assert 0 < len(links) < len(SETTINGS)
    for link in links:
        page_ok(client, link)  # never a link to a page that would answer 404
    assert f"/programs/{ours.program.pk}/security/" not in links
    assert page.count("set by the program director") == len(SETTINGS) - len(links)


def test_the_dashboard_links_the_settings_page(client, ours):
    client.force_login(ours.director)
    dashboard = page_ok(client, f"/programs/{ours.program.pk}/dashboard/").content.decode()
    assert f'href="{_settings_path(ours)}"' in dashboard
