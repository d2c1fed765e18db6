import pytest

from tests import smtp_sink


@pytest.fixture
def smtp(settings):
    yield from smtp_sink.serve(settings)
