"""The API as a client speaks it in tests: JSON with one user's bearer token."""

import json

from crm.api_tokens.services import api_token_create

LEADS = "/api/leads/"
INTERACTIONS = "/api/interactions/"


class Api:
    """The Django test client speaking JSON with one user's bearer token."""

    def __init__(self, client, secret: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"}

    def post(self, url: str, body, **kwargs):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        kwargs.setdefault("content_type", "application/json")
        return self.client.post(url, data=data, headers=self.headers, **kwargs)

    def get(self, url: str):
        return self.client.get(url, headers=self.headers)


def api_for(client, user) -> Api:
    _token, secret = api_token_create(user=user, name="tests")
    return Api(client, secret)


def assert_field_error(response, field: str) -> None:
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
