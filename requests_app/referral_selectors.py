"""Reads about forwarded patient requests, and what the company may decide itself on a patient case."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from referrals.models import Referral
from regimes.rules import PATIENT_PROCESSOR_ROLES, PROCESSOR_RESERVED_ACTIONS, REGIME_ABBREVIATIONS
from requests_app.models import Case

_ACTION_WORDS = {"deny": "deny", "extend": "extend", "complete": "complete"}


def processor_role(dsr: Case) -> str | None:
    """Return the company's role for this case when a clinic controls the data, else None."""
    if not dsr.is_patient:
        return None
    return PATIENT_PROCESSOR_ROLES.get(dsr.regime)


def controller_reserved_reason(dsr: Case, action: str) -> str | None:
    """Return why the company may not take `action` on this case itself (the clinic decides), or None."""
    role = processor_role(dsr)
    if role is None or action not in PROCESSOR_RESERVED_ACTIONS:
        return None
    return (f"Under {REGIME_ABBREVIATIONS[dsr.regime]} we are the clinic's {role}: only the clinic may "
            f"{_ACTION_WORDS.get(action, action)} this patient's request. Forward it to the clinic and record "
            "the clinic's answer when it comes.")


def referral_for_case(dsr: Case) -> Referral | None:
    return Referral.objects.filter(case=dsr).select_related("organization").first()


def referrals_to_chase(*, now: dt.datetime) -> QuerySet[Referral]:
    """Referrals still waiting for the clinic whose next reminder is due."""
    return (Referral.objects.filter(answered_at__isnull=True, next_chase_at__lte=now)
            .select_related("case", "organization").order_by("next_chase_at", "pk"))
