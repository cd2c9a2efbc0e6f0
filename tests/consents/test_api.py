"""The read-only JSON API for the company's other systems."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from consents import services
from consents.models import ConsentEvent, Kind, Source
from tests.factories import DataSubjectFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db
URL = "/api/consents/v1/permitted"


def _get(client, token, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.get(URL, params, **headers)


def test_the_url_is_stable():
    assert reverse("api:consents_api_permitted") == URL


def test_a_known_subject_gets_the_recorded_choice(client, api_token):
    subject = DataSubjectFactory(email="ada@example.com", country="DE", subdivision="")
    event = services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.GIVEN, source=Source.API)
    response = _get(client, api_token, email="ADA@example.com", purpose="marketing_email")
    assert response.status_code == 200
    body = response.json()
    assert body | {"at": None} == {"subject_known": True, "purpose": "marketing_email", "permitted": True,
                                   "basis": "event", "state": "given", "default": "opt_in", "regimes": ["gdpr"],
                                   "event_id": event.pk, "at": None}


def test_a_known_subject_without_events_gets_the_default(client, api_token):
    DataSubjectFactory(email="bob@example.com", country="US", subdivision="CA")
    body = _get(client, api_token, email="bob@example.com", purpose="sale_sharing").json()
    assert (body["permitted"], body["basis"], body["default"]) == (True, "default", "opt_out")


@pytest.mark.parametrize(("params", "permitted", "regimes"), [
    ({"country": "DE"}, False, ["gdpr"]),
    ({"country": "US", "subdivision": "CA"}, True, ["ccpa", "shine_the_light"]),
    ({"country": "US", "subdivision": "US-CA"}, True, ["ccpa", "shine_the_light"]),
    ({}, True, ["voluntary"]),  # documented: no residence → the company's voluntary default
])
def test_an_unknown_subject_gets_the_default_of_the_given_residence(client, api_token, params, permitted, regimes):
    body = _get(client, api_token, email="stranger@example.com", purpose="marketing_email", **params).json()
    assert (body["subject_known"], body["permitted"], body["regimes"]) == (False, permitted, regimes)


def test_a_past_instant_and_an_age_are_honored(client, api_token):
    subject = DataSubjectFactory(email="ada@example.com", country="US", subdivision="CA")
    with time_machine.travel(NOW, tick=False):
        services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.OPTED_OUT, source=Source.API)
    before = (NOW - dt.timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert _get(client, api_token, email="ada@example.com", purpose="marketing_email", at=before).json()["permitted"]
    assert not _get(client, api_token, email="ada@example.com", purpose="marketing_email").json()["permitted"]
    minor = _get(client, api_token, email="kid@example.com", purpose="sale_sharing", country="US", subdivision="CA",
                 age="15").json()
    assert (minor["permitted"], minor["default"]) == (False, "opt_in")


def test_post_with_a_json_body_works(client, api_token):
    response = client.post(URL, {"email": "x@example.com", "purpose": "analytics_cookies", "country": "FR"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert response.status_code == 200 and response.json()["permitted"] is False


@pytest.mark.parametrize(("params", "message"), [
    ({"email": "a@example.com", "purpose": "telepathy"}, "Unknown purpose; known purposes: marketing_email"),
    ({"email": "a@example.com"}, "'purpose' is required."),
    ({"purpose": "marketing_email"}, "'email' is required."),
    ({"email": "not-an-email", "purpose": "marketing_email"}, "'email' is not a valid e-mail address."),
    ({"email": "a@example.com", "purpose": "marketing_email", "at": "yesterday"}, "'at' must be an ISO 8601"),
    ({"email": "a@example.com", "purpose": "marketing_email", "at": "2026-13-45T99:00:00Z"}, "'at' must be"),
    ({"email": "a@example.com", "purpose": "marketing_email", "at": "2026-03-01T10:00:00"}, "'at' must be"),
    ({"email": "a@example.com", "purpose": "marketing_email", "age": "-3"}, "'age' must be a whole number"),
    ({"email": "a@example.com", "purpose": "marketing_email", "age": "999"}, "'age' must be a whole number"),
    ({"email": "a@example.com", "purpose": "marketing_email", "country": "Germany"}, "'country' must be"),
    ({"email": "a@example.com", "purpose": "marketing_email", "subdivision": "x" * 40}, "'subdivision' must be"),
])
def test_malformed_queries_are_400_with_a_message(client, api_token, params, message):
    response = _get(client, api_token, **params)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


@pytest.mark.parametrize(("body", "message"), [
    (b"{not json", "The body is not valid JSON."),
    (b"[1, 2]", "The body must be a JSON object."),
    (b'{"email": ["a@example.com"], "purpose": "marketing_email"}', "'email' must be a string."),
    (b"\xff\xfe", "The body is not valid JSON."),
])
def test_malformed_json_is_400(client, api_token, body, message):
    response = client.post(URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert response.status_code == 400
    assert response.json() == {"error": message}


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc", "Bearer", "bearer  ", "Token x"])
def test_a_missing_or_wrong_token_is_401(client, api_token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get(URL, {"email": "a@example.com", "purpose": "marketing_email"}, **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "valid API token" in response.json()["error"]


def test_a_revoked_token_is_401(client, api_token):
    from consents.models import ApiToken

    services.api_token_revoke(token=ApiToken.objects.get(name="crm"))
    assert _get(client, api_token, email="a@example.com", purpose="marketing_email").status_code == 401


def test_other_methods_are_405_and_the_api_writes_nothing(client, api_token):
    response = client.delete(URL, HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert response.status_code == 405
    assert "error" in response.json()
    _get(client, api_token, email="a@example.com", purpose="marketing_email")
    assert not ConsentEvent.objects.exists()


def test_tokens_are_stored_hashed(api_token):
    from consents.models import ApiToken

    token = ApiToken.objects.get(name="crm")
    assert api_token not in (token.token_hash, token.prefix) and token.prefix == api_token[:8]
    assert len(token.token_hash) == 64
