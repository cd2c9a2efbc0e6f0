"""Each cause of a 500 the attack run found now gets a 400 with a clear message."""

from __future__ import annotations

import pytest
from django.test import Client

from consents import services as consent_services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("method", "path", "body", "content_type", "message"), [
    ("GET", "/requests/status/abc%00def/", b"", "", "NUL"),
    ("GET", "/requests/?country=%00", b"", "", "NUL"),
    ("POST", "/fulfilment/callback/abc%00/", b"{}", "application/json", "NUL"),
    ("POST", "/fulfilment/callback/abc/", b'{"status": "done\\u0000"}', "application/json", "NUL"),
    ("POST", "/fulfilment/callback/abc/", b'{"status": "x\\ud800"}', "application/json", "surrogate"),
    ("POST", "/requests/new-link/", b"email=a%40b.example", "application/x-www-form-urlencoded; charset=utf-16",
     "UTF-8"),
    ("POST", "/requests/new-link/", b"email=a%40b.example", "application/x-www-form-urlencoded; charset=nope",
     "unknown charset"),
    ("POST", "/requests/new-link/", b"--x\r\n", "multipart/form-data", "boundary"),
    ("POST", "/privacy-choices/", b"email=a%00%40b.example", "application/x-www-form-urlencoded", "NUL"),
])
def test_unreadable_input_gets_a_400_with_the_reason(method, path, body, content_type, message):
    response = Client().generic(method, path, body, content_type=content_type)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_form_body_to_a_json_endpoint_is_a_400():
    response = Client().post("/fulfilment/callback/abc/", {"a": "b"})  # multipart: the view wants JSON
    assert response.status_code in (400, 401, 404)


@pytest.mark.parametrize(("query", "message"), [
    ({"age": "²"}, "'age' must be a whole number"),
    ({"age": "١٢"}, "'age' must be a whole number"),
    ({"at": "2026-03-05T15:00:00+16:00"}, "beyond ±15:59"),
    ({"at": "2026-03-05T15:00:00-23:59"}, "beyond ±15:59"),
])
def test_the_consent_api_refuses_unicode_digits_and_impossible_offsets(query, message):
    _token, raw = consent_services.api_token_create(name="t")
    response = Client().get("/api/consents/v1/permitted", {"email": "a@b.example", "purpose": "marketing_email",
                                                           **query}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_bad_input_on_the_drp_api_answers_in_the_protocols_error_shape(client):
    response = client.post("/v1/data-rights-request", data="{\"a\": \"\\u0000\"}", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "fatal"}
    consent = client.post("/api/consents/v1/permitted", data="{\"a\": \"\\u0000\"}", content_type="application/json")
    assert consent.status_code == 400 and set(consent.json()) == {"error"}
