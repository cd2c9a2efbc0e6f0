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


# --- One query per answer; cached tokens and purposes follow their changes (issue 19) -------------------


def test_a_warm_answer_is_one_query(client, api_token, django_assert_num_queries):
    subject = DataSubjectFactory(email="ada@example.com", country="US", subdivision="CA")
    services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.GIVEN, source=Source.API)
    DataSubjectFactory(email="bob@example.com", country="US", subdivision="CA")
    _get(client, api_token, email="ada@example.com", purpose="sale_sharing")  # token and purposes cached
    _get(client, api_token, email="ada@example.com", purpose="marketing_email")
    # A recorded choice, a known person without one (erased-address and age checks in the same query).
    with django_assert_num_queries(1):
        assert _get(client, api_token, email="ada@example.com", purpose="marketing_email").json()["permitted"]
    with django_assert_num_queries(1):
        body = _get(client, api_token, email="bob@example.com", purpose="sale_sharing").json()
    assert (body["basis"], body["permitted"]) == ("default", True)


def test_the_one_query_still_sees_an_age_statement(client, api_token, django_assert_num_queries):
    from minors.models import AgeSource
    from minors.services import age_statement_record

    child = DataSubjectFactory(email="kid@example.com", country="US", subdivision="CA")
    with time_machine.travel(NOW, tick=False):
        age_statement_record(subject=child, birth_date=dt.date(NOW.year - 14, 1, 1), source=AgeSource.REQUEST)
        _get(client, api_token, email="bob@example.com", purpose="sale_sharing")
        with django_assert_num_queries(1):
            body = _get(client, api_token, email="kid@example.com", purpose="sale_sharing").json()
    assert (body["permitted"], body["default"]) == (False, "opt_in")  # a 14-year-old Californian: opt-in


def test_an_erased_address_is_still_refused_from_the_one_query(client, api_token):
    from consents.models import Suppression
    from consents.selectors import suppression_hash

    DataSubjectFactory(email="back@example.com", country="US", subdivision="CA")
    Suppression.objects.create(email_hash=suppression_hash("back@example.com"))
    body = _get(client, api_token, email="back@example.com", purpose="sale_sharing").json()
    assert (body["permitted"], body["basis"]) == (False, "erasure")


def test_revoking_a_cached_token_takes_effect_at_once(client, api_token):
    from consents.models import ApiToken

    assert _get(client, api_token, email="a@example.com", purpose="marketing_email").status_code == 200
    services.api_token_revoke(token=ApiToken.objects.get(name="crm"))
    assert _get(client, api_token, email="a@example.com", purpose="marketing_email").status_code == 401


def test_a_token_revoked_by_another_process_is_refused_within_the_cache_time(client, api_token, settings):
    from consents.models import ApiToken

    settings.MEDPRIVACY_CONSENT_API_CACHE_SECONDS = 5
    with time_machine.travel(NOW, tick=False) as clock:
        assert _get(client, api_token, email="a@example.com", purpose="marketing_email").status_code == 200
        ApiToken.objects.filter(name="crm").update(revoked_at=NOW)  # no signal: as another process would
        assert _get(client, api_token, email="a@example.com", purpose="marketing_email").status_code == 200
        clock.shift(6)
        assert _get(client, api_token, email="a@example.com", purpose="marketing_email").status_code == 401


def test_changing_a_cached_purpose_takes_effect_at_once(client, api_token):
    from consents.models import Purpose

    DataSubjectFactory(email="bob@example.com", country="US", subdivision="CA")
    assert _get(client, api_token, email="bob@example.com", purpose="sale_sharing").json()["permitted"] is True
    purpose = Purpose.objects.get(code="sale_sharing")
    purpose.regime_defaults = {**purpose.regime_defaults, "ccpa": "opt_in", "shine_the_light": "opt_in"}
    purpose.save()
    assert _get(client, api_token, email="bob@example.com", purpose="sale_sharing").json()["permitted"] is False
    purpose.is_active = False
    purpose.save()
    assert _get(client, api_token, email="bob@example.com", purpose="sale_sharing").status_code == 400
