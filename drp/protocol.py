"""The Data Rights Protocol's vocabulary as data, and the pure parts of reading a request (no Django imports).

Which DRP exercise becomes which of the portal's rights, which case status is which DRP status, which
denial ground is which DRP reason: tables, read by the services. Parsing the identity claims that real
agents send (names as "Last, First", addresses as OpenID Connect address objects) lives here too, so it
is tested without a database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

# Protocol versions whose requests we accept ("drp.version" is optional: the reference agent's pairing
# message does not send it).
VERSIONS: frozenset[str] = frozenset({"0.9", "0.9.1", "0.9.2", "0.9.3", "0.9.4", "1.0"})


@dataclass(frozen=True)
class Exercise:
    """What one DRP exercise asks of the portal: a right of the rules table, or nothing we act on."""

    right: str | None
    details: str = ""
    # When `right` is None: why the request is answered "denied" at once, and with which DRP reason.
    refusal: str = ""
    refusal_reason: str = "claim_not_covered"


# The spec spells these with an underscore in its table and with a hyphen in its examples; the reference
# agent sends both. Both spellings are accepted and stored in the hyphen form.
EXERCISES: Mapping[str, Exercise] = MappingProxyType({
    "access": Exercise("access"),
    "access:categories": Exercise("access", details="DRP access:categories: the categories of personal "
                                                    "information only."),
    "access:specific": Exercise("access", details="DRP access:specific: the specific pieces of personal "
                                                  "information."),
    "deletion": Exercise("erasure"),
    "correction": Exercise("rectification"),
    "sale:opt-out": Exercise("opt_out_sale_sharing"),
    # CCPA regulations §7028: opting back in after an opt-out is a two-step choice the consumer makes
    # themselves; an agent cannot make it for them. The consumer uses the preference center.
    "sale:opt-in": Exercise(None, refusal="Opting back in to the sale or sharing of personal information is a "
                                          "choice the consumer confirms themselves (11 CCR §7028): they can do "
                                          "so in our preference center."),
})

# DRP regime → the residence the portal's rules table is asked about. `ccpa` means the agent attests a
# California resident; `voluntary` (or no regime) uses the address claim.
REGIMES: frozenset[str] = frozenset({"ccpa", "voluntary"})
CCPA_RESIDENCE: tuple[str, str] = ("US", "CA")

# Case status → DRP status (spec §3.02). Reasons for denials come from DENIAL_REASONS.
STATUS_FOR_CASE: Mapping[str, str] = MappingProxyType({
    "awaiting_verification": "in_progress",
    "verified": "in_progress",
    "in_progress": "in_progress",
    "awaiting_requester": "in_progress",
    "completed": "fulfilled",
    "denied": "denied",
    "withdrawn": "revoked",
    "redirected": "denied",
    "closed_unverified": "denied",
})
FINAL_STATUSES: frozenset[str] = frozenset({"fulfilled", "revoked", "denied", "expired"})

# DRP reason codes (spec §3.02) for the portal's closing statuses and denial grounds; anything not
# listed is "other".
REASONS: frozenset[str] = frozenset({
    "need_user_verification", "suspected_fraud", "insuf_verification", "no_match", "claim_not_covered",
    "outside_jurisdiction", "too_many_requests", "other",
})
REASON_FOR_STATUS: Mapping[str, str] = MappingProxyType({
    "closed_unverified": "insuf_verification",
    "redirected": "claim_not_covered",
})
DENIAL_REASONS: Mapping[str, str] = MappingProxyType({
    "fraud_suspected": "suspected_fraud",
    "unverifiable": "insuf_verification",
    "identity_not_confirmed": "insuf_verification",
    "identity_or_authority_not_verified": "insuf_verification",
    "no_data": "no_match",
    "not_a_customer": "no_match",
    "not_in_record_set": "no_match",
    "manifestly_unfounded_or_excessive": "too_many_requests",
    "already_answered_this_year": "too_many_requests",
    "exempt_data": "claim_not_covered",
    "deletion_exception": "claim_not_covered",
    "erasure_exception": "claim_not_covered",
    "deidentified_data": "claim_not_covered",
    "legal_obligation": "claim_not_covered",
})

IDENTITY_CLAIMS: tuple[str, ...] = (
    "name", "email", "email_verified", "phone_number", "phone_number_verified", "address", "address_verified",
    "power_of_attorney",
)


class ProtocolError(ValueError):
    """A request the protocol lets us refuse: `status` is the HTTP status, `fatal` the spec's flag."""

    def __init__(self, message: str, *, status: int = 400, fatal: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.fatal = fatal

    def as_json(self) -> dict[str, Any]:
        return {"code": str(self.status), "message": str(self), "fatal": self.fatal}


def normalize_exercise(value: Any) -> str:
    """Return the exercise in its hyphen spelling, or raise ProtocolError naming the supported ones."""
    if not isinstance(value, str) or not value.strip():
        raise ProtocolError("'exercise' is required: one of " + ", ".join(EXERCISES) + ".")
    code = value.strip().lower().replace("_", "-")
    if code not in EXERCISES:
        raise ProtocolError(f"Unsupported rights action {value!r}; supported: {', '.join(EXERCISES)}.")
    return code


def parse_instant(value: Any, field: str) -> dt.datetime:
    """Parse an ISO 8601 timestamp; a value without a zone is read as UTC (the reference agent once sent those)."""
    if not isinstance(value, str) or not value.strip():
        raise ProtocolError(f"'{field}' is required: an ISO 8601 timestamp.")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        instant = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ProtocolError(f"'{field}' is not an ISO 8601 timestamp.") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant


def check_window(*, issued_at: dt.datetime, expires_at: dt.datetime, now: dt.datetime, skew: dt.timedelta,
                 max_validity: dt.timedelta) -> None:
    """Raise ProtocolError (fatal) unless now lies between issued-at and expires-at, give or take `skew`."""
    if expires_at <= issued_at:
        raise ProtocolError("'expires-at' must be after 'issued-at'.", fatal=True)
    if expires_at - issued_at > max_validity:
        minutes = int(max_validity.total_seconds() // 60)
        raise ProtocolError(f"The request is valid for too long; 'expires-at' may be at most {minutes} minutes "
                            "after 'issued-at'.", fatal=True)
    if issued_at > now + skew:
        raise ProtocolError("'issued-at' is in the future; check the agent's clock.", fatal=True)
    if expires_at <= now - skew:
        raise ProtocolError("The request has expired ('expires-at' has passed).", fatal=True)


def full_name(value: Any) -> str:
    """Return a display name: "Last, First" (the reference agent's form) becomes "First Last"."""
    if not isinstance(value, str):
        return ""
    name = " ".join(value.split())
    if name.count(",") == 1:
        last, first = (part.strip() for part in name.split(","))
        if last and first:
            return f"{first} {last}"
    return name.strip(" ,")


@dataclass(frozen=True)
class Residence:
    country: str
    subdivision: str


def residence_from_address(address: Any, *, country_names: Mapping[str, str],
                           region_names: Mapping[str, str]) -> Residence | None:
    """Read country (and US state) from an OpenID Connect address object or a one-line address.

    `country_names` and `region_names` map codes to names (the portal's residence lists). Return None
    when no known country can be read.
    """
    if isinstance(address, str):
        parts = [part.strip() for part in address.split(",") if part.strip()]
        address = {"country": parts[-1] if parts else "", "region": parts[-2] if len(parts) > 1 else ""}
    if not isinstance(address, dict):
        return None
    country = _code_for(address.get("country"), country_names)
    if country is None:
        return None
    if country != "US":
        return Residence(country, "")
    region = address.get("region")
    if not region and isinstance(address.get("formatted"), str):
        match = re.search(r"\b([A-Z]{2})\s+\d{5}(?:-\d{4})?\b", address["formatted"])
        region = match.group(1) if match else ""
    subdivision = _code_for(region, region_names)
    return Residence("US", subdivision or "")


_ALIASES = {"USA": "US", "UNITED STATES OF AMERICA": "US", "U.S.": "US", "U.S.A.": "US", "UK": "GB"}


def _code_for(value: Any, names: Mapping[str, str]) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    upper = _ALIASES.get(text.upper(), text.upper())
    if upper.startswith("US-"):
        upper = upper[3:]
    if upper in names:
        return upper
    by_name = {name.lower(): code for code, name in names.items()}
    return by_name.get(text.lower())


def claims_from(body: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the identity claims the spec names (§3.04), with the types it gives; drop the rest."""
    claims: dict[str, Any] = {}
    for key in IDENTITY_CLAIMS:
        if key not in body or body[key] in (None, ""):
            continue
        value = body[key]
        if key.endswith("_verified"):
            claims[key] = value is True or (isinstance(value, str) and value.lower() == "true")
        elif key == "address":
            claims[key] = value if isinstance(value, dict | str) else str(value)
        else:
            claims[key] = str(value) if not isinstance(value, str) else value.strip()
    return claims


def verified_data_points(claims: Mapping[str, Any]) -> list[str]:
    """Name the claims the agent says it verified (evidence toward the verification level, not proof)."""
    points = []
    for key, label in (("email", "e-mail address"), ("phone_number", "phone number"), ("address", "address")):
        if claims.get(key) and claims.get(f"{key}_verified") is True:
            points.append(label)
    if claims.get("power_of_attorney"):
        points.append("power of attorney")
    return points
