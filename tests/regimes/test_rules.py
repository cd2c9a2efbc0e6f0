"""Tests for the rules table, residence → regime mapping, the generated docs and import isolation."""

import io
import os
import subprocess
import sys
from pathlib import Path

import holidays
import pytest

from regimes.deadlines import (
    CCPA_SALE_OPT_IN_AGE,
    COPPA_PARENTAL_CONSENT_AGE,
    DEFAULT_RECEIPT_TIME_ZONES,
    REGIME_LABELS,
    REGIMES,
    RIGHT_LABELS,
    RIGHTS,
    UnknownRuleError,
    digital_consent_age,
    jurisdiction_for,
    regime_for,
    render_markdown,
    rights_for,
    rights_offered,
    rule_for,
)
from regimes.rules import (
    EEA_COUNTRIES,
    REGIME_HOLIDAY_CALENDARS,
    RULES,
    VERIFICATION_LEVELS,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------------------


def test_every_row_is_keyed_by_its_own_regime_and_right():
    for (regime, right), rule in RULES.items():
        assert (rule.regime, rule.right) == (regime, right)
        assert regime in REGIMES and right in RIGHTS


def test_every_regime_and_right_has_a_plain_label():
    assert set(REGIME_LABELS) == set(REGIMES)
    assert set(RIGHT_LABELS) == set(RIGHTS)


def test_every_regime_grants_a_right_and_every_right_has_a_regime():
    assert all(rights_for(regime) for regime in REGIMES)
    assert {right for _, right in RULES} == set(RIGHTS)


def test_rows_are_complete():
    for rule in RULES.values():
        assert rule.citation, rule
        assert rule.verification in VERIFICATION_LEVELS, rule
        assert 3 <= len(rule.denial_grounds) <= 6, rule
        assert len({code for code, _ in rule.denial_grounds}) == len(rule.denial_grounds), rule
        assert rule.denial_rights_notice, rule


def test_pauses_are_only_allowed_on_clocks_that_can_absorb_them():
    for rule in RULES.values():
        if rule.pause_allowed:
            assert rule.respond.kind in ("month", "calendar"), rule


def test_pauses_follow_rules_md():
    paused = {regime for (regime, _), rule in RULES.items() if rule.pause_allowed}

    assert paused == {"gdpr", "uk_gdpr", "ch_fadp"}


def test_immediate_rights_have_no_extension_and_no_verification():
    for regime in ("gdpr", "uk_gdpr", "voluntary"):
        for right in ("withdraw_consent", "direct_marketing_objection"):
            rule = rule_for(regime, right)
            assert rule.respond.kind == "next_working_day"
            assert rule.extension is None
            assert rule.verification == "none"


def test_verification_levels_follow_rules_md():
    assert rule_for("ccpa", "opt_out_sale_sharing").verification == "none"
    assert rule_for("ccpa", "limit_sensitive").verification == "none"
    assert rule_for("ccpa", "access").verification == "reasonably_high"
    assert rule_for("ccpa", "erasure").verification == "reasonable"
    assert {rule.verification for (regime, _), rule in RULES.items() if regime == "hipaa"} == {
        "identity_and_authority"
    }


def test_each_regime_grants_the_rights_rules_md_lists():
    assert rights_for("gdpr") == (
        "access",
        "rectification",
        "erasure",
        "restriction",
        "portability",
        "objection",
        "direct_marketing_objection",
        "withdraw_consent",
    )
    assert rights_for("uk_gdpr") == rights_for("gdpr")
    assert rights_for("ccpa") == ("access", "rectification", "erasure", "opt_out_sale_sharing", "limit_sensitive",
                                  "admt_opt_out", "admt_access", "admt_appeal")
    assert rights_for("shine_the_light") == ("disclosure",)
    assert rights_for("hipaa") == ("access", "rectification", "accounting")
    for state in ("va", "co", "ct", "tx", "or"):
        assert rights_for(state) == (
            "access",
            "rectification",
            "erasure",
            "portability",
            "opt_out_sale_sharing",
            "appeal",
            "profiling_opt_out",
            *(("admt_explanation", "admt_human_review") if state == "co" else ()),
        )


def test_swiss_rights_beyond_access_are_marked_company_policy():
    assert "company policy" not in rule_for("ch_fadp", "access").citation
    for right in rights_for("ch_fadp"):
        if right != "access":
            assert rule_for("ch_fadp", right).citation.startswith("company policy")


def test_shine_the_light_carries_its_special_terms():
    rule = rule_for("shine_the_light", "disclosure")

    assert rule.non_designated_address_days == 150
    assert rule.once_per_calendar_year
    assert rule.extension is None


def test_only_swiss_extensions_are_open_ended():
    open_ended = {rule.regime for rule in RULES.values() if rule.extension and rule.extension.open_ended}

    assert open_ended == {"ch_fadp"}
    assert all(rule.extension.n is None for rule in RULES.values() if rule.regime == "ch_fadp" and rule.extension)


def test_us_state_appeal_denials_point_to_the_attorney_general_not_another_appeal():
    notice = rule_for("va", "appeal").denial_rights_notice

    assert "Virginia Attorney General" in notice
    assert "may appeal" not in notice
    assert "may appeal" in rule_for("va", "access").denial_rights_notice


def test_gdpr_denials_name_the_supervisory_authority_and_judicial_remedy():
    notice = rule_for("gdpr", "access").denial_rights_notice

    assert "supervisory authority" in notice and "judicial remedy" in notice and "Art. 12(4)" in notice


def test_rights_for_rejects_an_unknown_regime():
    with pytest.raises(UnknownRuleError, match="'nevada'"):
        rights_for("nevada")


def test_every_regime_has_a_working_day_calendar_and_receipt_time_zone():
    assert set(REGIME_HOLIDAY_CALENDARS) == set(REGIMES)
    assert set(DEFAULT_RECEIPT_TIME_ZONES) == set(REGIMES)


def test_every_eea_country_has_a_holiday_calendar():
    # Otherwise GDPR deadlines for that country would silently fall back to weekends only.
    for country in sorted(EEA_COUNTRIES):
        holidays.country_holidays(country)


# ---------------------------------------------------------------------------------------------------------
# Residence → regimes
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "subdivision", "expected"),
    [
        ("US", "CA", ("ccpa", "shine_the_light")),
        ("us", "ca", ("ccpa", "shine_the_light")),
        ("US", "US-CA", ("ccpa", "shine_the_light")),
        ("US", "VA", ("va",)),
        ("US", "CO", ("co",)),
        ("US", "CT", ("ct",)),
        ("US", "TX", ("tx",)),
        ("US", "or", ("or",)),
        ("US", "NY", ("voluntary",)),
        ("US", None, ("voluntary",)),
        ("DE", None, ("gdpr",)),
        ("no", None, ("gdpr",)),
        ("IS", "1", ("gdpr",)),
        ("LI", None, ("gdpr",)),
        ("EL", None, ("gdpr",)),
        ("GB", "SCT", ("uk_gdpr",)),
        ("UK", None, ("uk_gdpr",)),
        ("CH", None, ("ch_fadp",)),
        ("JP", None, ("voluntary",)),
        (None, None, ("voluntary",)),
        ("", "", ("voluntary",)),
        ("CA", None, ("voluntary",)),  # Canada, not California
    ],
)
def test_jurisdiction_for_maps_residence_to_regimes(country, subdivision, expected):
    assert jurisdiction_for(country, subdivision) == expected


@pytest.mark.parametrize(
    ("country", "subdivision", "right", "is_patient", "expected"),
    [
        ("US", "CA", "access", False, "ccpa"),
        ("US", "CA", "disclosure", False, "shine_the_light"),
        ("US", "CA", "withdraw_consent", False, "voluntary"),
        ("US", "CA", "opt_out_sale_sharing", True, "ccpa"),  # HIPAA grants no opt-out
        ("DE", None, "portability", False, "gdpr"),
        # An EU patient's access runs under the GDPR (we forward as the clinic's processor), not HIPAA.
        ("DE", None, "access", True, "gdpr"),
        ("US", "NY", "access", True, "hipaa"),
        (None, None, "accounting", True, "hipaa"),
        ("GB", None, "restriction", False, "uk_gdpr"),
        ("CH", None, "erasure", False, "ch_fadp"),
        ("CH", None, "withdraw_consent", False, "voluntary"),
        ("US", "VA", "appeal", False, "va"),
        ("JP", None, "access", False, "voluntary"),
        (None, None, "direct_marketing_objection", False, "voluntary"),
    ],
)
def test_regime_for_picks_the_first_regime_granting_the_right(country, subdivision, right, is_patient, expected):
    assert regime_for(country=country, subdivision=subdivision, right=right, is_patient=is_patient) == expected


def test_regime_for_refuses_a_right_nobody_grants_there():
    with pytest.raises(UnknownRuleError, match="'portability'.*JP"):
        regime_for(country="JP", subdivision=None, right="portability")


def test_regime_for_refuses_accounting_to_a_non_patient():
    with pytest.raises(UnknownRuleError, match="'accounting'"):
        regime_for(country="US", subdivision="CA", right="accounting")


def test_regime_for_refuses_an_unknown_right():
    with pytest.raises(UnknownRuleError, match="Unknown right 'teleport'"):
        regime_for(country="DE", subdivision=None, right="teleport")


def test_rights_offered_to_a_californian():
    assert rights_offered("US", "CA") == (
        "access",
        "rectification",
        "erasure",
        "direct_marketing_objection",
        "withdraw_consent",
        "opt_out_sale_sharing",
        "limit_sensitive",
        "disclosure",
        "admt_opt_out",
        "admt_access",
        "admt_appeal",
    )


def test_rights_offered_to_a_virginian_include_the_appeal():
    assert rights_offered("US", "VA") == (
        "access",
        "rectification",
        "erasure",
        "portability",
        "direct_marketing_objection",
        "withdraw_consent",
        "opt_out_sale_sharing",
        "appeal",
        "profiling_opt_out",
    )


def test_rights_offered_in_the_eea_are_the_gdpr_rights():
    assert rights_offered("FR", None) == rights_for("gdpr")


def test_rights_offered_anywhere_else_are_the_company_policy_rights():
    assert rights_offered(None, None) == (
        "access",
        "rectification",
        "erasure",
        "direct_marketing_objection",
        "withdraw_consent",
    )


def test_rights_offered_always_include_unsubscribe_and_withdraw_consent():
    for country, subdivision in (("US", "CA"), ("US", "TX"), ("DE", None), ("CH", None), ("BR", None)):
        offered = rights_offered(country, subdivision)
        assert "withdraw_consent" in offered and "direct_marketing_objection" in offered


# ---------------------------------------------------------------------------------------------------------
# Consent ages
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "age"),
    [
        ("DE", 16),
        ("IE", 16),
        ("NL", 16),
        ("FR", 15),
        ("ES", 14),
        ("IT", 14),
        ("AT", 14),
        ("BE", 13),
        ("DK", 13),
        ("FI", 13),
        ("SE", 13),
        ("GB", 13),
        ("uk", 13),
        ("PL", 16),  # other EEA: the GDPR default
        ("US", 13),  # COPPA
        (None, 16),
    ],
)
def test_digital_consent_age(country, age):
    assert digital_consent_age(country) == age


def test_us_consent_constants():
    assert (COPPA_PARENTAL_CONSENT_AGE, CCPA_SALE_OPT_IN_AGE) == (13, 16)


# ---------------------------------------------------------------------------------------------------------
# Generated docs and isolation from Django
# ---------------------------------------------------------------------------------------------------------


def test_committed_docs_match_the_table():
    committed = (REPO_ROOT / "docs" / "deadlines.md").read_text(encoding="utf-8")

    assert committed == render_markdown(), "regenerate: python -m regimes.deadlines > docs/deadlines.md"


def test_docs_list_every_row_and_every_convention():
    page = render_markdown()

    for regime, right in RULES:
        assert f"(`{regime}`) | `{right}` |" in page
    for convention in ("ccpa_day_zero", "us_business_day_calendar", "gdpr_pause_mode", "gdpr_holiday_calendar"):
        assert f"⚑ `{convention}`" in page


def test_module_main_prints_the_docs():
    result = subprocess.run(
        [sys.executable, "-m", "regimes.deadlines"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )

    assert result.stdout == render_markdown()


def test_deadlines_import_without_django():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    script = "import sys, regimes.deadlines, regimes.rules; assert 'django' not in sys.modules, 'django'"

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, env=env, check=False
    )

    assert result.returncode == 0, result.stderr


def test_management_command_prints_the_docs():
    from requests_app.management.commands.deadline_rules import Command

    out = io.StringIO()
    Command(stdout=out).handle()

    assert out.getvalue() == render_markdown()
