"""The email tests' cadence: two email steps, a day apart."""

import pytest

from tests.mailings.factories import email_cadence


@pytest.fixture
def cadence(db):
    return email_cadence(0, 24, name="Expo follow-up", slug="expo")
