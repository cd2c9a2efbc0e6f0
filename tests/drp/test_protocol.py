"""The pure parts of the DRP: exercise names, timestamps and their window, names and addresses as real agents
send them, and verify keys in both encodings (no database)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from nacl.signing import SigningKey

from drp import protocol, signing
from drp.protocol import ProtocolError, Residence
from requests_app.residence import COUNTRY_NAMES, US_REGION_NAMES

T = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("given", "stored"), [
    ("sale:opt_out", "sale:opt-out"), ("sale:opt-out", "sale:opt-out"), ("SALE:OPT_IN", "sale:opt-in"),
    ("access:categories", "access:categories"), ("deletion", "deletion"), (" correction ", "correction"),
])
def test_both_spellings_of_an_exercise_are_accepted(given, stored):
    assert protocol.normalize_exercise(given) == stored


def test_every_exercise_maps_to_a_right_of_the_rules_table_or_a_reasoned_refusal():
    from regimes.rules import RIGHTS

    for code, plan in protocol.EXERCISES.items():
        assert plan.right in RIGHTS or (plan.right is None and plan.refusal and plan.refusal_reason in
                                        protocol.REASONS), code


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-02T15:00:00.000+00:00", T), ("2026-03-02T15:00:00Z", T), ("2026-03-02T07:00:00-08:00", T),
    ("2026-03-02T15:00:00", T),  # no zone: read as UTC
])
def test_timestamps_in_the_forms_agents_send(text, expected):
    assert protocol.parse_instant(text, "issued-at") == expected


def test_the_window_tolerates_skew_and_nothing_more():
    skew, longest = dt.timedelta(minutes=5), dt.timedelta(minutes=60)
    window = {"skew": skew, "max_validity": longest}
    protocol.check_window(issued_at=T + dt.timedelta(minutes=4), expires_at=T + dt.timedelta(minutes=19), now=T,
                          **window)
    protocol.check_window(issued_at=T - dt.timedelta(minutes=19), expires_at=T - dt.timedelta(minutes=4), now=T,
                          **window)
    with pytest.raises(ProtocolError, match="in the future") as future:
        protocol.check_window(issued_at=T + dt.timedelta(minutes=6), expires_at=T + dt.timedelta(minutes=20),
                              now=T, **window)
    assert future.value.fatal and future.value.as_json()["code"] == "400"
    with pytest.raises(ProtocolError, match="expired"):
        protocol.check_window(issued_at=T - dt.timedelta(minutes=20), expires_at=T - dt.timedelta(minutes=5),
                              now=T, **window)


@pytest.mark.parametrize(("given", "expected"), [
    ("Lima, Ana", "Ana Lima"), ("Ana Lima", "Ana Lima"), ("  Lima ,  Ana Maria ", "Ana Maria Lima"),
    ("Smith, Jr., John", "Smith, Jr., John"), ("Lima,", "Lima"), (None, ""), (42, ""),
])
def test_names_as_last_comma_first_become_first_last(given, expected):
    assert protocol.full_name(given) == expected


@pytest.mark.parametrize(("address", "expected"), [
    ({"street_address": "1 Main St", "locality": "Oakland", "region": "CA", "postal_code": "94607",
      "country": "US"}, Residence("US", "CA")),
    ({"region": "California", "country": "United States"}, Residence("US", "CA")),
    ({"formatted": "1 Main St, Oakland, CA 94607", "country": "USA"}, Residence("US", "CA")),
    ({"country": "US"}, Residence("US", "")),
    ({"country": "de"}, Residence("DE", "")),
    ({"country": "Germany", "region": "Bavaria"}, Residence("DE", "")),
    ("1 Main St, Oakland, CA, US", Residence("US", "CA")),
    ({"country": "Atlantis"}, None), ({}, None), (None, None), (["US"], None),
])
def test_residence_from_an_openid_connect_address(address, expected):
    assert protocol.residence_from_address(address, country_names=COUNTRY_NAMES,
                                           region_names=US_REGION_NAMES) == expected


def test_claims_keep_the_spec_claims_with_their_types():
    body = {"name": "Lima, Ana", "email": " ana@example.com ", "email_verified": "true", "phone_number": 14155550100,
            "phone_number_verified": False, "address": {"country": "US"}, "power_of_attorney": "",
            "ssn": "123-45-6789", "exercise": "access"}
    claims = protocol.claims_from(body)
    assert claims == {"name": "Lima, Ana", "email": "ana@example.com", "email_verified": True,
                      "phone_number": "14155550100", "phone_number_verified": False, "address": {"country": "US"}}
    assert protocol.verified_data_points(claims) == ["e-mail address"]


def test_verify_keys_in_hex_and_base64_name_the_same_key():
    key = SigningKey.generate().verify_key
    raw = bytes(key)
    assert signing.parse_verify_key(raw.hex()) == raw
    assert signing.parse_verify_key(base64.b64encode(raw).decode()) == raw
    assert signing.parse_verify_key(base64.urlsafe_b64encode(raw).decode().rstrip("=")) == raw
    for bad in ("", "abc", base64.b64encode(b"x" * 31).decode(), "zz" * 32):
        with pytest.raises(signing.BadVerifyKey):
            signing.parse_verify_key(bad)


def test_a_signed_body_opens_only_with_its_key():
    key = SigningKey.generate()
    body = base64.b64encode(key.sign(b'{"a": 1}'))
    opened = signing.open_signed(body, verify_key=bytes(key.verify_key))
    assert opened.body == {"a": 1} and len(opened.signature_sha256) == 64
    with pytest.raises(signing.BadSignedMessage):
        signing.open_signed(body, verify_key=bytes(SigningKey.generate().verify_key))
