"""The access matrix every role home page must satisfy: anonymous, each role, other program."""

from curriculum.models import Membership

Role = Membership.Role
OUTSIDERS = "theirs"  # the same role in another program


def assert_role_page_access(client, ours, theirs, path: str, allowed: set[str]) -> None:
    response = client.get(path)
    assert response.status_code == 302, "anonymous visitors must be sent to sign in"
    assert response["Location"].startswith("/accounts/login/")

    for role in Role.values:
        client.force_login(ours.user(role))
        status = client.get(path).status_code
        expected = 200 if role in allowed else 404
        assert status == expected, f"{role} got {status}, expected {expected}"

        client.force_login(theirs.user(role))
        assert client.get(path).status_code == 404, f"{role} of another program saw {path}"
    client.logout()
