import pytest

from tests.crm.api.client import api_for


@pytest.fixture
def alice_api(client, rep_alice):
    return api_for(client, rep_alice)


@pytest.fixture
def maria_api(client, manager_maria):
    return api_for(client, manager_maria)
