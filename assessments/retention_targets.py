"""Risk assessments under the retention schedule (docs/assessments.md, docs/retention.md).

Each revision is kept while its processing continues (`retain_from` is NULL, so it is never due) and
then 60 months from `retain_from`, the later of the processing's end and the revision's completion
(11 CCR §7155(c); the legal minimum in `retention/minimums.py` refuses a shorter rule). Material changes
and reminder rows go with their assessment.
"""

from __future__ import annotations

from retention.registry import register

register(
    "assessments.risk_assessment",
    model="assessments.RiskAssessment",
    category="risk_assessments",
    dates={"project_completion": "retain_from"},
)
