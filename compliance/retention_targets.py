"""What consumers confirmed directly is part of the request records (kept, then purged, with the cases).

The typed name is personal data: "anonymize" blanks it, and an erasure request reaches it through the
subject (see docs/retention.md).
"""

from __future__ import annotations

from django.db.models import Q

from compliance.models import ConsumerConfirmation
from requests_app.retention_targets import REQUEST_RECORDS
from retention.models import Event
from retention.registry import register

register(
    # Rows point at cases: they go before the cases (order 30) in the same run.
    "compliance.consumer_confirmation", model=ConsumerConfirmation, category=REQUEST_RECORDS, order=12,
    dates={Event.CASE_CLOSURE: "case__closed_at", Event.COLLECTION: "requested_at"},
    subject="case__subject", case="case",
    anonymize={"signed_name": ""}, anonymized=Q(signed_name=""),
)
