"""Every audience page test runs at noon on a known day."""

import pytest
import time_machine

from crm.audiences.models import Audience
from crm.audiences.services import audience_save
from tests.crm.audiences.people import NOW, person
from tests.crm.audiences.views.pages import IN_GERMANY


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def germans(manager_maria) -> Audience:
    for name in ("Hans", "Greta"):
        person(name, country="DE")
    person("Ann", country="US")
    return audience_save(name="Germans", definition=IN_GERMANY, is_active=True, by=manager_maria)
