"""The consent ledger under the retention schedule (see docs/retention.md).

A person's consent records are kept as proof (GDPR Art. 7(1)) and to honour opt-outs for as long as the
`consent_ledger` rule says after their last consent choice; then the state rows, the ledger events and the
consent e-mails go together. Browser-only events (Global Privacy Control without a known person) run from
their own instant.
"""

from __future__ import annotations

from django.db.models import F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from consents.models import ConsentEvent, ConsentState
from outbox.models import Message
from retention.registry import register

CONSENT_LEDGER = "consent_ledger"


def _last_choice_of(outer: str) -> Subquery:
    return Subquery(ConsentEvent.objects.filter(subject=OuterRef(outer)).order_by().values("subject")
                    .annotate(last=Max("at")).values("last")[:1])


def event_last_activity():
    """The subject's latest consent choice; the event's own instant for browser-only events."""
    return Coalesce(_last_choice_of("subject"), F("at"))


def state_last_activity():
    return Coalesce(_last_choice_of("subject"), F("changed_at"))


# States point at events (SET_NULL), so they go first; a subject's whole ledger is due at once.
register("consents.state", model=ConsentState, category=CONSENT_LEDGER, order=10,
         dates={"last_activity": state_last_activity}, subject="subject")
register("consents.event", model=ConsentEvent, category=CONSENT_LEDGER, order=20,
         dates={"last_activity": event_last_activity, "collection": "at"}, subject="subject")
register("consents.message", model=Message, category=CONSENT_LEDGER, order=30,
         dates={"collection": "created_at", "last_activity": "created_at"}, subject="data_subject",
         scope=Q(stream=Message.Stream.CONSENT))
