import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from curriculum.demo import DEMO_PASSWORD, DEMO_PROGRAM_NAME
from curriculum.models import Membership, Program

DEMO_LOGINS = [
    "director@demo.test",
    "coordinator@demo.test",
    *[f"faculty{i}@demo.test" for i in (1, 2, 3)],
    *[f"fellow{i}@demo.test" for i in range(1, 7)],
]


def snapshot() -> list[tuple]:
    users = list(User.objects.order_by("pk").values_list("pk", "email", "password", "updated_at"))
    roles = list(Membership.objects.order_by("pk").values_list("pk", "role", "updated_at"))
    programs = list(Program.objects.values_list("pk", "name", "updated_at"))
    return [users, roles, programs]


@pytest.mark.django_db
def test_seed_demo_creates_the_program_and_every_login(capsys):
    call_command("seed_demo")
    program = Program.objects.get(name=DEMO_PROGRAM_NAME)
    for email in DEMO_LOGINS:
        user = User.objects.get(email=email)
        assert user.check_password(DEMO_PASSWORD)
        assert user.memberships.get(program=program).is_active
    roles = Membership.objects.filter(program=program).values_list("role", flat=True)
    assert sorted(roles) == sorted(["director", "coordinator"] + ["faculty"] * 3 + ["fellow"] * 6)
    assert "fellow6@demo.test" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing(capsys):
    call_command("seed_demo")
    before = snapshot()
    call_command("seed_demo")
    assert snapshot() == before
    assert "nothing changed" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_is_refused_under_production_settings(settings):
    settings.SEED_DEMO_ALLOWED = False
    with pytest.raises(CommandError, match="refused under production"):
        call_command("seed_demo")
    assert not User.objects.exists()
