"""The automated-decision rights in the rules table (RULES.md §9): hand-counted dates, conventions, no waiting.

Every expected date was counted by hand on a calendar (US federal holidays with observed dates).
"""

import datetime

import pytest

from compliance.rules import CONFIRM_PROCESSED_RIGHTS, NEVER_UNVERIFIABLE_RIGHTS
from regimes.deadlines import (
    Conventions,
    PauseNotAllowedError,
    can_extend,
    compute_deadlines,
    regime_for,
    rights_offered,
    rule_for,
)
from regimes.rules import ADMT_RIGHTS, RIGHT_LABELS, RIGHTS, US_STATE_REGIMES

D = datetime.date


def test_the_admt_codes_are_fixed_and_labelled():
    for code in ("admt_opt_out", "admt_access", "admt_appeal", "profiling_opt_out", "admt_explanation",
                 "admt_human_review"):
        assert code in RIGHTS and code in ADMT_RIGHTS and RIGHT_LABELS[code]


def test_admt_opt_out_is_15_business_days_over_thanksgiving():
    # Received Sat 20 Nov 2027: Mon 22 (1), 23, 24, [25 Thanksgiving], 26 (4), 29, 30, 1 Dec, 2, 3 (9), 6, 7, 8, 9,
    # 10 (14), Mon 13 Dec (15).
    dates = compute_deadlines(regime="ccpa", right="admt_opt_out", received_on=D(2027, 11, 20))
    assert dates.respond_by == D(2027, 12, 13)
    assert dates.acknowledge_by is None and dates.extended_respond_by is None


def test_admt_opt_out_over_thanksgiving_with_california_holidays_skips_the_day_after():
    dates = compute_deadlines(regime="ccpa", right="admt_opt_out", received_on=D(2027, 11, 20),
                              conventions=Conventions(us_business_day_calendar="ca"))
    assert dates.respond_by == D(2027, 12, 14)


def test_admt_opt_out_is_15_business_days_over_christmas_and_new_year():
    # Received Mon 20 Dec 2027: 21 (1), 22, 23 (3), [Fri 24: Christmas observed], 27 (4) … 30 (7), [Fri 31: New Year
    # observed], Mon 3 Jan 2028 (8), 4, 5, 6, 7 (12), 10, 11, Wed 12 Jan (15).
    dates = compute_deadlines(regime="ccpa", right="admt_opt_out", received_on=D(2027, 12, 20))
    assert dates.respond_by == D(2028, 1, 12)


def test_admt_opt_out_needs_no_verification_allows_no_extension_and_no_pause():
    rule = rule_for("ccpa", "admt_opt_out")
    assert rule.verification == "none"
    assert rule.extension is None and rule.pause_allowed is False
    allowed, message = can_extend(rule, today=D(2027, 11, 22), respond_by=D(2027, 12, 13), already_extended=False)
    assert allowed is False and "allows no extension" in message
    # The clock runs from receipt: a pause (e.g. waiting for identity) is refused by the engine itself.
    with pytest.raises(PauseNotAllowedError, match="time runs regardless of verification"):
        compute_deadlines(regime="ccpa", right="admt_opt_out", received_on=D(2027, 11, 20), paused_days=3)
    assert "admt_opt_out" in NEVER_UNVERIFIABLE_RIGHTS and "admt_opt_out" in CONFIRM_PROCESSED_RIGHTS


def test_admt_access_is_acknowledged_in_10_business_days_and_answered_in_45_plus_45():
    # Ack: Mon 22 (1), 23, 24, [25], 26 (4), 29, 30, 1, 2, 3 (9), Mon 6 Dec (10).
    # 20 Nov + 45 = 4 Jan 2028; + 90 = 18 Feb 2028.
    dates = compute_deadlines(regime="ccpa", right="admt_access", received_on=D(2027, 11, 20))
    assert (dates.acknowledge_by, dates.respond_by, dates.extended_respond_by) == (
        D(2027, 12, 6), D(2028, 1, 4), D(2028, 2, 18))
    assert rule_for("ccpa", "admt_access").verification == "reasonably_high"  # verified like a request to know


def test_the_admt_access_acknowledgement_is_a_convention():
    dates = compute_deadlines(regime="ccpa", right="admt_access", received_on=D(2027, 11, 20),
                              conventions=Conventions(admt_access_acknowledge=False))
    assert dates.acknowledge_by is None and dates.respond_by == D(2028, 1, 4)


def test_admt_appeal_is_45_days_by_default_and_a_convention():
    assert compute_deadlines(regime="ccpa", right="admt_appeal",
                             received_on=D(2027, 2, 1)).respond_by == D(2027, 3, 18)
    assert compute_deadlines(regime="ccpa", right="admt_appeal", received_on=D(2027, 2, 1),
                             conventions=Conventions(admt_appeal_days=30)).respond_by == D(2027, 3, 3)
    with pytest.raises(ValueError, match="admt_appeal_days"):
        Conventions(admt_appeal_days=0)


@pytest.mark.parametrize("state", US_STATE_REGIMES)
def test_profiling_opt_out_is_45_plus_45_in_each_state(state):
    # 10 Mar 2027 + 45 = 24 Apr 2027; + 90 = 8 Jun 2027. Calendar days: no roll-forward.
    dates = compute_deadlines(regime=state, right="profiling_opt_out", received_on=D(2027, 3, 10))
    assert (dates.respond_by, dates.extended_respond_by) == (D(2027, 4, 24), D(2027, 6, 8))
    rule = rule_for(state, "profiling_opt_out")
    assert rule.verification == "none"
    # The state's appeal route: its own appeal row exists.
    assert rule_for(state, "appeal")
    assert regime_for(country="US", subdivision=state.upper(), right="profiling_opt_out") == state


def test_colorado_explanation_within_30_days_and_human_review_on_the_cpa_clock():
    # Adverse outcome Fri 15 Jan 2027 + 30 = Sun 14 Feb 2027 (calendar days do not roll).
    assert compute_deadlines(regime="co", right="admt_explanation",
                             received_on=D(2027, 1, 15)).respond_by == D(2027, 2, 14)
    review = compute_deadlines(regime="co", right="admt_human_review", received_on=D(2027, 3, 10))
    assert (review.respond_by, review.extended_respond_by) == (D(2027, 4, 24), D(2027, 6, 8))


def test_only_californians_get_ccpa_admt_rights_and_only_the_five_states_profiling():
    assert {"admt_opt_out", "admt_access", "admt_appeal"} <= set(rights_offered("US", "CA"))
    assert "profiling_opt_out" not in rights_offered("US", "CA")
    for state in ("VA", "CT", "TX", "OR", "CO"):
        assert "profiling_opt_out" in rights_offered("US", state)
        assert "admt_opt_out" not in rights_offered("US", state)
    assert {"admt_explanation", "admt_human_review"} <= set(rights_offered("US", "CO"))
    assert not set(rights_offered("US", "VA")) & {"admt_explanation", "admt_human_review"}
    assert not set(rights_offered("DE")) & ADMT_RIGHTS
    assert not set(rights_offered("US", "NY")) & ADMT_RIGHTS
