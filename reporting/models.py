"""What the §7102 metrics need of each case, kept after the case itself is purged or minimized.

The retention schedule deletes request records 24 months after the response (unverified ones after
30 days), and an erasure scrubs what stays; the yearly metrics must still count those cases. A fact
holds codes and dates only — no name, e-mail, reference or text — and its link to the case is cut
(SET NULL) when the case row goes, so it is de-identified from then on.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from reporting.metrics import CaseFact as CaseFactData
from reporting.rules import OUTCOME_LABELS


class CaseFact(models.Model):
    """One case as the metrics count it. Written by `reporting.services.case_fact_record` only."""

    case = models.OneToOneField("requests_app.Case", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="report_fact")
    regime = models.CharField(max_length=20)
    right = models.CharField(max_length=40)
    received_on = models.DateField(db_index=True, help_text="Receipt date in the regime's zone.")
    status = models.CharField(max_length=30)
    outcome = models.CharField(max_length=20, choices=list(OUTCOME_LABELS.items()))
    denial_ground = models.CharField(max_length=60, blank=True)
    denial_reason = models.CharField(max_length=20, blank=True, help_text="The §7102 reason of a denial.")
    closed_on = models.DateField(null=True, blank=True, db_index=True, help_text="Response date in the regime's zone.")
    due_on = models.DateField(null=True, blank=True)
    extended = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_on", "pk"]

    def __str__(self) -> str:
        return f"{self.regime}/{self.right} received {self.received_on.isoformat()}"

    def as_data(self) -> CaseFactData:
        return CaseFactData(regime=self.regime, right=self.right, received_on=self.received_on, outcome=self.outcome,
                            denial_reason=self.denial_reason, closed_on=self.closed_on, due_on=self.due_on,
                            extended=self.extended)
