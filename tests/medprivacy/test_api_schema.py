"""The project's one API: the OpenAPI schema is valid, served at a stable URL and lists every route."""

from __future__ import annotations

import pytest
from django.urls import reverse
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

EXPECTED = {
    "/api/consents/v1/permitted": {"get", "post"},
    "/v1/agent/{agent_id}": {"get", "post"},
    "/v1/data-rights-request": {"post"},
    "/v1/data-rights-request/{request_id}": {"get", "delete"},
}


def test_the_schema_is_valid_openapi_and_lists_every_route(client):
    assert reverse("api:openapi-json") == "/api/openapi.json"
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)  # raises on any violation of the OpenAPI specification
    assert {path: set(ops) for path, ops in schema["paths"].items()} == EXPECTED
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ConsentToken"] == schemes["AgentBearer"] == {"type": "http", "scheme": "bearer"}
    exercise = schema["paths"]["/v1/data-rights-request"]["post"]
    assert set(exercise["requestBody"]["content"]) == {"text/plain"}
    assert {"200", "400", "403", "409", "429"} <= set(exercise["responses"])


def test_the_browsable_docs_load_the_schema_from_local_static_files(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/api/openapi.json" in html and "swagger-ui-bundle.js" in html
    assert "cdn." not in html and "unpkg" not in html


def test_every_route_in_the_schema_answers_with_and_without_a_trailing_slash(client):
    for path in ("/v1/agent/X", "/v1/agent/X/", "/v1/data-rights-request", "/v1/data-rights-request/",
                 "/v1/data-rights-request/1", "/v1/data-rights-request/1/"):
        assert client.get(path).status_code in (403, 405), path  # reached the API, not a 404


def test_api_views_are_csrf_exempt(client, django_user_model):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    # A POST without a CSRF token reaches the API (403 without body = the DRP's own refusal, not CSRF's page).
    response = strict.post("/v1/agent/X", b"abc", content_type="text/plain")
    assert (response.status_code, response.content) == (403, b"")
