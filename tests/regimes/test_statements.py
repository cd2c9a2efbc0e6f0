"""The deadline and notice statements come from the rules table in every language: the sentence pattern is
translated, the numbers, authorities and citations are the table's. Change a rule and all three languages
change with it, on the pages too."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from compliance import rules as compliance_rules
from regimes import deadlines, statements
from regimes.rules import RULES, Clock

LANGUAGES = ("en", "es", "de")
CCPA_ACCESS = ("ccpa", "access")


def deadline_in(language: str, rule) -> str:
    with translation.override(language):
        return statements.deadline_statement(rule, gettext=gettext, ngettext=ngettext)


def test_the_ccpa_deadline_statement_in_three_languages_carries_the_tables_numbers_and_citation():
    rule = RULES[CCPA_ACCESS]
    texts = {language: deadline_in(language, rule) for language in LANGUAGES}
    assert texts["en"] == (
        "We must respond within 45 days of receiving your request (Cal. Civ. Code §1798.110, §1798.115; "
        "Cal. Civ. Code §1798.130(a)(2); 11 CCR §7021). We may extend this once, by up to 45 days more, if we "
        "tell you why before the time is up (Cal. Civ. Code §1798.130(a)(2)).")
    assert texts["es"].startswith("Debemos responder en un plazo de 45 días desde que recibimos su solicitud")
    assert texts["de"].startswith("Unsere Antwortfrist beträgt 45 Tage ab Eingang Ihres Antrags")
    for text in texts.values():
        assert rule.citation in text and rule.extension.citation in text  # citations stay exact


@pytest.mark.parametrize(("clock", "expected"), [
    (Clock("calendar", 30), {"en": "30 days", "es": "30 días", "de": "30 Tage"}),
    (Clock("calendar", 1), {"en": "1 day", "es": "1 día", "de": "1 Tag"}),
    (Clock("business", 15), {"en": "15 business days", "es": "15 días hábiles", "de": "15 Werktage"}),
    (Clock("month", 2), {"en": "2 months", "es": "2 meses", "de": "2 Monate"}),
])
def test_changing_a_rules_clock_changes_the_statement_in_every_language(clock, expected):
    before = {language: deadline_in(language, RULES[CCPA_ACCESS]) for language in LANGUAGES}
    changed = dataclasses.replace(RULES[CCPA_ACCESS], respond=clock, extension=None)
    after = {language: deadline_in(language, changed) for language in LANGUAGES}
    for language in LANGUAGES:
        assert after[language] != before[language]
        assert expected[language] in after[language]
        assert "45" not in after[language]  # neither the old clock nor the extension is left


def test_changing_a_rules_extension_and_citation_changes_every_language():
    rule = RULES[CCPA_ACCESS]
    changed = dataclasses.replace(rule, citation="Test Code §1", extension=dataclasses.replace(
        rule.extension, n=10, citation="Test Code §2"))
    for language in LANGUAGES:
        text = deadline_in(language, changed)
        assert "Test Code §1" in text and "Test Code §2" in text
        assert "10" in text and "§1798" not in text


def test_the_status_page_shows_the_changed_rule_in_each_language(client, db, monkeypatch):
    from subjects import links
    from tests.factories import make_case

    dsr = make_case(right="access", regime="ccpa", subject__email="ann@example.com")
    path = f"/requests/status/{links.status_token(dsr.subject)}/"
    changed = dataclasses.replace(RULES[CCPA_ACCESS], respond=Clock("calendar", 33))
    monkeypatch.setattr(deadlines, "RULES", MappingProxyType({**RULES, CCPA_ACCESS: changed}))
    expected = {"en": "within 33 days", "es": "un plazo de 33 días", "de": "beträgt 33 Tage"}
    for language, words in expected.items():
        # The status page speaks the language stored with the request (docs/messages.md).
        dsr.submission.language = language
        dsr.submission.save(update_fields=["language"])
        page = client.get(path).content.decode()
        assert words in page, language


def test_the_notice_statements_take_the_authority_and_contact_from_the_tables(monkeypatch):
    authority = compliance_rules.Authority("the Test Attorney General", "https://ag.example/", "+1 555 0100")
    monkeypatch.setattr(compliance_rules, "ATTORNEYS_GENERAL", {**compliance_rules.ATTORNEYS_GENERAL, "va": authority})
    for language, words in {"en": "you may contact", "es": "puede dirigirse a", "de": "können Sie sich an"}.items():
        with translation.override(language):
            text = compliance_rules.authority_after_appeal_text("va", gettext=gettext)
        assert words in text
        assert "https://ag.example/" in text and "+1 555 0100" in text
    with translation.override("de"):
        notice = statements.denial_rights_notice("gdpr", gettext=gettext)
    assert notice.startswith("Sie haben das Recht, Beschwerde bei einer Datenschutz-Aufsichtsbehörde einzulegen")
    assert notice.endswith("(GDPR Art. 12(4)).")
