"""Shared form pieces."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from core.forms import MAX_ID, IdsChoiceField


def test_an_id_beyond_the_database_range_is_a_message_not_a_crash(db):
    field = IdsChoiceField(queryset=get_user_model().objects.all())
    with pytest.raises(ValidationError) as excinfo:
        field.clean([str(MAX_ID + 1)])
    assert excinfo.value.code == "invalid_choice"
