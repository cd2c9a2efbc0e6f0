"""Legal minimum retention per data category: a rule that deletes or anonymizes sooner is refused.

This module is data (no Django imports), read by the retention services and admin, and by the generated
compliance page. Supervisors edit the retention rules; the minimums are the law's, changed only in code review.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Minimum:
    """Keep a category at least `period` `unit` after `event` (the event's code in retention.models.Event)."""

    period: int
    unit: str  # "days" or "months"
    event: str
    basis: str

    @property
    def label(self) -> str:
        return f"{self.period} {self.unit}"


_REQUEST_RECORDS = (
    "11 CCR §7101(a): records of consumer requests and how the business responded are kept for at least 24 "
    "months (anchored at the response, RULES.md §7)."
)

LEGAL_MINIMUMS: Mapping[str, Minimum] = MappingProxyType({
    "privacy_request_records": Minimum(24, "months", "case_closure", _REQUEST_RECORDS),
    "audit_history": Minimum(24, "months", "case_closure", _REQUEST_RECORDS),
    # A request closed unverified is still a consumer request (§7101), and it is counted in the §7102 metrics
    # published by 1 July of the next year; 24 months after closure covers both.
    "unverified_requests": Minimum(
        24, "months", "case_closure",
        _REQUEST_RECORDS + " 11 CCR §7102: they are counted in the metrics for the calendar year, published by "
        "1 July of the next year, so they must still exist then."),
    # Each revision (original and updated) while the processing continues, then five years; `retain_from` of
    # an assessment is the later of the processing's end and the revision's completion (docs/assessments.md).
    "risk_assessments": Minimum(
        60, "months", "project_completion",
        "11 CCR §7155(c): risk assessments, original and updated versions, are kept for as long as the "
        "processing continues or five years after the completion of the assessment, whichever is later."),
    "consent_ledger": Minimum(
        12, "months", "last_activity",
        "Cal. Civ. Code §1798.135(c)(4): an opt-out must be remembered for at least 12 months before asking "
        "again; GDPR Art. 7(1): consent must be demonstrable."),
})

# The shortest and longest a month can be, to compare a rule in days with a minimum in months (and back).
_SHORTEST_MONTH_DAYS, _LONGEST_MONTH_DAYS = 28, 31
# Actions that destroy or strip the data; flagging for review keeps everything, so no minimum applies.
DESTRUCTIVE_ACTIONS: frozenset[str] = frozenset({"delete", "anonymize"})


def _at_least(period: int, unit: str, minimum: Minimum) -> bool:
    if unit == minimum.unit:
        return period >= minimum.period
    if unit == "days":  # rule in days, minimum in months: the longest months
        return period >= minimum.period * _LONGEST_MONTH_DAYS
    return period * _SHORTEST_MONTH_DAYS >= minimum.period  # rule in months, minimum in days


def minimum_problem(*, category: str, period: int, unit: str, event: str, action: str) -> str | None:
    """Return why a rule would keep `category` less than the law requires, or None when it may stand."""
    minimum = LEGAL_MINIMUMS.get(category)
    if minimum is None or action not in DESTRUCTIVE_ACTIONS:
        return None
    if event != minimum.event:
        return (f"The law's minimum for this category runs from {minimum.event.replace('_', ' ')}: keep it at "
                f"least {minimum.label} from then ({minimum.basis})")
    if not _at_least(period, unit, minimum):
        return f"Keep this category at least {minimum.label}; {period} {unit} is less ({minimum.basis})"
    return None
