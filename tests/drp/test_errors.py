"""Bad input gets the spec's answer, never a 500: bad signatures, another agent's key, expired, future-dated
and replayed requests, unknown exercises, malformed JSON, wrong tokens, another agent's request."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

from drp.models import DrpRequest
from requests_app.models import Case

from .conftest import AGENT_ID, BUSINESS_ID, EXERCISE_URL, NOW, sign, stamps

pytestmark = pytest.mark.django_db


def _error(response, status: int, message: str, *, fatal: bool = False) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == str(status) and body["fatal"] is fatal
    assert body["message"].startswith(message), body["message"]


def _forbidden(response) -> None:
    assert (response.status_code, response.content) == (403, b"")


def test_a_tampered_signature_is_403_without_a_body(paired, client, frozen):
    signed = bytearray(base64.b64decode(sign(paired.key, paired.exercise_body("access"))))
    signed[-2] ^= 1  # flip a bit of the JSON after signing
    _forbidden(client.post(EXERCISE_URL, base64.b64encode(bytes(signed)), content_type="text/plain",
                           **paired.auth()))
    assert not DrpRequest.objects.exists()


def test_a_body_that_is_not_base64_is_403(paired, client, frozen):
    _forbidden(client.post(EXERCISE_URL, b"{not base64!}", content_type="text/plain", **paired.auth()))
    _forbidden(client.post(EXERCISE_URL, b"", content_type="text/plain", **paired.auth()))


def test_a_request_signed_with_another_agents_key_is_403(paired, other_agent, client, frozen):
    body = paired.exercise_body("access")
    # Our bearer token, the other agent's signature.
    _forbidden(client.post(EXERCISE_URL, sign(other_agent.key, body), content_type="text/plain", **paired.auth()))
    # The other agent's token and key, but a body naming us: a request one agent made, reused by another.
    _forbidden(client.post(EXERCISE_URL, sign(other_agent.key, body), content_type="text/plain",
                           **other_agent.auth()))
    assert not DrpRequest.objects.exists()


def test_a_request_for_another_business_is_403(paired, client, frozen):
    _forbidden(paired.post_exercise(client, {**paired.exercise_body("access"), "business-id": "SOMEONE_ELSE"}))


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic abc", "bearer  "])
def test_a_missing_or_unknown_bearer_token_is_403(paired, client, frozen, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    _forbidden(client.post(EXERCISE_URL, sign(paired.key, paired.exercise_body("access")),
                           content_type="text/plain", **extra))


def test_a_revoked_agents_token_stops_working(paired, client, frozen):
    from drp import services

    services.agent_revoke(agent_id=AGENT_ID)
    _forbidden(client.get(f"/v1/agent/{AGENT_ID}", **paired.auth()))


@pytest.mark.parametrize(("issued", "minutes", "message"), [
    (NOW - dt.timedelta(minutes=30), 15, "The request has expired"),
    (NOW + dt.timedelta(minutes=10), 15, "'issued-at' is in the future"),
    (NOW, -1, "'expires-at' must be after 'issued-at'"),
    (NOW, 24 * 60, "The request is valid for too long"),
])
def test_expired_or_future_dated_requests_are_fatal_400s(paired, client, frozen, issued, minutes, message):
    body = {**paired.exercise_body("access"), **stamps(issued, minutes=minutes)}
    _error(paired.post_exercise(client, body), 400, message, fatal=True)
    assert not Case.objects.exists()


def test_small_clock_skew_is_tolerated(paired, client, frozen):
    body = {**paired.exercise_body("sale:opt-out"), **stamps(NOW + dt.timedelta(seconds=90))}
    assert paired.post_exercise(client, body).status_code == 200


def test_a_replayed_request_is_refused_and_files_nothing_twice(paired, client, frozen, no_systems):
    signed = sign(paired.key, paired.exercise_body("sale:opt-out"))
    assert client.post(EXERCISE_URL, signed, content_type="text/plain", **paired.auth()).status_code == 200
    again = client.post(EXERCISE_URL, signed, content_type="text/plain", **paired.auth())
    _error(again, 409, "This signed request was already received", fatal=True)
    assert DrpRequest.objects.count() == 1 and Case.objects.count() == 1


@pytest.mark.parametrize(("exercise", "message"), [
    ("sale:telepathy", "Unsupported rights action 'sale:telepathy'; supported: access, access:categories"),
    ("", "'exercise' is required"),
    (["access"], "'exercise' is required"),
])
def test_unknown_exercises_are_400(paired, client, frozen, exercise, message):
    _error(paired.post_exercise(client, {**paired.exercise_body("access"), "exercise": exercise}), 400, message)


@pytest.mark.parametrize(("signed", "message"), [
    (b"{not json", "The signed content is not valid JSON."),
    (b'["access"]', "The signed content must be a JSON object."),
    (b"\xff\xfe", "The signed content is not valid JSON."),
])
def test_malformed_json_is_400(paired, client, frozen, signed, message):
    _error(paired.post_exercise(client, signed), 400, message)


@pytest.mark.parametrize(("changes", "message"), [
    ({"email": None}, "The 'email' claim is required"),
    ({"email": "not-an-address"}, "The 'email' claim is required"),
    ({"name": None}, "The 'name' claim is required."),
    ({"regime": "gdpr"}, "Unsupported regime 'gdpr'"),
    ({"regime": "voluntary"}, "A voluntary request needs the consumer's residence"),
    ({"relationships": "customer"}, "'relationships' must be a list of strings."),
    ({"status_callback": "ftp://agent.example/cb"}, "'status_callback' must be an https:// URL."),
    ({"status_callback": "http://agent.example/cb"}, "'status_callback' must be an https:// URL."),
    ({"drp.version": "7.0"}, "Unsupported drp.version '7.0'"),
    ({"exercise": "correction"}, "Tell us which information is wrong."),
    ({"issued-at": "yesterday"}, "'issued-at' is not an ISO 8601 timestamp."),
    ({"name": "x" * 201}, "The 'name' claim is longer than 200 characters."),
    ({"email": "a" * 250 + "@example.com"}, "The 'email' claim is required"),
    ({"status_callback": "https://agent.example/" + "x" * 500}, "'status_callback' is longer than 500"),
    ({"agent-request-id": {"nested": True}}, "'agent-request-id' must be a string."),
])
def test_requests_the_intake_cannot_file_are_400_with_a_message(paired, client, frozen, changes, message):
    body = {key: value for key, value in {**paired.exercise_body("access"), **changes}.items() if value is not None}
    _error(paired.post_exercise(client, body), 400, message)
    assert not Case.objects.exists()


def test_an_unsupported_opt_in_is_answered_denied_without_a_case(paired, client, frozen):
    answer = paired.post_exercise(client, paired.exercise_body("sale:opt_in"))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["reason"]) == ("denied", "claim_not_covered")
    assert "preference center" in body["processing_details"]
    drp = DrpRequest.objects.get()
    assert (drp.exercise, drp.claims) == ("sale:opt-in", {}) and not Case.objects.exists()  # no data kept


def test_a_voluntary_request_reads_the_residence_from_an_openid_address(paired, client, frozen, no_systems):
    address = {"formatted": "1 Rue X, 75001 Paris, France", "street_address": "1 Rue X", "locality": "Paris",
               "postal_code": "75001", "country": "FR"}
    answer = paired.post_exercise(client, {**paired.exercise_body("deletion"), "regime": "voluntary",
                                           "address": address, "address_verified": True,
                                           "relationships": ["customer"]})
    assert answer.status_code == 200, answer.content
    dsr = DrpRequest.objects.get().case
    # The rules table picks the law of the residence: a French resident's erasure runs under the GDPR.
    assert (dsr.regime, dsr.right, dsr.subject.country, dsr.subject.relationship) == (
        "gdpr", "erasure", "FR", "registered_user")


def test_another_agents_request_is_403_and_an_unknown_one_404(paired, other_agent, client, frozen, no_systems):
    paired.post_exercise(client, paired.exercise_body("sale:opt-out"))
    request_id = DrpRequest.objects.get().request_id
    _forbidden(client.get(f"/v1/data-rights-request/{request_id}", **other_agent.auth()))
    _forbidden(client.delete(f"/v1/data-rights-request/{request_id}", sign(other_agent.key, b'{"reason": "x"}'),
                             **other_agent.auth()))
    _error(client.get(f"/v1/data-rights-request/{uuid.uuid4()}", **paired.auth()), 404, "No data rights request")
    _error(client.get("/v1/data-rights-request/not-a-uuid", **paired.auth()), 404, "No data rights request")


def test_a_closed_request_cannot_be_revoked(paired, client, frozen, no_systems):
    from requests_app.services import workbench
    from tests.factories import supervisor

    paired.post_exercise(client, paired.exercise_body("sale:opt-out"))
    drp = DrpRequest.objects.get()
    workbench.case_complete(dsr=drp.case, actor=supervisor(), outcome_summary="Done", response="Done.")
    answer = client.delete(f"/v1/data-rights-request/{drp.request_id}", sign(paired.key, b'{"reason": "late"}'),
                           **paired.auth())
    _error(answer, 400, "The request is already fulfilled; it can no longer be revoked.")


@pytest.mark.parametrize("change", [
    {"agent-id": "SOMEONE_ELSE"},
    {"business-id": "SOMEONE_ELSE"},
    {"issued-at": (NOW - dt.timedelta(hours=2)).isoformat(), "expires-at": (NOW - dt.timedelta(hours=1)).isoformat()},
])
def test_a_failed_pairwise_setup_is_403_without_a_body(agent, client, frozen, change):
    body = {"agent-id": AGENT_ID, "business-id": BUSINESS_ID, **stamps(), **change}
    _forbidden(client.post(f"/v1/agent/{AGENT_ID}", sign(agent.key, body), content_type="text/plain"))


def test_pairwise_setup_with_a_stranger_key_or_an_unknown_agent_is_403(agent, client, frozen):
    body = {"agent-id": AGENT_ID, "business-id": BUSINESS_ID, **stamps()}
    _forbidden(client.post(f"/v1/agent/{AGENT_ID}", sign(SigningKey.generate(), body), content_type="text/plain"))
    _forbidden(client.post("/v1/agent/NOBODY", sign(agent.key, {**body, "agent-id": "NOBODY"}),
                           content_type="text/plain"))
    _forbidden(client.post(f"/v1/agent/{AGENT_ID}", b"%%%", content_type="text/plain"))


def test_the_api_is_rate_limited_per_agent(paired, client, frozen, settings, no_systems):
    settings.MEDPRIVACY_API_REQUESTS_PER_HOUR = 2
    for _ in range(2):
        assert client.get(f"/v1/agent/{AGENT_ID}", **paired.auth()).status_code == 200
    _error(client.get(f"/v1/agent/{AGENT_ID}", **paired.auth()), 429, "Too many requests this hour")


def test_a_body_over_the_size_limit_is_413(paired, client, frozen):
    huge = sign(paired.key, json.dumps({**paired.exercise_body("access"), "pad": "x" * 70_000}).encode())
    _error(client.post(EXERCISE_URL, huge, content_type="text/plain", **paired.auth()), 413, "The body is larger")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=6,
)
FIELDS = ["exercise", "regime", "relationships", "status_callback", "name", "email", "email_verified",
          "phone_number", "phone_number_verified", "address", "address_verified", "power_of_attorney",
          "agent-request-id", "drp.version", "issued-at", "expires-at", "correction_wrong", "correction_right"]


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=4))
def test_whatever_a_signed_body_holds_the_answer_is_never_a_500(paired, client, frozen, no_systems, changes):
    response = paired.post_exercise(client, {**paired.exercise_body("sale:opt-out"), **changes})
    assert response.status_code in (200, 400, 409), response.content  # 409: the same body drawn twice
    if response.status_code != 200:
        assert set(response.json()) == {"code", "message", "fatal"}
