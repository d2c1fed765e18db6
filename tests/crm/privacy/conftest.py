import pytest

from tests.crm.privacy.people import person_everywhere


@pytest.fixture
def world(rep_alice, manager_maria):
    return person_everywhere(owner=rep_alice, manager=manager_maria)
