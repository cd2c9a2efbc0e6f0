"""The §7102 metrics as a pure function over case facts (no Django imports).

Counting (documented on the report page and in docs/reporting.md):
- *received*: cases whose receipt date (in the regime's zone, where its clocks start) is in the period;
- *complied with in whole / in part, denied*: cases whose response (closure) date is in the period;
- *days to respond*: calendar days from the receipt date to the response date, over the responses counted.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from reporting.rules import ADMT_REQUEST_TYPES, DENIAL_REASONS, REQUEST_TYPES, RESPONDED, RIGHT_TO_TYPE, Outcome


@dataclass(frozen=True)
class CaseFact:
    """What the report needs of one case; no personal data."""

    regime: str
    right: str
    received_on: dt.date
    outcome: str
    denial_reason: str = ""
    closed_on: dt.date | None = None
    due_on: dt.date | None = None
    extended: bool = False


@dataclass
class TypeMetrics:
    request_type: str
    label: str
    received: int = 0
    complied_whole: int = 0
    complied_part: int = 0
    denied: int = 0
    denied_by_reason: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DENIAL_REASONS, 0))
    withdrawn: int = 0
    extended: int = 0
    on_time: int = 0
    days: list[int] = field(default_factory=list, repr=False)

    @property
    def responded(self) -> int:
        return self.complied_whole + self.complied_part + self.denied

    @property
    def median_days(self) -> float | None:
        return float(statistics.median(self.days)) if self.days else None

    @property
    def mean_days(self) -> float | None:
        return round(statistics.fmean(self.days), 1) if self.days else None

    def as_dict(self) -> dict:
        return {
            "request_type": self.request_type, "label": self.label, "received": self.received,
            "complied_in_whole": self.complied_whole, "complied_in_part": self.complied_part,
            "denied": self.denied, "denied_by_reason": dict(self.denied_by_reason),
            "withdrawn": self.withdrawn, "extended": self.extended, "responded_on_time": self.on_time,
            "median_days_to_respond": self.median_days, "mean_days_to_respond": self.mean_days,
        }


@dataclass
class Metrics:
    start: dt.date
    end: dt.date
    regime: str | None
    types: list[TypeMetrics]

    def as_dict(self) -> dict:
        return {"period": {"start": self.start.isoformat(), "end": self.end.isoformat()},
                "regime": self.regime or "all", "request_types": [t.as_dict() for t in self.types]}


def compute_metrics(facts: Iterable[CaseFact], *, start: dt.date, end: dt.date,
                    regime: str | None = None, include_admt: bool = True) -> Metrics:
    """Count the §7102 figures of `facts` for the period start..end (inclusive), optionally one regime.

    `include_admt` (the ⚑ setting MEDPRIVACY_ADMT_METRICS): also count requests to access and to opt out of
    automated decision-making, as the amended §7102 asks of large businesses.
    """
    if end < start:
        raise ValueError("The period ends before it starts")
    by_type = {code: TypeMetrics(code, label) for code, label in REQUEST_TYPES.items()
               if include_admt or code not in ADMT_REQUEST_TYPES}
    for fact in facts:
        request_type = RIGHT_TO_TYPE.get(fact.right)
        if request_type not in by_type or (regime and fact.regime != regime):
            continue
        row = by_type[request_type]
        if start <= fact.received_on <= end:
            row.received += 1
        if fact.closed_on is None or not (start <= fact.closed_on <= end):
            continue
        if fact.outcome == Outcome.WITHDRAWN:
            row.withdrawn += 1
        if fact.outcome not in RESPONDED:
            continue
        if fact.outcome == Outcome.WHOLE:
            row.complied_whole += 1
        elif fact.outcome == Outcome.PART:
            row.complied_part += 1
        else:
            row.denied += 1
            row.denied_by_reason[fact.denial_reason or "other"] += 1
        row.extended += fact.extended
        row.on_time += fact.due_on is not None and fact.closed_on <= fact.due_on
        row.days.append((fact.closed_on - fact.received_on).days)
    return Metrics(start=start, end=end, regime=regime, types=list(by_type.values()))


CSV_HEADER = ("request_type", "received", "complied_in_whole", "complied_in_part", "denied",
              *(f"denied_{reason}" for reason in DENIAL_REASONS), "median_days_to_respond", "mean_days_to_respond")


def csv_rows(metrics: Metrics) -> list[tuple]:
    """The figures as CSV rows, header first."""
    rows: list[tuple] = [CSV_HEADER]
    for t in metrics.types:
        rows.append((t.request_type, t.received, t.complied_whole, t.complied_part, t.denied,
                     *(t.denied_by_reason[r] for r in DENIAL_REASONS),
                     "" if t.median_days is None else t.median_days, "" if t.mean_days is None else t.mean_days))
    return rows


def _days(value: float | None) -> str:
    if value is None:
        return "not applicable (none responded)"
    return f"{value:g} days"


def policy_text(metrics: Metrics, *, company: str) -> str:
    """A plain-text block ready to paste into the privacy policy (11 CCR §7102(a))."""
    period = (f"calendar year {metrics.start.year}" if (metrics.start.month, metrics.start.day, metrics.end.month,
                                                        metrics.end.day) == (1, 1, 12, 31)
              and metrics.start.year == metrics.end.year
              else f"{metrics.start.isoformat()} to {metrics.end.isoformat()}")
    lines = [f"Privacy request metrics for {period}", "",
             f"{company} received and responded to the following consumer privacy requests:", ""]
    for t in metrics.types:
        reasons = "; ".join(f"{label.lower()}: {t.denied_by_reason[code]}" for code, label in DENIAL_REASONS.items())
        lines += [
            f"{t.label}:",
            f"  - received: {t.received}",
            f"  - complied with in whole: {t.complied_whole}",
            f"  - complied with in part: {t.complied_part}",
            f"  - denied: {t.denied} ({reasons})",
            f"  - median number of days to respond: {_days(t.median_days)}",
            f"  - mean number of days to respond: {_days(t.mean_days)}",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"
