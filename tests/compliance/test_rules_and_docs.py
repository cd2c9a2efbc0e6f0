"""The compliance tables and their generated review page (no database)."""

from __future__ import annotations

from pathlib import Path

from compliance.document import render_markdown
from compliance.rules import (
    APPEAL_REGIMES,
    ATTORNEYS_GENERAL,
    EVIDENCE,
    MESSAGE_KINDS,
    REQUIRED_STATEMENTS,
    required_variables,
)
from compliance.verification import verification_gap
from regimes.rules import REGIMES, RULES, VERIFICATION_LEVELS

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_docs_compliance_md_is_generated_from_the_tables():
    committed = (REPO_ROOT / "docs" / "compliance.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), "regenerate: python -m compliance.document > docs/compliance.md"


def test_the_page_shows_per_regime_and_right_the_clock_level_evidence_notices_appeal_and_records():
    page = render_markdown()
    ccpa_access = next(line for line in page.splitlines() if line.startswith("| CCPA (`ccpa`) | `access` |"))
    for words in ("acknowledge: 10 business days", "respond: 45 calendar days", "reasonably_high",
                  "`account_login`; `signed_declaration`", "denial: reason, complaint_right",
                  "unverified: answered for categories (11 CCR §7024(a))", "24 months (11 CCR §7101(a))"):
        assert words in ccpa_access, words
    va_erasure = next(line for line in page.splitlines() if line.startswith("| VCDPA (`va`) | `erasure` |"))
    assert "appeal form (link in the notice), answered in 60 calendar days (Va. Code §59.1-577(C))" in va_erasure
    assert "closed unverified: reason, appeal_route" in va_erasure


def test_every_level_has_evidence_that_satisfies_it_and_every_rule_a_known_level():
    for level in VERIFICATION_LEVELS:
        assert any(level in evidence.satisfies for evidence in EVIDENCE.values()), level
    assert {rule.verification for rule in RULES.values()} <= set(VERIFICATION_LEVELS)


def test_every_regime_has_its_statements_and_every_appeal_state_an_attorney_general():
    for regime in REGIMES:
        assert "reason" in REQUIRED_STATEMENTS[(regime, "denial")]
    for state in APPEAL_REGIMES:
        assert "appeal_route" in REQUIRED_STATEMENTS[(state, "denial")]
        assert ATTORNEYS_GENERAL[state].url.startswith("https://") and ATTORNEYS_GENERAL[state].phone
    assert set(APPEAL_REGIMES) == {"va", "co", "ct", "tx", "or"}
    assert required_variables("denial") == ("reason", "rights_notice")
    assert MESSAGE_KINDS["appeal_decision"] == "denial"


def test_a_patient_level_needs_identity_and_authority_evidence():
    gap = verification_gap(regime="hipaa", right="access", level="identity_and_authority", evidence="data_points",
                           is_agent=False, agent_confirmed=False, has_declaration=False)
    assert not gap.met
    assert verification_gap(regime="hipaa", right="access", level="identity_and_authority",
                            evidence="id_document_checked", is_agent=False, agent_confirmed=False,
                            has_declaration=False).met
