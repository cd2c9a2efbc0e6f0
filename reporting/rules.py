"""How cases count in the CCPA §7102 metrics, as data (no Django imports).

11 CCR §7102(a): per type of request (to know, delete, correct, opt out of sale/sharing, limit the use
of sensitive personal information) the number received, complied with in whole or in part, and denied
— the denials split by the reason: not verifiable, not made by a consumer, exempt information (an
exception), other grounds — and the median or mean number of days to respond.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# The §7102 request types, in the order the report lists them.
REQUEST_TYPES: Mapping[str, str] = MappingProxyType({
    "know": "Requests to know / access",
    "delete": "Requests to delete",
    "correct": "Requests to correct",
    "opt_out": "Requests to opt out of sale or sharing",
    "limit": "Requests to limit use of sensitive personal information",
    # ⚑ §7102 as amended (RULES.md §9): listed while settings.MEDPRIVACY_ADMT_METRICS is on.
    "admt_access": "Requests to access information about automated decision-making (ADMT)",
    "admt_opt_out": "Requests to opt out of automated decision-making (ADMT)",
})
# The request types counted only while the ⚑ setting MEDPRIVACY_ADMT_METRICS is on.
ADMT_REQUEST_TYPES: frozenset[str] = frozenset({"admt_access", "admt_opt_out"})

# Portal right code -> §7102 request type. Rights not listed are not §7102 requests.
RIGHT_TO_TYPE: Mapping[str, str] = MappingProxyType({
    "access": "know",
    "portability": "know",
    "erasure": "delete",
    "rectification": "correct",
    "opt_out_sale_sharing": "opt_out",
    "limit_sensitive": "limit",
    "admt_access": "admt_access",
    "admt_opt_out": "admt_opt_out",
})

DENIAL_REASONS: Mapping[str, str] = MappingProxyType({
    "unverified": "Could not be verified",
    "not_a_consumer": "Not made by a consumer",
    "exception": "Exempt information or an exception applied",
    "other": "Other grounds",
})

# Denial ground code (requests_app.rules.DENIAL_GROUNDS, every regime) -> §7102 reason. Unlisted: "other".
GROUND_TO_REASON: Mapping[str, str] = MappingProxyType({
    "unverifiable": "unverified",
    "identity_not_confirmed": "unverified",
    "identity_or_authority_not_verified": "unverified",
    "not_a_customer": "not_a_consumer",
    "no_data": "not_a_consumer",
    "exempt_data": "exception",
    "deletion_exception": "exception",
    "erasure_exception": "exception",
    "legal_obligation": "exception",
    "required_by_law": "exception",
    "deidentified_data": "exception",
    "trade_secret": "exception",
    "unreviewable_ground": "exception",
    "not_in_record_set": "exception",
    "rights_of_others": "exception",
    "overriding_third_party_interests": "exception",
})


class Outcome:
    OPEN = "open"
    WHOLE = "whole"
    PART = "part"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"
    REDIRECTED = "redirected"


OUTCOME_LABELS: Mapping[str, str] = MappingProxyType({
    Outcome.OPEN: "Open", Outcome.WHOLE: "Complied with in whole", Outcome.PART: "Complied with in part",
    Outcome.DENIED: "Denied", Outcome.WITHDRAWN: "Withdrawn", Outcome.REDIRECTED: "Redirected to the controller",
})
RESPONDED = frozenset({Outcome.WHOLE, Outcome.PART, Outcome.DENIED})


def classify(*, status: str, denial_ground: str, complied_in_part: bool) -> tuple[str, str]:
    """Return (outcome, §7102 denial reason or "") of a case's status.

    A case closed because the requester never verified counts as denied as unverifiable.
    """
    if status == "completed":
        return (Outcome.PART if complied_in_part else Outcome.WHOLE), ""
    if status == "denied":
        return Outcome.DENIED, GROUND_TO_REASON.get(denial_ground, "other")
    if status == "closed_unverified":
        return Outcome.DENIED, "unverified"
    if status == "withdrawn":
        return Outcome.WITHDRAWN, ""
    if status == "redirected":
        return Outcome.REDIRECTED, ""
    return Outcome.OPEN, ""
