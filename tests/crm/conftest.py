import pytest


@pytest.fixture
def staff_maria(client, manager_maria):
    """The test client, signed in as manager Maria with access to the admin."""
    manager_maria.is_staff = True
    manager_maria.save()
    client.force_login(manager_maria)
    return client
