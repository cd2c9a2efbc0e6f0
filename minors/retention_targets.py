"""Age statements and parents' authorizations under the consent ledger's retention rule (they prove whether
a consent was valid), and erased with the person."""

from __future__ import annotations

from retention.registry import register

register("minors.age_statement", model="minors.AgeStatement", category="consent_ledger", order=40,
         dates={"collection": "created_at", "last_activity": "created_at"}, subject="subject")
register("minors.parental_authorization", model="minors.ParentalAuthorization", category="consent_ledger", order=41,
         dates={"collection": "authorized_at", "last_activity": "authorized_at"}, subject="subject")
