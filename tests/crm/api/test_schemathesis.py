"""Schemathesis against the API's own OpenAPI document, in-process through WSGI:
every operation, as a rep and as a manager, answers no 5xx, no status the document
does not list, and bodies of the documented shapes.

Bounded (a few examples an operation) so it runs in `make test`; alone with
`pytest -m schemathesis`. SCHEMATHESIS_MAX_EXAMPLES=200 explores further.
"""

import os

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.config import SchemathesisConfig

from crm.api import api
from crm.api_tokens.services import api_token_create
from crm.throttling import bearer_failures_forget
from crm.tracking.api import IdentifyIn
from crm.tracking.models import Site
from tests.factories import CampaignFactory, LeadFactory
from tests.followups.cadences.factories import cadence_with

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
CHECKS = ("not_a_server_error", "status_code_conformance", "response_schema_conformance")


CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        "phases": {"stateful": {"enabled": False}},
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
    }
)
# The document as /api/openapi.json serves it (built here: collection runs before the
# test settings allow any host), sent to the app in-process.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def fresh_bearer_throttle_without_address():
    """Werkzeug's requests carry no REMOTE_ADDR: their failed tokens count under ""."""
    bearer_failures_forget(scope="api", ip="")
    yield
    bearer_failures_forget(scope="api", ip="")


@pytest.fixture
def connection_kept():
    """Django closes the connection after each request it serves through WSGI, and with
    it the test's transaction and rows; its own test client stops that the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture(params=["rep", "manager"])
def bearer(request, settings, connection_kept, rep_alice, rep_bob, manager_maria) -> dict[str, str]:
    """A token of the persona under test, and a few rows for the ids to find: the rep's
    lead, another rep's, a campaign, a cadence, and the site the documented example names."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    LeadFactory(owner=rep_alice, email="ada@example.com")
    LeadFactory(owner=rep_bob, email="bea@example.com")
    CampaignFactory()
    Site.objects.create(name="Shop", key=IdentifyIn.model_json_schema()["examples"][0]["site"])
    cadence_with({"channel": "call", "wait": 1, "wait_unit": "days"})
    user = rep_alice if request.param == "rep" else manager_maria
    _token, secret = api_token_create(user=user, name="schemathesis")
    return {"Authorization": f"Bearer {secret}"}


@schema.parametrize()
# One persona's rows and token serve all of an operation's examples, on purpose.
@hypothesis.settings(
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture], deadline=None
)
def test_the_api_answers_as_its_document_says(case, bearer):
    case.call_and_validate(headers=bearer)
