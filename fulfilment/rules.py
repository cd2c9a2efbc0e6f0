"""Hold the fulfilment tables: data categories, who may be in which, what each right asks of each system,
what an erasure keeps and why, and the types an access response must never disclose.

This module is data (no Django imports), read by the fulfilment services and the package builder, so counsel
can review every choice in one place. The data categories themselves (codes, labels, sources) are the one
list in `retention/categories.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from retention.categories import CATEGORIES

# Data categories: the one list lives in retention/categories.py (the retention schedule reads it too).
CATEGORY_CHOICES: tuple[tuple[str, str], ...] = tuple((code, c.label) for code, c in CATEGORIES.items())

_VISITOR = frozenset({
    "contact_identification", "usage", "device", "location", "search_browse_history", "clickstream",
    "social_media", "advertising", "third_party",
})
_PORTAL = frozenset({
    "privacy_request_records", "consent_ledger", "verification_tokens", "authorization_documents",
    "access_packages", "audit_history",
})
_REGISTERED = _VISITOR | {"account", "payment"}

# Which categories the company may hold about someone, by their relationship with it (DataSubject.relationship).
# A system gets a task for a case when it holds at least one of these categories.
RELATIONSHIP_CATEGORIES: Mapping[str, frozenset[str]] = MappingProxyType({
    "website_visitor": _VISITOR | _PORTAL,
    "registered_user": _REGISTERED | _PORTAL,
    "clinician": _REGISTERED | {"clinician_professional"} | _PORTAL,
    "organization_representative": _REGISTERED | {"organization_information"} | _PORTAL,
    "patient": frozenset({
        "patient_medical_images", "patient_identifiers", "patient_demographics", "patient_clinical",
        "patient_genetic", "patient_other_health",
    }) | _PORTAL,
})

# ---------------------------------------------------------------------------------------------------------
# Actions and what each right asks of each kind of system (RULES.md §4)
# ---------------------------------------------------------------------------------------------------------

ACTIONS: Mapping[str, str] = MappingProxyType({
    "find": "Find the data",
    "export": "Find and export the data",
    "correct": "Correct the data",
    "delete": "Delete or de-identify the data",
    "notify": "Notify the recipient to delete",
    "stop_selling_sharing": "Stop selling or sharing the data",
    "limit_use": "Limit the use of the data",
    # Automated decisions (admt app): created from the AI register, not from RIGHT_PLANS.
    "stop_admt": "Stop using the automated decision system on the person",
    "instruct_stop_admt": "Instruct the recipient to stop processing with the automated decision system",
    "clinic_instruction": "Carry out the clinic's instruction on the opt-out",
    "export_admt": "Fetch the person's automated-decision outputs",
})

ROLES: Mapping[str, str] = MappingProxyType({
    "internal": "Our own application",
    "service_provider": "Service provider / processor",
    "third_party": "Third party the data is sold or shared to",
})


@dataclass(frozen=True)
class Plan:
    """The action a right asks of a system, per system role (None: that role gets no task)."""

    internal: str | None
    service_provider: str | None
    third_party: str | None
    sensitive_only: bool = False  # only systems holding a sensitive category

    def action_for(self, role: str) -> str | None:
        return getattr(self, role)


RIGHT_PLANS: Mapping[str, Plan] = MappingProxyType({
    # Access: find and export the specific pieces wherever they are (§1798.110, Art. 15).
    "access": Plan("export", "export", "find"),
    # Portability: the data the subject provided, machine-readable (Art. 20).
    "portability": Plan("export", "export", None),
    # Erasure: delete in our systems and at processors; tell third parties sold/shared to (§7022, Art. 19).
    "erasure": Plan("delete", "delete", "notify"),
    "rectification": Plan("correct", "correct", "correct"),
    "opt_out_sale_sharing": Plan(None, None, "stop_selling_sharing"),
    "limit_sensitive": Plan("limit_use", "limit_use", "limit_use", sensitive_only=True),
    "restriction": Plan("limit_use", "limit_use", "limit_use"),
    "objection": Plan("limit_use", "limit_use", "limit_use"),
})

# Rights whose answer is a package of the data found.
PACKAGE_RIGHTS: frozenset[str] = frozenset({"access", "portability"})

# ---------------------------------------------------------------------------------------------------------
# What an erasure keeps, and under which exception (CCPA §1798.105(d), GDPR Art. 17(3))
# ---------------------------------------------------------------------------------------------------------

ERASURE_EXCEPTIONS: Mapping[str, str] = MappingProxyType({
    "legal_obligation": "Kept to comply with a legal obligation",
    "legal_hold": "Kept under a legal hold (litigation or an investigation)",
    "legal_claims": "Kept to establish, exercise or defend legal claims",
    "public_health": "Kept for reasons of public interest in public health",
    "research": "Kept for research in the public interest",
    "security": "Kept to detect security incidents and prevent fraud",
    "transaction": "Kept to complete a transaction you asked for",
    "controller_decides": "Held for your clinic, which decides on erasure (we are its processor)",
})

# Reasons may name the regime's own record-keeping rule: "{records}" and "{consent}" are filled from the rules
# table (regimes.rules.RECORD_KEEPING) for the case's regime, so nobody is told another law's rule.
RETAINED_ON_ERASURE: Mapping[str, tuple[str, str]] = MappingProxyType({
    "privacy_request_records": ("legal_obligation",
                                "Records of privacy requests and our answers are kept as {records} requires, "
                                "and used for nothing else."),
    "audit_history": ("legal_obligation", "The audit trail of your requests is part of those records."),
    "consent_ledger": ("legal_obligation",
                       "We must be able to show when you consented or opted out ({consent})."),
})

# ---------------------------------------------------------------------------------------------------------
# Types an access response must never disclose (11 CCR §7024(d)): say only that they were collected
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForbiddenType:
    label: str
    key_words: tuple[str, ...]  # a field whose normalized name contains one of these is withheld
    value_pattern: str = ""  # a value matching this anywhere is withheld too
    luhn: bool = False  # the match must also pass the Luhn check (card numbers), to spare long plain ids


FORBIDDEN_TYPES: Mapping[str, ForbiddenType] = MappingProxyType({
    "government_id": ForbiddenType(
        "Government identification numbers (e.g. Social Security, driver's license, passport numbers)",
        ("ssn", "social_security", "passport", "driver_license", "drivers_license", "national_id",
         "government_id", "tax_id", "taxpayer_id", "itin"),
        r"\b\d{3}-\d{2}-\d{4}\b",
    ),
    "financial_account": ForbiddenType(
        "Financial account, debit or credit card numbers",
        ("card_number", "credit_card", "debit_card", "pan", "account_number", "iban", "bank_account",
         "routing_number", "cvv", "cvc"),
        r"\b(?:\d[ -]?){13,19}\b",
        luhn=True,
    ),
    "medical_insurance_id": ForbiddenType(
        "Medical record, health insurance or medical identification numbers",
        ("medical_record_number", "mrn", "insurance_id", "insurance_number", "member_id", "policy_number",
         "health_plan_id", "medicare", "medicaid", "patient_id_number"),
    ),
    "password": ForbiddenType("Passwords and other log-in secrets",
                              ("password", "passwd", "pwd", "password_hash", "token_hash", "secret")),
    "security_answer": ForbiddenType("Security questions and answers",
                                     ("security_answer", "security_question", "secret_answer")),
    "biometric": ForbiddenType("Unique biometric data", ("biometric", "fingerprint", "faceprint", "face_template",
                                                         "voiceprint", "iris", "retina")),
})

WITHHELD = "[collected — not disclosed]"
_NON_WORD = re.compile(r"[^a-z0-9]+")
_VALUE_PATTERNS = tuple((code, re.compile(t.value_pattern), t.luhn)
                        for code, t in FORBIDDEN_TYPES.items() if t.value_pattern)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def normalize_key(key: str) -> str:
    """Return a field name as lower_snake words: "Card Number" → "card_number"."""
    return _NON_WORD.sub("_", key.lower()).strip("_")


def forbidden_type_of_key(key: str) -> str | None:
    """Return the forbidden-type code a field name belongs to, or None."""
    normalized = normalize_key(key)
    words = set(normalized.split("_"))
    for code, forbidden in FORBIDDEN_TYPES.items():
        for word in forbidden.key_words:
            # Short words must match a whole word ("pan" must not withhold "company").
            if ("_" in word and word in normalized) or word in words:
                return code
    return None


def forbidden_type_of_value(value: str) -> str | None:
    """Return the forbidden-type code a free-text value reveals (an SSN, a card number), or None."""
    for code, pattern, luhn in _VALUE_PATTERNS:
        for match in pattern.finditer(value):
            if not luhn or _luhn_valid(re.sub(r"\D", "", match.group())):
                return code
    return None
