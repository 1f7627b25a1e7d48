import pytest
from django.db import IntegrityError

from accounts.models import User
from tests.accounts.factories import UserFactory


@pytest.mark.django_db
def test_email_is_the_login_and_is_lowercased():
    user = User.objects.create_user("Dana.Director@Example.TEST", "pw-123456789")
    assert user.email == "dana.director@example.test"
    assert User.USERNAME_FIELD == "email"
    assert not hasattr(user, "username") or user.username is None


@pytest.mark.django_db
def test_email_is_unique_regardless_of_case():
    UserFactory(email="same@example.test")
    with pytest.raises(IntegrityError):
        User.objects.create(email="SAME@example.test")


@pytest.mark.django_db
def test_str_prefers_full_name_and_falls_back_to_email():
    assert str(UserFactory(full_name="Dr. Ada Lovelace")) == "Dr. Ada Lovelace"
    assert str(UserFactory(full_name="", email="x@example.test")) == "x@example.test"


@pytest.mark.django_db
def test_create_superuser_sets_flags():
    admin = User.objects.create_superuser("gme@example.test", "pw-123456789")
    assert admin.is_staff and admin.is_superuser
