from tests.role_pages import assert_role_page_access


def test_my_progress_access_matrix(client, ours, theirs):
    path = f"/programs/{ours.program.pk}/my-progress/"
    assert_role_page_access(client, ours, theirs, path, allowed={"fellow"})


def test_a_fellow_typing_the_directors_url_gets_404(client, ours):
    client.force_login(ours.fellow)
    response = client.get(ours.program.get_absolute_url())
    assert response.status_code == 404
    assert ours.director.email not in response.content.decode()


def test_my_progress_is_honestly_empty(client, ours):
    client.force_login(ours.fellow)
    page = client.get(f"/programs/{ours.program.pk}/my-progress/").content.decode()
    assert "No progress recorded yet" in page
