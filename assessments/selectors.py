"""Reads of the risk-assessment register: the list, what is due, and the annual submission to the CPPA."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db.models import QuerySet

from assessments import rules
from assessments.models import RiskAssessment
from retention.categories import CATEGORIES


def assessments_list() -> QuerySet[RiskAssessment]:
    """Every revision with its processing and owner (the admin list)."""
    return RiskAssessment.objects.select_related("processing", "processing__owner", "approved_by")


def assessments_due(*, until: dt.date) -> QuerySet[RiskAssessment]:
    """The current revisions due on or before `until`, soonest first."""
    return assessments_list().filter(review_due_on__lte=until).order_by("review_due_on", "pk")


@dataclass(frozen=True)
class CategoryCount:
    code: str
    label: str
    sensitive: bool
    assessments: int


@dataclass(frozen=True)
class SubmissionSummary:
    """What the business submits to the CPPA by 1 April (§7157), generated from the register."""

    business_name: str
    due_on: dt.date
    period_starts_on: dt.date
    period_ends_on: dt.date
    assessments_count: int
    per_trigger: dict[str, int]
    categories: list[CategoryCount]
    sensitive_categories_involved: bool
    executive_name: str
    executive_title: str
    attestation: str
    assessment_ids: list[int]

    def as_json(self) -> str:
        data = asdict(self)
        for key in ("due_on", "period_starts_on", "period_ends_on"):
            data[key] = data[key].isoformat()
        data["trigger_labels"] = {code: rules.TRIGGERS[code].label for code in rules.TRIGGERS}
        return json.dumps(data, indent=2, ensure_ascii=False)

    def as_text(self) -> str:
        lines = [
            f"Risk assessment submission to the California Privacy Protection Agency — due {self.due_on.isoformat()}",
            f"Business: {self.business_name}",
            f"Period covered: {self.period_starts_on.isoformat()} to {self.period_ends_on.isoformat()}",
            f"Risk assessments conducted or updated in the period: {self.assessments_count}",
            "", "Per processing activity that required an assessment (11 CCR §7150(b)):",
            *(f"  {rules.TRIGGERS[code].label} ({code}): {count}" for code, count in self.per_trigger.items()),
            "", "Categories of personal information processed:",
            *(f"  {c.label} ({c.code}){' — sensitive' if c.sensitive else ''}: {c.assessments}"
              for c in self.categories),
            f"Sensitive personal information involved: {'yes' if self.sensitive_categories_involved else 'no'}",
            "", "Attestation:", f"  {self.attestation}",
            f"  Executive: {self.executive_name or '(not set)'}, {self.executive_title or '(not set)'}",
        ]
        return "\n".join(lines) + "\n"


def submission_assessments(*, year: int) -> QuerySet[RiskAssessment]:
    """The revisions approved (conducted or updated) in the period the submission of `year` covers."""
    period = rules.submission_period(year)
    return (RiskAssessment.objects.filter(approved_on__range=(period.starts_on, period.ends_on))
            .exclude(status=RiskAssessment.Status.DRAFT).order_by("approved_on", "pk"))


def submission_summary(*, year: int, executive_name: str | None = None,
                       executive_title: str | None = None) -> SubmissionSummary:
    """Return the submission due on 1 April of `year`: counts per trigger, categories, the attesting executive.

    The executive defaults to MEDPRIVACY_ASSESSMENTS["executive_name"/"executive_title"].
    """
    period = rules.submission_period(year)
    conf = settings.MEDPRIVACY_ASSESSMENTS
    rows = list(submission_assessments(year=year).values("pk", "triggers", "categories"))
    per_trigger = dict.fromkeys(rules.TRIGGERS, 0)
    per_category: Counter[str] = Counter()
    for row in rows:
        for code in set(row["triggers"] or []):
            if code in per_trigger:
                per_trigger[code] += 1
        per_category.update(code for code in set(row["categories"] or []) if code in CATEGORIES)
    categories = [CategoryCount(code, CATEGORIES[code].label, CATEGORIES[code].sensitive, count)
                  for code, count in sorted(per_category.items(), key=lambda item: (-item[1], item[0]))]
    return SubmissionSummary(
        business_name=settings.COMPANY_NAME, due_on=period.due_on, period_starts_on=period.starts_on,
        period_ends_on=period.ends_on, assessments_count=len(rows), per_trigger=per_trigger, categories=categories,
        sensitive_categories_involved=any(c.sensitive for c in categories),
        executive_name=executive_name if executive_name is not None else conf["executive_name"],
        executive_title=executive_title if executive_title is not None else conf["executive_title"],
        attestation=rules.ATTESTATION_STATEMENT, assessment_ids=[row["pk"] for row in rows],
    )
