"""DRP requests under the retention schedule (docs/retention.md): part of the privacy request records.

The identity claims and the revocation reason are the only personal data of the DRP app; they go with
the request records 24 months after the response (11 CCR §7101), like the submission they belong to.
Status callbacks and their attempts cascade with the request and hold no personal data.
"""

from __future__ import annotations

from django.db.models import Q

from drp.models import DrpRequest
from requests_app.retention_targets import REQUEST_RECORDS
from retention.models import Event
from retention.registry import register

register(
    # Before cases (30) and submissions (40): the DRP request points at both.
    "drp.request", model=DrpRequest, category=REQUEST_RECORDS, order=25,
    dates={Event.CASE_CLOSURE: "case__closed_at", Event.COLLECTION: "received_at"},
    subject="submission__subject", case="case",
    anonymize={"claims": {}, "revoke_reason": ""}, anonymized=Q(claims={}, revoke_reason=""),
)

