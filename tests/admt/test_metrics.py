"""ADMT access and opt-out requests in the §7102 metrics (⚑ MEDPRIVACY_ADMT_METRICS)."""

import datetime as dt

import pytest

from reporting.metrics import CaseFact, compute_metrics, csv_rows
from reporting.rules import Outcome
from reporting.selectors import metrics_for_period

D = dt.date
YEAR = (D(2027, 1, 1), D(2027, 12, 31))


def _facts() -> list[CaseFact]:
    return [
        CaseFact("ccpa", "admt_opt_out", D(2027, 2, 1), Outcome.WHOLE, closed_on=D(2027, 2, 8), due_on=D(2027, 2, 22)),
        CaseFact("ccpa", "admt_opt_out", D(2027, 3, 1), Outcome.DENIED, "other", closed_on=D(2027, 3, 4)),
        CaseFact("ccpa", "admt_access", D(2027, 4, 1), Outcome.PART, closed_on=D(2027, 5, 1), due_on=D(2027, 5, 16)),
        CaseFact("va", "profiling_opt_out", D(2027, 4, 1), Outcome.WHOLE, closed_on=D(2027, 4, 2)),  # not §7102
    ]


def test_admt_requests_are_counted_by_type():
    by_type = {t.request_type: t for t in compute_metrics(_facts(), start=YEAR[0], end=YEAR[1]).types}
    opt_out, access = by_type["admt_opt_out"], by_type["admt_access"]
    assert (opt_out.label, opt_out.received, opt_out.complied_whole, opt_out.denied) == (
        "Requests to opt out of automated decision-making (ADMT)", 2, 1, 1)
    assert (access.received, access.complied_part, access.median_days) == (1, 1, 30.0)
    assert sum(t.received for t in by_type.values()) == 3  # the state's profiling opt-out is not a §7102 type


def test_the_admt_rows_follow_the_setting():
    rows = csv_rows(compute_metrics(_facts(), start=YEAR[0], end=YEAR[1], include_admt=False))
    assert [row[0] for row in rows[1:]] == ["know", "delete", "correct", "opt_out", "limit"]


@pytest.mark.django_db
def test_the_report_reads_the_setting(settings):
    settings.MEDPRIVACY_ADMT_METRICS = False
    assert "admt_access" not in [t.request_type for t in metrics_for_period(start=YEAR[0], end=YEAR[1]).types]
    settings.MEDPRIVACY_ADMT_METRICS = True
    assert "admt_access" in [t.request_type for t in metrics_for_period(start=YEAR[0], end=YEAR[1]).types]
