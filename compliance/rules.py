"""Hold the compliance columns of the rules table: verification evidence, required statements, appeals, records.

This module is data, keyed like ``regimes.rules.RULES`` by regime and right (or by regime alone where a
value is the same for every right). The engine and the workflow read it; counsel reviews it through
``docs/compliance.md``, generated from it (``python -m compliance.document``). Adding a US state is rows here,
not an ``if`` anywhere else.

No Django imports: this must load without settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from regimes.rules import (
    REGIMES,
    RULES,
    US_STATE_REGIMES,
    gettext_noop,
)
from regimes.statements import Gettext, denial_rights_notice


def _english(message: str) -> str:
    return message


# ---------------------------------------------------------------------------------------------------------
# Verification: what evidence satisfies which level (RULES.md §3; 11 CCR §7060-7063; GDPR Art. 12(6))
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """One way an officer (or the requester) can establish identity, and the levels it satisfies."""

    label: str
    satisfies: frozenset[str]
    citation: str
    needs_declaration: bool = False  # a signed declaration under penalty of perjury must be on file
    establishes_agent_authority: bool = False  # settles an authorized agent's authority as well


_ALL_LEVELS = frozenset({"none", "email", "reasonable", "reasonably_high", "identity_and_authority"})

EVIDENCE: Mapping[str, Evidence] = MappingProxyType({
    "email_link": Evidence("E-mail link confirmed", frozenset({"none", "email"}), "GDPR Art. 12(6)"),
    "phone_callback": Evidence("Called back on the number we hold", frozenset({"none", "email"}),
                               "GDPR Art. 12(6)"),
    "account_login": Evidence("Signed in to their password-protected account (re-authenticated)",
                              frozenset({"none", "email", "reasonable", "reasonably_high"}), "11 CCR §7061"),
    "data_points": Evidence("Two data points matched", frozenset({"none", "email", "reasonable"}),
                            "11 CCR §7062(b)"),
    "signed_declaration": Evidence(
        "Data points matched and signed declaration received",
        frozenset({"none", "email", "reasonable", "reasonably_high"}), "11 CCR §7062(c)",
        needs_declaration=True),
    "id_document_checked": Evidence("ID checked (copy not kept)",
                                    frozenset({"none", "email", "reasonable", "identity_and_authority"}),
                                    "EDPB Guidelines 01/2022 §§73-79; 45 CFR §164.514(h)"),
    "authority_checked": Evidence(
        "Identity and authority of the representative checked (signed permission or power of attorney)",
        frozenset({"none", "email", "reasonable", "identity_and_authority"}),
        "11 CCR §7063(a)(1); Cal. Prob. Code §§4121-4130; 45 CFR §164.514(h)",
        establishes_agent_authority=True),
})

# An authorized agent's request also needs the agent's authority settled: the officer checked the signed
# permission (evidence with ``establishes_agent_authority``) or the consumer confirmed directly (§7063(a)(2)).
AGENT_AUTHORITY_CITATION = "11 CCR §7063(a)"

# The declaration the consumer signs for specific pieces of information (11 CCR §7062(c)).
DECLARATION_TEXT = (
    "I declare under penalty of perjury under the laws of the State of California that I am the consumer "
    "whose personal information is the subject of this request, and that the information I have given to "
    "verify my identity is true and correct."
)
DECLARATION_CITATION = "11 CCR §7062(c)"


def evidence_for_level(level: str) -> tuple[str, ...]:
    """Return the evidence codes that satisfy ``level``, in table order."""
    return tuple(code for code, evidence in EVIDENCE.items() if level in evidence.satisfies)


# Rights that may never be refused for want of verification (they need none: 11 CCR §7026(c), §7027(f)),
# and the only ground on which they may be refused instead, which needs a documented explanation.
NEVER_UNVERIFIABLE_RIGHTS: frozenset[str] = frozenset({
    "opt_out_sale_sharing", "limit_sensitive",
    # 11 CCR §7221: no verification may be required for an ADMT opt-out; the states' opt-outs need none either.
    "admt_opt_out", "profiling_opt_out",
})
IDENTITY_GROUNDS: frozenset[str] = frozenset({
    "unverifiable", "identity_not_confirmed", "identity_or_authority_not_verified",
})
# Grounds the requester must be told the facts of (11 CCR §7026(e): "documented good-faith belief").
GROUNDS_NEEDING_EXPLANATION: frozenset[str] = frozenset({"fraud_suspected"})

# When the identity for specific pieces cannot be verified, answer as a request for categories (§7024(a)).
UNVERIFIED_FALLBACK: Mapping[tuple[str, str], str] = MappingProxyType({("ccpa", "access"): "categories"})
FALLBACK_LEVEL: Mapping[str, str] = MappingProxyType({"categories": "reasonable"})
FALLBACK_CITATION: Mapping[str, str] = MappingProxyType({"categories": "11 CCR §7024(a)"})

# ---------------------------------------------------------------------------------------------------------
# Pauses: a GDPR-style pause must be asked for without undue delay (EDPB Guidelines 01/2022 §159, Recital 63)
# ---------------------------------------------------------------------------------------------------------

# ⚑ convention: the last day after receipt (day 0) on which an officer may still ask and pause the clock.
PAUSE_ASK_WITHIN_DAYS: Mapping[str, int] = MappingProxyType({"gdpr": 10, "uk_gdpr": 10, "ch_fadp": 10})
PAUSE_CITATION: Mapping[str, str] = MappingProxyType({
    "gdpr": "EDPB Guidelines 01/2022 §159; Recital 63",
    "uk_gdpr": "UK GDPR Art. 12A; ICO guidance",
    "ch_fadp": "FADPO Art. 18",
})

# ---------------------------------------------------------------------------------------------------------
# Outcomes (the §7102 metrics count "complied with in whole or in part" and "denied")
# ---------------------------------------------------------------------------------------------------------

OUTCOMES: Mapping[str, str] = MappingProxyType({
    "complied": "Complied with in whole",
    "complied_in_part": "Complied with in part",
    "denied": "Denied",
    "closed_unverified": "Closed: identity not verified",
    "withdrawn": "Withdrawn by the requester",
    "forwarded": "Forwarded to the controller",
})
# The outcome a closing status records unless the closing service names another (e.g. "complied_in_part").
OUTCOME_FOR_STATUS: Mapping[str, str] = MappingProxyType({
    "completed": "complied",
    "denied": "denied",
    "closed_unverified": "closed_unverified",
    "withdrawn": "withdrawn",
    "redirected": "forwarded",
})
# Rights confirmed once processed (Cal. Civ. Code §1798.135 as amended for 2026; RULES.md §4).
# The template each confirmation is sent with.
CONFIRMATION_TEMPLATES: Mapping[str, str] = MappingProxyType({
    "opt_out_sale_sharing": "opt_out_processed",
    "limit_sensitive": "opt_out_processed",
    "admt_opt_out": "admt_opt_out_processed",  # 11 CCR §7221: confirm that the opt-out was processed
    "profiling_opt_out": "admt_opt_out_processed",
})
CONFIRM_PROCESSED_RIGHTS: frozenset[str] = frozenset(CONFIRMATION_TEMPLATES)

# ---------------------------------------------------------------------------------------------------------
# Appeals (VA, CO, CT, TX, OR) and the authority that takes complaints about an appeal decision
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    """Where a requester can complain: name, web page and telephone. ⚑ confirm before counsel signs off."""

    name: str
    url: str
    phone: str

    def contact_text(self, *, gettext: Gettext = _english) -> str:
        return gettext("%(name)s: %(url)s, telephone %(phone)s") % {
            "name": gettext(self.name), "url": self.url, "phone": self.phone}


ATTORNEYS_GENERAL: Mapping[str, Authority] = MappingProxyType({
    "va": Authority(gettext_noop("the Office of the Attorney General of Virginia, Consumer Protection Section"),
                    "https://www.oag.state.va.us/consumer-protection/", "+1 800 552 9963"),
    "co": Authority(gettext_noop("the Colorado Attorney General, Consumer Protection Section"),
                    "https://coag.gov/file-complaint/", "+1 800 222 4444"),
    "ct": Authority(gettext_noop("the Connecticut Attorney General, Privacy and Data Security Section"),
                    "https://portal.ct.gov/ag", "+1 860 808 5318"),
    "tx": Authority(gettext_noop("the Texas Attorney General, Consumer Protection Division"),
                    "https://www.texasattorneygeneral.gov/consumer-protection/file-consumer-complaint",
                    "+1 800 621 0508"),
    "or": Authority(gettext_noop("the Oregon Department of Justice, Consumer Protection"),
                    "https://www.doj.state.or.us/consumer-protection/", "+1 877 877 9392"),
})

APPEAL_REGIMES: tuple[str, ...] = tuple(state for state in US_STATE_REGIMES if (state, "appeal") in RULES)
# An appeal is of a decision: a case of the same regime closed with one of these outcomes.
APPEALABLE_STATUSES: frozenset[str] = frozenset({"denied", "completed", "closed_unverified"})
APPEAL_WINDOW_DAYS = 365  # ⚑ "a reasonable time" after the decision; counted from the decision's closure

# ---------------------------------------------------------------------------------------------------------
# Required statements per regime and message kind (GDPR Art. 12(4); US state appeal duty; §7024(a))
# ---------------------------------------------------------------------------------------------------------

STATEMENTS: Mapping[str, str] = MappingProxyType({
    "reason": "the reason for the decision",
    "complaint_right": "the right to complain to the regulator and to a judicial remedy",
    "appeal_route": "how to appeal, with a link to the appeal form",
    "authority_contact": "how to contact the Attorney General (name, web page, telephone)",
    "rights_statement": "the requester's rights that remain (what was kept and why, and how to complain)",
    "categories_fallback": "that the request was also treated as one for categories, with a link to our "
                           "general practices (11 CCR §7024(a))",
})

# Message kinds that carry a decision, the template each is sent with, and the variable that carries each
# statement. A template for a kind is refused unless it prints every variable its statements need.
MESSAGE_KINDS: Mapping[str, str] = MappingProxyType({
    "denial": "denial",
    "closed_unverified": "closed_unverified",
    "completion": "completion",
    "appeal_decision": "denial",  # an appeal is refused through the denial notice
})
STATEMENT_VARIABLES: Mapping[str, str] = MappingProxyType({
    "reason": "reason",
    "complaint_right": "rights_notice",
    "appeal_route": "rights_notice",
    "authority_contact": "rights_notice",
    "rights_statement": "rights_notice",
    "categories_fallback": "rights_notice",
})

_EU_LIKE = ("gdpr", "uk_gdpr", "ch_fadp")


def _statement_rows() -> Mapping[tuple[str, str], tuple[str, ...]]:
    rows: dict[tuple[str, str], tuple[str, ...]] = {}
    for regime in REGIMES:
        complaint = ("complaint_right",) if regime in _EU_LIKE or regime in ("ccpa", "hipaa") else ()
        appeal = ("appeal_route",) if regime in APPEAL_REGIMES else ()
        rows[(regime, "denial")] = ("reason", *complaint, *appeal)
        rows[(regime, "closed_unverified")] = ("reason", *complaint, *appeal)
        # Completion: a rights statement whenever something was kept or only part was done.
        rows[(regime, "completion")] = ("rights_statement", *appeal)
        if regime in APPEAL_REGIMES:
            rows[(regime, "appeal_decision")] = ("reason", "authority_contact")
    for regime in ("voluntary", "shine_the_light"):
        rows[(regime, "denial")] = ("reason", "complaint_right")
        rows[(regime, "closed_unverified")] = ("reason", "complaint_right")
    return MappingProxyType(rows)


REQUIRED_STATEMENTS: Mapping[tuple[str, str], tuple[str, ...]] = _statement_rows()


def required_variables(kind: str) -> tuple[str, ...]:
    """Return the template variables a template of ``kind`` must print, whatever the regime."""
    needed = {STATEMENT_VARIABLES[code] for (_, k), codes in REQUIRED_STATEMENTS.items() if k == kind
              for code in codes}
    return tuple(sorted(needed))


# The statements below are sentence patterns (translated with the `gettext` the caller passes: Django's in
# the web app, English without it); names, links, telephone numbers and citations are filled in from the tables.


def complaint_text(regime: str, *, gettext: Gettext = _english) -> str:
    """Return the regime's complaint / authority sentence (the denial rights notice of the rules table)."""
    return denial_rights_notice(regime, gettext=gettext)


def appeal_route_text(regime: str, appeal_url: str, *, gettext: Gettext = _english) -> str:
    """Return the sentence telling a US-state requester how to appeal, with the link."""
    return gettext("You may appeal this decision within a reasonable time: use our appeal form at %(appeal_url)s "
                   "or reply to this notice. We answer appeals in writing.") % {"appeal_url": appeal_url}


def authority_text(regime: str, *, gettext: Gettext = _english) -> str:
    """Return how to reach the Attorney General after an appeal is denied."""
    return gettext("This decision on your appeal is final with us. You may contact %(authority)s, to submit a "
                   "complaint.") % {"authority": ATTORNEYS_GENERAL[regime].contact_text(gettext=gettext)}


def authority_after_appeal_text(regime: str, *, gettext: Gettext = _english) -> str:
    """Return the sentence naming the Attorney General, with contact data, in a first decision's notice."""
    return gettext("If we deny your appeal, you may contact %(authority)s.") % {
        "authority": ATTORNEYS_GENERAL[regime].contact_text(gettext=gettext)}


def rights_statement_text(regime: str, *, gettext: Gettext = _english) -> str:
    """Return the rights statement of a completion that did not do everything asked."""
    text = gettext("We did not do everything you asked; the reasons are above.")
    return text if regime in APPEAL_REGIMES else f"{text} {complaint_text(regime, gettext=gettext)}"


def categories_fallback_text(policy_url: str, *, gettext: Gettext = _english) -> str:
    """Return the statement that an unverified request for specific pieces was treated as one for categories."""
    return gettext("We also treated your request as a request for the categories of personal information we "
                   "collect (11 CCR §7024(a)). We could not verify your identity for that either, so we direct you "
                   "to our general practices described in our privacy policy: %(policy_url)s") % {
        "policy_url": policy_url}


# ---------------------------------------------------------------------------------------------------------
# Record keeping (11 CCR §7101; GDPR Art. 5(2), 30)
# ---------------------------------------------------------------------------------------------------------

RECORD_KEEPING_MONTHS: Mapping[str, int] = MappingProxyType({
    **{regime: 24 for regime in REGIMES},
    "hipaa": 72,  # 45 CFR §164.530(j): six years
})
RECORD_KEEPING_CITATION: Mapping[str, str] = MappingProxyType({
    **{regime: "company policy (accountability, GDPR Art. 5(2)); 24 months as for CCPA" for regime in REGIMES},
    "ccpa": "11 CCR §7101(a)",
    "shine_the_light": "11 CCR §7101(a) (kept with the CCPA records)",
    "hipaa": "45 CFR §164.530(j)(2)",
})
