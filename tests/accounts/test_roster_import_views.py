"""The roster import page: who may use it, the preview, the confirm step and the template."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Invitation
from accounts.roster_import import TEMPLATE_CSV
from tests.accounts.factories import UserFactory
from tests.curriculum.factories import MembershipFactory
from tests.role_pages import assert_role_page_access

CLEAN = (
    b"email,full_name,role\n"
    b"ana@example.test,Dr. Ana Ruiz,fellow\n"
    b"ben@example.test,Dr. Ben Ode,faculty\n"
)
BAD = CLEAN + b"jane@,Dr. Jane,fellow\n"


def import_path(program) -> str:
    return f"/programs/{program.pk}/people/import/"


def upload(client, program, content: bytes, name: str = "roster.csv"):
    return client.post(
        import_path(program),
        {"step": "preview", "file": SimpleUploadedFile(name, content, "text/csv")},
    )


def confirm(client, program, digest: str):
    return client.post(import_path(program), {"step": "confirm", "digest": digest})


def test_import_page_access_matrix(client, ours, theirs):
    assert_role_page_access(
        client, ours, theirs, import_path(ours.program), allowed={"director", "coordinator"}
    )


def test_import_page_has_a_labelled_file_input_and_the_template_link(client, ours):
    client.force_login(ours.coordinator)
    page = client.get(import_path(ours.program)).content.decode()
    assert 'for="id_file"' in page and 'type="file"' in page
    assert 'enctype="multipart/form-data"' in page
    assert f'href="{import_path(ours.program)}template.csv"' in page
    assert "email,full_name,role" in page
    assert "style=" not in page and "<script>" not in page


def test_people_page_links_to_the_import(client, ours):
    client.force_login(ours.director)
    page = client.get(f"/programs/{ours.program.pk}/people/").content.decode()
    assert f'href="{import_path(ours.program)}"' in page and "Import a roster (CSV)" in page


@pytest.mark.parametrize("role", ["faculty", "fellow"])
def test_faculty_and_fellows_cannot_post_an_import(client, ours, role):
    client.force_login(ours.user(role))
    assert upload(client, ours.program, CLEAN).status_code == 404
    assert confirm(client, ours.program, "x").status_code == 404
    assert not Invitation.objects.exists()


def test_a_bad_row_is_named_and_nothing_is_created(client, ours, mailoutbox):
    client.force_login(ours.director)
    response = upload(client, ours.program, BAD)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Row 4 (email): “jane@” is not a valid email address" in page
    assert "2 rows ready, 1 with problems" in page
    assert "Problem" in page and "alert-danger" in page
    assert 'value="confirm"' not in page and "Invite 2 people" not in page
    assert 'id="id_file"' in page  # the upload form is offered again
    assert not Invitation.objects.exists() and mailoutbox == []
    assert f"roster_import:{ours.program.pk}" not in client.session


def test_a_file_level_problem_is_shown_at_the_top(client, ours):
    client.force_login(ours.director)
    page = upload(client, ours.program, b"email,name,role\na@example.test,A,fellow\n")
    assert "Unexpected column “name”." in page.content.decode()
    assert 'value="confirm"' not in page.content.decode()


def test_a_file_over_256_kb_is_refused_by_the_form(client, ours):
    client.force_login(ours.director)
    response = upload(client, ours.program, b"x" * (256 * 1024 + 1))
    assert response.status_code == 200
    assert "larger than 256 KB" in response.context["form"].errors["file"][0]


def test_a_clean_preview_then_confirm_invites_everyone(
    client, ours, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(ours.coordinator)
    response = upload(client, ours.program, CLEAN)
    page = response.content.decode()
    assert "2 rows ready, 0 with problems" in page and "Invite 2 people" in page
    assert not Invitation.objects.exists()  # the preview saves nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, ours.program, response.context["digest"])

    assert response.status_code == 302
    assert response["Location"] == f"/programs/{ours.program.pk}/people/"
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "ana@example.test",
        "ben@example.test",
    ]
    assert len(mailoutbox) == 2 and "http://testserver/invitations/" in mailoutbox[0].body
    assert f"roster_import:{ours.program.pk}" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "2 invitations sent." in page


def test_a_session_store_failing_after_the_import_still_reports_what_was_saved(
    client, ours, monkeypatch
):
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    import accounts.views

    client.force_login(ours.director)
    digest = upload(client, ours.program, CLEAN).context["digest"]
    imported = accounts.views.roster_import
    state = {"imported": False}

    def import_then_break_sessions(**kwargs):
        result = imported(**kwargs)
        state["imported"] = True
        return result

    original_save = SessionStore.save

    def save(self, *args, **kwargs):
        if state["imported"]:
            raise OperationalError("the database went away")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(accounts.views, "roster_import", import_then_break_sessions)
    monkeypatch.setattr(SessionStore, "save", save)
    response = confirm(client, ours.program, digest)
    assert response.status_code == 302 and Invitation.objects.count() == 2
    monkeypatch.setattr(SessionStore, "save", original_save)
    assert "2 invitations sent." in client.get(response["Location"]).content.decode()
    # The stash is gone: confirming again imports nothing more.
    confirm(client, ours.program, digest)
    assert Invitation.objects.count() == 2


def test_confirm_without_a_stored_preview_imports_nothing(client, ours):
    client.force_login(ours.director)
    response = confirm(client, ours.program, "whatever")
    assert response.status_code == 200
    assert "Upload the file again" in response.content.decode()
    assert not Invitation.objects.exists()


def test_confirm_after_a_different_file_was_checked_shows_the_preview_again(client, ours):
    client.force_login(ours.director)
    first = upload(client, ours.program, CLEAN)
    upload(client, ours.program, CLEAN + b"cy@example.test,Dr. Cy,fellow\n")

    response = confirm(client, ours.program, first.context["digest"])

    assert response.status_code == 200
    assert "The file changed" in response.content.decode()
    assert "Invite 3 people" in response.content.decode()
    assert not Invitation.objects.exists()


def test_confirm_rechecks_the_program_and_shows_new_problems(client, ours):
    client.force_login(ours.director)
    response = upload(client, ours.program, CLEAN)
    # Ana accepts another invitation and becomes a fellow between preview and confirm.
    MembershipFactory(
        program=ours.program, user=UserFactory(email="ana@example.test"), role="fellow"
    )

    response = confirm(client, ours.program, response.context["digest"])

    assert response.status_code == 200
    assert "ana@example.test already has the fellow role" in response.content.decode()
    assert not Invitation.objects.exists()


def test_confirm_by_another_programs_director_is_404(client, ours, theirs):
    client.force_login(ours.director)
    response = upload(client, ours.program, CLEAN)
    digest = response.context["digest"]

    client.force_login(theirs.director)
    assert confirm(client, ours.program, digest).status_code == 404
    assert upload(client, ours.program, CLEAN).status_code == 404
    assert not Invitation.objects.exists()


def test_the_preview_of_one_program_cannot_be_confirmed_in_another(client, ours, theirs):
    director = ours.director
    MembershipFactory(program=theirs.program, user=director, role="director")
    client.force_login(director)
    response = upload(client, ours.program, CLEAN)
    reply = confirm(client, theirs.program, response.context["digest"])
    assert reply.status_code == 200 and "Upload the file again" in reply.content.decode()
    assert not Invitation.objects.exists()


def test_the_template_csv_downloads(client, ours, theirs):
    client.force_login(ours.coordinator)
    response = client.get(f"{import_path(ours.program)}template.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode() == TEMPLATE_CSV

    client.force_login(theirs.director)
    assert client.get(f"{import_path(ours.program)}template.csv").status_code == 404
    client.force_login(ours.fellow)
    assert client.get(f"{import_path(ours.program)}template.csv").status_code == 404
