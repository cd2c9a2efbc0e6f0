"""Tests for the pure deadline engine: hand-computed dates, properties, errors and helpers.

Every expected date below was counted by hand from a printed calendar, not computed with the engine.
"""

import datetime

import holidays
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from regimes.deadlines import (
    Conventions,
    Deadlines,
    PauseNotAllowedError,
    UnknownRuleError,
    can_extend,
    compute_deadlines,
    extension_notice_last_day,
    is_working_day,
    receipt_date,
    rule_for,
    uk_relevant_date,
)
from regimes.rules import EEA_COUNTRIES, RULES

D = datetime.date
CA_HOLIDAYS = Conventions(us_business_day_calendar="ca")
CONSERVATIVE = Conventions(ccpa_day_zero="conservative")
IRISH_CALENDAR = Conventions(gdpr_holiday_calendar="IE")

# (regime, right, received_on, country, paused_days, conventions, acknowledge_by, respond_by, extended_respond_by)
CASES = [
    # --- GDPR / UK month clocks -------------------------------------------------------------------------------
    # 5 Mar → 5 Apr (a Monday in 2027); +3 months = Sat 5 Jun → Mon 7 Jun.
    ("gdpr", "access", D(2027, 3, 5), "DE", 0, None, None, D(2027, 4, 5), D(2027, 6, 7)),
    # 5 Apr 2026 is a Sunday: weekends-only calendar rolls to Mon 6 Apr; 5 Jun is a Friday.
    ("gdpr", "access", D(2026, 3, 5), None, 0, None, None, D(2026, 4, 6), D(2026, 6, 5)),
    # Same receipt in Germany: Mon 6 Apr 2026 is Easter Monday → Tue 7 Apr.
    ("gdpr", "access", D(2026, 3, 5), "DE", 0, None, None, D(2026, 4, 7), D(2026, 6, 5)),
    # 31 Aug → 30 Sep (no 31 Sep); +3 months → 30 Nov (Mon).
    ("gdpr", "access", D(2026, 8, 31), None, 0, None, None, D(2026, 9, 30), D(2026, 11, 30)),
    # 31 Jan 2026 → 28 Feb (Saturday) → Mon 2 Mar; +3 months → 30 Apr (Thu).
    ("gdpr", "rectification", D(2026, 1, 31), None, 0, None, None, D(2026, 3, 2), D(2026, 4, 30)),
    # 31 Jan 2028 (leap year) → 29 Feb (Tue); +3 → Sun 30 Apr → Mon 1 May = Labour Day in DE → Tue 2 May.
    ("gdpr", "erasure", D(2028, 1, 31), "DE", 0, None, None, D(2028, 2, 29), D(2028, 5, 2)),
    # Received on leap day 2028-02-29 → 29 Mar (Wed); +3 → Mon 29 May, a normal day in France.
    ("gdpr", "access", D(2028, 2, 29), "FR", 0, None, None, D(2028, 3, 29), D(2028, 5, 29)),
    # UK: the same leap-day receipt; Mon 29 May 2028 is the Spring Bank Holiday → Tue 30 May.
    ("uk_gdpr", "access", D(2028, 2, 29), None, 0, None, None, D(2028, 3, 29), D(2028, 5, 30)),
    # DE vs FR: Tue 3 Oct 2028 is German Unity Day (DE → Wed 4 Oct); +3 → Sun 3 Dec → Mon 4 Dec.
    ("gdpr", "access", D(2028, 9, 3), "DE", 0, None, None, D(2028, 10, 4), D(2028, 12, 4)),
    # ... and an ordinary Tuesday in France.
    ("gdpr", "access", D(2028, 9, 3), "FR", 0, None, None, D(2028, 10, 3), D(2028, 12, 4)),
    # DE vs FR: Tue 14 Jul 2026 is Bastille Day (FR → Wed 15 Jul); +3 → Mon 14 Sep.
    ("gdpr", "portability", D(2026, 6, 14), "FR", 0, None, None, D(2026, 7, 15), D(2026, 9, 14)),
    # ... and an ordinary Tuesday in Germany.
    ("gdpr", "portability", D(2026, 6, 14), "DE", 0, None, None, D(2026, 7, 14), D(2026, 9, 14)),
    # FR: Wed 11 Nov 2026 Armistice Day → Thu 12 Nov; +3 → Mon 11 Jan 2027.
    ("gdpr", "objection", D(2026, 10, 11), "FR", 0, None, None, D(2026, 11, 12), D(2027, 1, 11)),
    # DE: 11 Nov is a working day.
    ("gdpr", "objection", D(2026, 10, 11), "DE", 0, None, None, D(2026, 11, 11), D(2027, 1, 11)),
    # FR: Sun 1 Nov → Mon 2 Nov; +3 → Fri 1 Jan 2027 (New Year) → Sat, Sun → Mon 4 Jan.
    ("gdpr", "restriction", D(2026, 10, 1), "FR", 0, None, None, D(2026, 11, 2), D(2027, 1, 4)),
    # 31 Oct → 30 Nov (Mon); +3 → Sun 31 Jan 2027 → Mon 1 Feb.
    ("gdpr", "restriction", D(2026, 10, 31), "FR", 0, None, None, D(2026, 11, 30), D(2027, 2, 1)),
    # ⚑ gdpr_holiday_calendar fixed to Ireland: Tue 17 Mar 2026 is St Patrick's Day → Wed 18 Mar, whatever the
    # subject's country; +3 → Sun 17 May → Mon 18 May.
    ("gdpr", "access", D(2026, 2, 17), "DE", 0, IRISH_CALENDAR, None, D(2026, 3, 18), D(2026, 5, 18)),
    # UK substitute bank holidays: Christmas and Boxing Day 2027 fall on a weekend → Mon 27 and Tue 28 Dec
    # are holidays → Wed 29 Dec; +3 → Sun 27 Feb 2028 → Mon 28 Feb. (Receipt on a Saturday changes nothing.)
    ("uk_gdpr", "access", D(2027, 11, 27), None, 0, None, None, D(2027, 12, 29), D(2028, 2, 28)),
    # UK: Sat 1 Jan 2028 → substitute Mon 3 Jan → Tue 4 Jan; +3 → Wed 1 Mar.
    ("uk_gdpr", "erasure", D(2027, 12, 1), None, 0, None, None, D(2028, 1, 4), D(2028, 3, 1)),
    # UK: Boxing Day 2026 is a Saturday → Mon 28 Dec substitute → Tue 29 Dec; +3 → Sun 28 Feb → Mon 1 Mar.
    ("uk_gdpr", "access", D(2026, 11, 28), "FR", 0, None, None, D(2026, 12, 29), D(2027, 3, 1)),
    # UK: Mon 31 Aug 2026 Late Summer Bank Holiday → Tue 1 Sep; +3 → Sat 31 Oct → Mon 2 Nov.
    ("uk_gdpr", "portability", D(2026, 7, 31), None, 0, None, None, D(2026, 9, 1), D(2026, 11, 2)),
    # GDPR pause: 10 days added to the unrolled 5 Apr → Wed 15 Apr; 5 Jun + 10 → Mon 15 Jun.
    ("gdpr", "access", D(2026, 3, 5), None, 10, None, None, D(2026, 4, 15), D(2026, 6, 15)),
    # GDPR pause then roll: 30 Sep + 3 = Sat 3 Oct → Mon 5 Oct; 30 Nov + 3 = Thu 3 Dec.
    ("gdpr", "erasure", D(2026, 8, 31), "DE", 3, None, None, D(2026, 10, 5), D(2026, 12, 3)),
    # UK Art. 12A: clarification days do not count: 5 Apr + 5 = Fri 10 Apr; 5 Jun + 5 = Wed 10 Jun.
    ("uk_gdpr", "access", D(2026, 3, 5), None, 5, None, None, D(2026, 4, 10), D(2026, 6, 10)),
    # --- GDPR / UK "immediately" = next working day -----------------------------------------------------------
    # DE: Thu 2 Apr 2026 → Good Friday, weekend, Easter Monday → Tue 7 Apr. No extension.
    ("gdpr", "withdraw_consent", D(2026, 4, 2), "DE", 0, None, None, D(2026, 4, 7), None),
    # FR: Good Friday is not a national holiday → Fri 3 Apr.
    ("gdpr", "withdraw_consent", D(2026, 4, 2), "FR", 0, None, None, D(2026, 4, 3), None),
    # FR: received Sat 23 May 2026 → Sun, Pentecost Monday 25 May → Tue 26 May.
    ("gdpr", "direct_marketing_objection", D(2026, 5, 23), "FR", 0, None, None, D(2026, 5, 26), None),
    # UK: Thu 24 Dec 2026 → Christmas Fri, weekend, Boxing Day substitute Mon 28 → Tue 29 Dec.
    ("uk_gdpr", "withdraw_consent", D(2026, 12, 24), None, 0, None, None, D(2026, 12, 29), None),
    # --- CCPA -------------------------------------------------------------------------------------------------
    # Fri 20 Nov 2026: ack = 10th business day skipping Thanksgiving (Thu 26) → Mon 7 Dec;
    # respond receipt + 45 = Mon 4 Jan 2027; extended + 90 = Thu 18 Feb 2027.
    ("ccpa", "access", D(2026, 11, 20), None, 0, None, D(2026, 12, 7), D(2027, 1, 4), D(2027, 2, 18)),
    # ⚑ California holidays also skip the Day After Thanksgiving (Fri 27 Nov) → ack Tue 8 Dec.
    ("ccpa", "access", D(2026, 11, 20), None, 0, CA_HOLIDAYS, D(2026, 12, 8), D(2027, 1, 4), D(2027, 2, 18)),
    # ⚑ ccpa_day_zero conservative: receipt + 44 / + 89; the business-day ack is unchanged.
    ("ccpa", "erasure", D(2026, 11, 20), None, 0, CONSERVATIVE, D(2026, 12, 7), D(2027, 1, 3), D(2027, 2, 17)),
    # Received on Thanksgiving (Thu 26 Nov 2026): the ack count starts Fri 27 → 10th business day Thu 10 Dec;
    # +45 = Sun 10 Jan 2027 (calendar days never roll); +90 = Wed 24 Feb 2027.
    ("ccpa", "rectification", D(2026, 11, 26), None, 0, None, D(2026, 12, 10), D(2027, 1, 10), D(2027, 2, 24)),
    # Received Sat 4 Jul 2026: business days count from Mon 6 Jul → ack Fri 17 Jul; +45 = Tue 18 Aug;
    # +90 = Fri 2 Oct.
    ("ccpa", "access", D(2026, 7, 4), None, 0, None, D(2026, 7, 17), D(2026, 8, 18), D(2026, 10, 2)),
    # Thu 23 Dec 2027: Christmas observed Fri 24 Dec and New Year's Day 2028 observed Fri 31 Dec are skipped
    # → ack Mon 10 Jan 2028; +45 = Sun 6 Feb 2028; +90 (through 29 Feb) = Wed 22 Mar 2028.
    ("ccpa", "access", D(2027, 12, 23), None, 0, None, D(2028, 1, 10), D(2028, 2, 6), D(2028, 3, 22)),
    # Opt-out 15 business days from Tue 30 Jun 2026, skipping 4 July observed on Fri 3 Jul → Wed 22 Jul.
    ("ccpa", "opt_out_sale_sharing", D(2026, 6, 30), None, 0, None, None, D(2026, 7, 22), None),
    # Opt-out over Thanksgiving: Wed 25 Nov 2026 → 15th business day Thu 17 Dec.
    ("ccpa", "opt_out_sale_sharing", D(2026, 11, 25), None, 0, None, None, D(2026, 12, 17), None),
    # Limit, received Sat 18 Dec 2027, skipping Fri 24 Dec and Fri 31 Dec (observed) → Tue 11 Jan 2028.
    ("ccpa", "limit_sensitive", D(2027, 12, 18), None, 0, None, None, D(2028, 1, 11), None),
    # --- Shine the Light ----------------------------------------------------------------------------------------
    # 30 days: 10 Mar 2026 → 9 Apr 2026. (150 days: see the designated_address test.)
    ("shine_the_light", "disclosure", D(2026, 3, 10), None, 0, None, None, D(2026, 4, 9), None),
    # --- US states ------------------------------------------------------------------------------------------------
    # VA 45 + 45: 15 Jan 2026 → Sun 1 Mar (no roll) → extended Wed 15 Apr.
    ("va", "access", D(2026, 1, 15), None, 0, None, None, D(2026, 3, 1), D(2026, 4, 15)),
    # VA appeal 60 days, no extension: 15 Jan → 16 Mar 2026.
    ("va", "appeal", D(2026, 1, 15), None, 0, None, None, D(2026, 3, 16), None),
    # CT appeal 60 days: 1 Oct → 30 Nov 2026.
    ("ct", "appeal", D(2026, 10, 1), None, 0, None, None, D(2026, 11, 30), None),
    # TX appeal 60 days: 31 Dec 2026 → 1 Mar 2027.
    ("tx", "appeal", D(2026, 12, 31), None, 0, None, None, D(2027, 3, 1), None),
    # OR appeal 45 days: 20 May → Sat 4 Jul 2026 (a holiday, but calendar days never roll).
    ("or", "appeal", D(2026, 5, 20), None, 0, None, None, D(2026, 7, 4), None),
    # CO appeal 45 days + 60 with notice: 20 May → 4 Jul 2026; extended (105 days) → Wed 2 Sep.
    ("co", "appeal", D(2026, 5, 20), None, 0, None, None, D(2026, 7, 4), D(2026, 9, 2)),
    # CO opt-out 45 + 45 across leap February: 1 Feb 2028 → 17 Mar; +90 → 1 May 2028.
    ("co", "opt_out_sale_sharing", D(2028, 2, 1), None, 0, None, None, D(2028, 3, 17), D(2028, 5, 1)),
    # TX received on Thanksgiving 2027: 45 → Sun 9 Jan 2028; 90 → Wed 23 Feb 2028.
    ("tx", "erasure", D(2027, 11, 25), None, 0, None, None, D(2028, 1, 9), D(2028, 2, 23)),
    # OR portability from 28 Feb 2026: 45 → 14 Apr; 90 → 29 May.
    ("or", "portability", D(2026, 2, 28), None, 0, None, None, D(2026, 4, 14), D(2026, 5, 29)),
    # CT received on 4 July observed (Fri 3 Jul 2026): 45 → 17 Aug; 90 → 1 Oct.
    ("ct", "rectification", D(2026, 7, 3), None, 0, None, None, D(2026, 8, 17), D(2026, 10, 1)),
    # --- HIPAA ------------------------------------------------------------------------------------------------------
    # Access 30 + 30: 31 Jan 2026 → 2 Mar (28-day February); extended → 1 Apr.
    ("hipaa", "access", D(2026, 1, 31), None, 0, None, None, D(2026, 3, 2), D(2026, 4, 1)),
    # Amendment 60 + 30 across leap February: 15 Jan 2028 → 15 Mar; extended → 14 Apr.
    ("hipaa", "rectification", D(2028, 1, 15), None, 0, None, None, D(2028, 3, 15), D(2028, 4, 14)),
    # Accounting 60 + 30 from Christmas Day 2026 → 23 Feb 2027; extended → 25 Mar 2027.
    ("hipaa", "accounting", D(2026, 12, 25), None, 0, None, None, D(2027, 2, 23), D(2027, 3, 25)),
    # --- Switzerland -------------------------------------------------------------------------------------------------
    # Access 30 calendar days: 2 Jul → Sat 1 Aug 2026 (Swiss National Day; not rolled). Open-ended extension.
    ("ch_fadp", "access", D(2026, 7, 2), "CH", 0, None, None, D(2026, 8, 1), None),
    # Pause allowed: 30 + 5 days → 6 Aug 2026.
    ("ch_fadp", "access", D(2026, 7, 2), "CH", 5, None, None, D(2026, 8, 6), None),
    # Erasure on the company-policy 30 days: 10 Feb → 12 Mar 2027.
    ("ch_fadp", "erasure", D(2027, 2, 10), None, 0, None, None, D(2027, 3, 12), None),
    # --- Company policy (voluntary) -----------------------------------------------------------------------------------
    # Access 45 + 45: 10 May 2026 → 24 Jun; extended → 8 Aug.
    ("voluntary", "access", D(2026, 5, 10), None, 0, None, None, D(2026, 6, 24), D(2026, 8, 8)),
    # Withdraw consent, Germany: Thu 24 Dec 2026 → Christmas, 2nd Christmas Day (Sat), Sun → Mon 28 Dec.
    ("voluntary", "withdraw_consent", D(2026, 12, 24), "DE", 0, None, None, D(2026, 12, 28), None),
    # Withdraw consent, US: Thu 2 Jul 2026 → Fri 3 Jul is 4 July observed → Mon 6 Jul.
    ("voluntary", "withdraw_consent", D(2026, 7, 2), "US", 0, None, None, D(2026, 7, 6), None),
    # Unknown residence: weekends only → Fri 3 Jul 2026.
    ("voluntary", "withdraw_consent", D(2026, 7, 2), None, 0, None, None, D(2026, 7, 3), None),
    # A country the holidays package does not know falls back to weekends only: Fri 2 Jan 2026 → Mon 5 Jan.
    ("voluntary", "direct_marketing_objection", D(2026, 1, 2), "XX", 0, None, None, D(2026, 1, 5), None),
]


@pytest.mark.parametrize(
    ("regime", "right", "received_on", "country", "paused_days", "conventions", "ack", "respond", "extended"),
    CASES,
)
def test_it_computes_hand_counted_deadlines(
    regime, right, received_on, country, paused_days, conventions, ack, respond, extended
):
    deadlines = compute_deadlines(
        regime=regime,
        right=right,
        received_on=received_on,
        country=country,
        paused_days=paused_days,
        conventions=conventions,
    )

    assert deadlines == Deadlines(acknowledge_by=ack, respond_by=respond, extended_respond_by=extended)


def test_the_case_table_is_big_enough():
    assert len(CASES) >= 45


def test_it_gives_shine_the_light_150_days_for_a_non_designated_address():
    # 10 Mar 2026 + 150 days = 7 Aug 2026 (21 + 30 + 31 + 30 + 31 + 7).
    deadlines = compute_deadlines(
        regime="shine_the_light", right="disclosure", received_on=D(2026, 3, 10), designated_address=False
    )

    assert deadlines.respond_by == D(2026, 8, 7)


def test_it_ignores_designated_address_for_rules_without_an_alternative():
    deadlines = compute_deadlines(regime="va", right="access", received_on=D(2026, 1, 15), designated_address=False)

    assert deadlines.respond_by == D(2026, 3, 1)


def test_it_accepts_lower_case_and_alias_country_codes():
    lower = compute_deadlines(regime="gdpr", right="access", received_on=D(2026, 3, 5), country="de")

    assert lower.respond_by == D(2026, 4, 7)  # Easter Monday in Germany is skipped


def test_it_uses_observed_us_holidays():
    us = ("US", None)

    assert not is_working_day(D(2026, 7, 3), us)  # 4 July 2026 is a Saturday, observed Friday
    assert not is_working_day(D(2027, 12, 31), us)  # New Year's Day 2028 is a Saturday, observed the Friday before
    assert not is_working_day(D(2026, 11, 26), us)  # Thanksgiving
    assert is_working_day(D(2026, 11, 27), us)  # the day after Thanksgiving is not a federal holiday
    assert not is_working_day(D(2026, 11, 27), ("US", "CA"))  # ... but it is a California state holiday


def test_it_uses_england_and_wales_bank_holidays_for_uk_gdpr_whatever_the_country():
    scottish = compute_deadlines(regime="uk_gdpr", right="access", received_on=D(2026, 7, 31), country="GB")

    # 31 Aug 2026 is a bank holiday in England but not in Scotland; UK GDPR rows always use England & Wales.
    assert scottish.respond_by == D(2026, 9, 1)


# ---------------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------------

RULE_KEYS = sorted(RULES)
COUNTRIES = st.sampled_from([None, *sorted(EEA_COUNTRIES), "GB", "CH", "US", "JP"])
DATES = st.dates(min_value=D(2020, 1, 1), max_value=D(2035, 12, 31))


def _oracle_is_working_day(day: datetime.date, country: str | None, subdiv: str | None = None) -> bool:
    """Decide working days straight from the holidays package, independently of the engine's cache."""
    if day.weekday() >= 5:
        return False
    return country is None or day not in holidays.country_holidays(country, subdiv=subdiv, years=day.year)


CALENDAR_RULE_KEYS = [key for key in RULE_KEYS if RULES[key].respond.kind == "calendar"]
NEXT_WORKING_DAY_RULE_KEYS = [key for key in RULE_KEYS if RULES[key].respond.kind == "next_working_day"]


@st.composite
def requests(draw, keys=RULE_KEYS):
    """Draw a valid (regime, right, received_on, country, paused_days) combination."""
    regime, right = draw(st.sampled_from(keys))
    paused = draw(st.integers(min_value=0, max_value=60)) if RULES[(regime, right)].pause_allowed else 0
    return regime, right, draw(DATES), draw(COUNTRIES), paused


@settings(max_examples=300, deadline=None)
@given(requests())
def test_deadlines_never_run_backwards(request_):
    regime, right, received_on, country, paused = request_

    deadlines = compute_deadlines(
        regime=regime, right=right, received_on=received_on, country=country, paused_days=paused
    )

    assert deadlines.respond_by >= received_on
    if deadlines.extended_respond_by is not None:
        assert deadlines.extended_respond_by >= deadlines.respond_by
    if deadlines.acknowledge_by is not None:
        assert received_on < deadlines.acknowledge_by <= deadlines.respond_by


@settings(max_examples=200, deadline=None)
@given(
    right=st.sampled_from(["access", "erasure", "rectification", "opt_out_sale_sharing", "limit_sensitive"]),
    received_on=DATES,
    calendar=st.sampled_from(["federal", "ca"]),
)
def test_ccpa_business_day_clocks_land_on_business_days(right, received_on, calendar):
    subdiv = "CA" if calendar == "ca" else None

    deadlines = compute_deadlines(
        regime="ccpa", right=right, received_on=received_on, conventions=Conventions(us_business_day_calendar=calendar)
    )

    business_day = deadlines.acknowledge_by if right in ("access", "erasure", "rectification") else deadlines.respond_by
    assert business_day is not None
    assert _oracle_is_working_day(business_day, "US", subdiv)


@settings(max_examples=200, deadline=None)
@given(
    regime=st.sampled_from(["gdpr", "uk_gdpr"]),
    received_on=DATES,
    country=st.sampled_from([None, *sorted(EEA_COUNTRIES)]),
    paused=st.integers(min_value=0, max_value=45),
)
def test_month_clocks_land_on_the_first_working_day_from_the_calendar_date(regime, received_on, country, paused):
    holiday_country, subdiv = ("GB", "ENG") if regime == "uk_gdpr" else (country, None)

    deadlines = compute_deadlines(
        regime=regime, right="access", received_on=received_on, country=country, paused_days=paused
    )

    for months, due in ((1, deadlines.respond_by), (3, deadlines.extended_respond_by)):
        # relativedelta clips to the month end (31 Jan + 1 month = 28/29 Feb), as the rule requires.
        target = received_on + relativedelta(months=months) + datetime.timedelta(days=paused)
        assert due is not None and due >= target
        assert _oracle_is_working_day(due, holiday_country, subdiv)
        skipped = (target + datetime.timedelta(days=offset) for offset in range((due - target).days))
        assert not any(_oracle_is_working_day(day, holiday_country, subdiv) for day in skipped)


@settings(max_examples=200, deadline=None)
@given(requests(CALENDAR_RULE_KEYS))
def test_calendar_day_clocks_never_roll(request_):
    regime, right, received_on, country, paused = request_
    rule = RULES[(regime, right)]

    deadlines = compute_deadlines(
        regime=regime, right=right, received_on=received_on, country=country, paused_days=paused
    )

    assert (deadlines.respond_by - received_on).days == rule.respond.n + paused


# ---------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------


def test_it_rejects_an_unknown_regime():
    with pytest.raises(UnknownRuleError, match=r"Unknown regime 'nevada' \(right 'access'\)"):
        compute_deadlines(regime="nevada", right="access", received_on=D(2026, 1, 5))


def test_it_rejects_an_unknown_right():
    with pytest.raises(UnknownRuleError, match=r"Unknown right 'teleport' \(regime 'gdpr'\)"):
        compute_deadlines(regime="gdpr", right="teleport", received_on=D(2026, 1, 5))


def test_it_rejects_a_combination_that_does_not_exist():
    with pytest.raises(UnknownRuleError, match=r"Regime 'shine_the_light' grants no right 'erasure'"):
        compute_deadlines(regime="shine_the_light", right="erasure", received_on=D(2026, 1, 5))


def test_unknown_rule_error_is_a_value_error():
    with pytest.raises(ValueError):
        rule_for("ccpa", "portability")


def test_it_refuses_a_pause_under_ccpa():
    with pytest.raises(PauseNotAllowedError, match=r"CCPA \(regime 'ccpa'\) does not allow pausing"):
        compute_deadlines(regime="ccpa", right="access", received_on=D(2026, 1, 5), paused_days=3)


def test_it_refuses_a_pause_under_hipaa_and_us_states():
    for regime in ("hipaa", "va", "co"):
        with pytest.raises(PauseNotAllowedError, match=regime):
            compute_deadlines(regime=regime, right="access", received_on=D(2026, 1, 5), paused_days=1)


def test_it_refuses_a_gdpr_pause_when_the_convention_forbids_it():
    with pytest.raises(PauseNotAllowedError, match="'gdpr'"):
        compute_deadlines(
            regime="gdpr",
            right="access",
            received_on=D(2026, 1, 5),
            paused_days=1,
            conventions=Conventions(gdpr_pause_mode="no_pause"),
        )


def test_it_rejects_negative_paused_days():
    with pytest.raises(ValueError, match="paused_days must not be negative"):
        compute_deadlines(regime="gdpr", right="access", received_on=D(2026, 1, 5), paused_days=-1)


def test_a_zero_pause_is_fine_where_pauses_are_forbidden():
    deadlines = compute_deadlines(regime="ccpa", right="access", received_on=D(2026, 1, 5), paused_days=0)

    assert deadlines.respond_by == D(2026, 2, 19)  # 5 Jan + 45 = 26 days to 31 Jan, then 19


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ccpa_day_zero": "day_one"}, "ccpa_day_zero"),
        ({"us_business_day_calendar": "ny"}, "us_business_day_calendar"),
        ({"gdpr_pause_mode": "sometimes"}, "gdpr_pause_mode"),
        ({"gdpr_holiday_calendar": "XX"}, "gdpr_holiday_calendar"),
        ({"receipt_time_zones": {"nevada": "UTC"}}, "nevada"),
    ],
)
def test_conventions_reject_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Conventions(**kwargs)


def test_conventions_reject_an_unknown_time_zone():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        Conventions(receipt_time_zones={"ccpa": "Mars/Olympus"})


# ---------------------------------------------------------------------------------------------------------
# Receipt dates
# ---------------------------------------------------------------------------------------------------------

UTC = datetime.UTC


@pytest.mark.parametrize(
    ("instant", "regime", "expected"),
    [
        # 07:30 UTC on 1 Mar is 23:30 on 28 Feb in Los Angeles (PST, UTC-8).
        (datetime.datetime(2026, 3, 1, 7, 30, tzinfo=UTC), "ccpa", D(2026, 2, 28)),
        # 23:30 UTC on 1 Jul is 00:30 on 2 Jul in London (BST, UTC+1).
        (datetime.datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "uk_gdpr", D(2026, 7, 2)),
        # 23:30 UTC on 31 Dec is 00:30 on 1 Jan in Brussels (CET, UTC+1).
        (datetime.datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "gdpr", D(2027, 1, 1)),
        # 03:00 UTC on 10 Mar is 23:00 on 9 Mar in New York (EDT from 8 Mar 2026, UTC-4).
        (datetime.datetime(2026, 3, 10, 3, 0, tzinfo=UTC), "hipaa", D(2026, 3, 9)),
        # voluntary defaults to UTC.
        (datetime.datetime(2026, 3, 10, 3, 0, tzinfo=UTC), "voluntary", D(2026, 3, 10)),
    ],
)
def test_receipt_date_uses_the_regime_time_zone(instant, regime, expected):
    assert receipt_date(instant, regime) == expected


def test_receipt_date_time_zones_can_be_overridden_one_regime_at_a_time():
    conventions = Conventions(receipt_time_zones={"ccpa": "UTC"})
    instant = datetime.datetime(2026, 3, 1, 7, 30, tzinfo=UTC)

    assert receipt_date(instant, "ccpa", conventions) == D(2026, 3, 1)
    assert receipt_date(instant, "shine_the_light", conventions) == D(2026, 2, 28)  # default kept


def test_receipt_date_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"):
        receipt_date(datetime.datetime(2026, 3, 1, 7, 30), "ccpa")


def test_uk_relevant_date_is_the_latest_of_receipt_identity_and_fee():
    assert uk_relevant_date(D(2026, 3, 5)) == D(2026, 3, 5)
    assert uk_relevant_date(D(2026, 3, 5), identity_received_on=D(2026, 3, 9)) == D(2026, 3, 9)
    assert uk_relevant_date(D(2026, 3, 5), identity_received_on=D(2026, 3, 9), fee_paid_on=D(2026, 3, 7)) == D(
        2026, 3, 9
    )


# ---------------------------------------------------------------------------------------------------------
# Extensions
# ---------------------------------------------------------------------------------------------------------


def test_extension_notice_last_day_is_the_original_deadline():
    deadlines = compute_deadlines(regime="ccpa", right="access", received_on=D(2026, 11, 20))

    assert extension_notice_last_day(deadlines) == D(2027, 1, 4)


def test_extension_notice_last_day_is_none_without_an_extension():
    deadlines = compute_deadlines(regime="ccpa", right="opt_out_sale_sharing", received_on=D(2026, 6, 30))

    assert extension_notice_last_day(deadlines) is None


def test_extension_notice_last_day_covers_open_ended_swiss_extensions_given_the_rule():
    deadlines = compute_deadlines(regime="ch_fadp", right="access", received_on=D(2026, 7, 2))

    assert extension_notice_last_day(deadlines) is None
    assert extension_notice_last_day(deadlines, rule_for("ch_fadp", "access")) == D(2026, 8, 1)


def test_can_extend_refuses_a_second_ccpa_extension():
    allowed, message = can_extend(
        rule_for("ccpa", "access"), today=D(2026, 12, 1), respond_by=D(2027, 1, 4), already_extended=True
    )

    assert not allowed
    assert message == "CCPA allows one extension (Cal. Civ. Code §1798.130(a)(2)); this case was already extended"


def test_can_extend_refuses_after_the_original_deadline():
    allowed, message = can_extend(
        rule_for("gdpr", "access"), today=D(2026, 4, 7), respond_by=D(2026, 4, 6), already_extended=False
    )

    assert not allowed
    assert message == (
        "GDPR allows an extension only with a notice sent by the original deadline 2026-04-06 (GDPR Art. 12(3)); "
        "that day has passed"
    )


def test_can_extend_refuses_where_no_extension_exists():
    allowed, message = can_extend(
        rule_for("ccpa", "opt_out_sale_sharing"), today=D(2026, 7, 1), respond_by=D(2026, 7, 22), already_extended=False
    )

    assert not allowed
    assert message.startswith("CCPA allows no extension for 'Do not sell or share my information (opt-out)'")


def test_can_extend_allows_on_the_last_day():
    allowed, message = can_extend(
        rule_for("co", "appeal"), today=D(2026, 7, 4), respond_by=D(2026, 7, 4), already_extended=False
    )

    assert allowed
    assert message == (
        "CPA allows one extension of 60 calendar days (C.R.S. §6-1-1306(3)); send the notice with the reasons "
        "by 2026-07-04"
    )


def test_can_extend_explains_the_open_ended_swiss_extension():
    allowed, message = can_extend(
        rule_for("ch_fadp", "access"), today=D(2026, 7, 20), respond_by=D(2026, 8, 1), already_extended=False
    )

    assert allowed
    assert "tell the requester the date by which they will get the answer" in message


@settings(max_examples=200, deadline=None)
@given(request_=requests(NEXT_WORKING_DAY_RULE_KEYS), country=st.sampled_from([None, "DE", "FR", "US", "IE"]))
def test_next_working_day_is_the_first_working_day_after_receipt(request_, country):
    regime, right, received_on, _, _ = request_
    holiday_country, subdiv = ("GB", "ENG") if regime == "uk_gdpr" else (country, None)

    due = compute_deadlines(regime=regime, right=right, received_on=received_on, country=country).respond_by

    assert due > received_on
    assert _oracle_is_working_day(due, holiday_country, subdiv)
    between = (received_on + datetime.timedelta(days=offset) for offset in range(1, (due - received_on).days))
    assert not any(_oracle_is_working_day(day, holiday_country, subdiv) for day in between)
