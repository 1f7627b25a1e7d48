from tests.role_pages import assert_role_page_access


def test_faculty_queue_access_matrix(client, ours, theirs):
    path = f"/programs/{ours.program.pk}/waiting/"
    assert_role_page_access(client, ours, theirs, path, allowed={"faculty"})


def test_faculty_queue_is_honestly_empty(client, ours):
    client.force_login(ours.faculty)
    page = client.get(f"/programs/{ours.program.pk}/waiting/").content.decode()
    assert "Nothing is waiting for you" in page
