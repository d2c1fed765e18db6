"""The OpenAPI document: its endpoints, fields and every error answer."""

import json

import pytest

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_lists_the_endpoints(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    assert {"/api/leads/", "/api/leads/{lead_id}/", "/api/interactions/"} <= set(paths)


def test_the_openapi_schema_documents_the_name_prefix_and_suffix(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]

    for schema in ("LeadIn", "LeadOut"):
        assert {"name_prefix", "name_suffix"} <= set(schemas[schema]["properties"])
    assert "Dr." in schemas["LeadIn"]["properties"]["name_prefix"]["description"]


# The OpenAPI document


def test_the_document_lists_every_error_answer_of_every_operation_with_its_body(client):
    document = client.get("/api/openapi.json").json()

    error_body = document["components"]["schemas"]["ErrorOut"]
    assert error_body["properties"]["errors"]["additionalProperties"] == {
        "items": {"type": "string"},
        "type": "array",
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "413", "429"):
                answer = operation["responses"].get(status)
                assert answer, f"{method.upper()} {path} does not list {status}"
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}
    enrolments = document["paths"]["/api/cadences/{cadence_id}/enrolments/"]["post"]
    assert "409" in enrolments["responses"]
