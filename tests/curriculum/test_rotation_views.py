"""The rotation pages: who sees and edits them."""

from tests.curriculum.factories import RotationFactory
from tests.role_pages import assert_role_page_access


def test_rotation_pages_access(client, ours, theirs):
    rotation = RotationFactory(program=ours.program)
    path = f"/programs/{ours.program.pk}/rotations/"
    assert_role_page_access(client, ours, theirs, path, allowed=set(ours.__dict__) - {"program"})
    for page in (f"{path}new/", f"{path}{rotation.pk}/edit/"):
        assert_role_page_access(client, ours, theirs, page, allowed={"director", "coordinator"})


def test_rotation_form_creates_and_shows_errors(client, ours):
    client.force_login(ours.coordinator)
    url = f"/programs/{ours.program.pk}/rotations/new/"
    bad = client.post(url, {"name": "", "short_name": "APS", "discipline": "acute_pain"})
    assert bad.status_code == 200 and "This field is required" in bad.content.decode()
    good = client.post(url, {"name": "Acute pain", "short_name": "APS", "discipline": "acute_pain"})
    assert good.status_code == 302
    assert ours.program.rotations.get().name == "Acute pain"
    dup = client.post(url, {"name": "Acute pain", "short_name": "AP2", "discipline": "acute_pain"})
    assert dup.status_code == 200 and ours.program.rotations.count() == 1
