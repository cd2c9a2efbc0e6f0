"""Hold the privacy-rights rules table: every statutory number, label and citation in one place.

This module is data. The engine that reads it lives in ``regimes.deadlines``; counsel reviews it through
``docs/deadlines.md``, which is generated from it (``python -m regimes.deadlines``). Adding a US state is
a few rows here, not a new ``if`` anywhere else.

No Django imports: this must load without settings. Labels and sentences people read are marked with
``gettext_noop`` (an identity function here) so that ``makemessages`` collects them; ``regimes.statements``
puts them into the active language when they are shown, with the numbers and citations of this table.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal


def gettext_noop(message: str) -> str:
    """Mark a label or sentence for translation (collected by makemessages); return it unchanged."""
    return message


# ---------------------------------------------------------------------------------------------------------
# Codes and plain-words labels
# ---------------------------------------------------------------------------------------------------------

REGIMES: tuple[str, ...] = (
    "gdpr",
    "uk_gdpr",
    "ch_fadp",
    "ccpa",
    "shine_the_light",
    "va",
    "co",
    "ct",
    "tx",
    "or",
    "hipaa",
    "voluntary",
)

US_STATE_REGIMES: tuple[str, ...] = ("va", "co", "ct", "tx", "or")

# Order matters: it is the display order of the public form.
RIGHTS: tuple[str, ...] = (
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "direct_marketing_objection",
    "withdraw_consent",
    "opt_out_sale_sharing",
    "limit_sensitive",
    "disclosure",
    "appeal",
    "accounting",
    # Automated decisions (RULES.md §9): codes fixed, other tools rely on them.
    "admt_opt_out",
    "admt_access",
    "admt_appeal",
    "profiling_opt_out",
    "admt_explanation",
    "admt_human_review",
)

# The automated-decision rights (RULES.md §9), and those the data map must make relevant (an automated
# system in the AI register that processes people like the requester) before the form offers them.
ADMT_RIGHTS: frozenset[str] = frozenset({
    "admt_opt_out", "admt_access", "admt_appeal", "profiling_opt_out", "admt_explanation", "admt_human_review",
})
# The day the California ADMT duties and Colorado SB 26-189 apply (the portal offers the rights before it).
ADMT_DUTIES_FROM = datetime.date(2027, 1, 1)
# Offered only where the company relies on the human-appeal exception for a system (11 CCR §7221(b)(1)).
ADMT_APPEAL_RIGHTS: frozenset[str] = frozenset({"admt_appeal"})

REGIME_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "gdpr": gettext_noop("EU/EEA data protection law (GDPR)"),
        "uk_gdpr": gettext_noop("UK data protection law (UK GDPR)"),
        "ch_fadp": gettext_noop("Swiss data protection law (FADP)"),
        "ccpa": gettext_noop("California Consumer Privacy Act (CCPA)"),
        "shine_the_light": gettext_noop("California Shine the Light law"),
        "va": gettext_noop("Virginia Consumer Data Protection Act"),
        "co": gettext_noop("Colorado Privacy Act"),
        "ct": gettext_noop("Connecticut Data Privacy Act"),
        "tx": gettext_noop("Texas Data Privacy and Security Act"),
        "or": gettext_noop("Oregon Consumer Privacy Act"),
        "hipaa": gettext_noop("HIPAA (health information held for your clinic)"),
        "voluntary": gettext_noop("Our privacy policy"),
    }
)

# Short names for sentences such as "CCPA allows one extension".
REGIME_ABBREVIATIONS: Mapping[str, str] = MappingProxyType(
    {
        "gdpr": "GDPR",
        "uk_gdpr": "UK GDPR",
        "ch_fadp": "FADP",
        "ccpa": "CCPA",
        "shine_the_light": "Shine the Light",
        "va": "VCDPA",
        "co": "CPA",
        "ct": "CTDPA",
        "tx": "TDPSA",
        "or": "OCPA",
        "hipaa": "HIPAA",
        "voluntary": "Our policy",
    }
)

RIGHT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "access": gettext_noop("Know what personal information we hold (access)"),
        "rectification": gettext_noop("Correct wrong information (rectification)"),
        "erasure": gettext_noop("Delete my information (erasure)"),
        "restriction": gettext_noop("Pause the use of my information (restriction)"),
        "portability": gettext_noop("Get my information to take elsewhere (portability)"),
        "objection": gettext_noop("Object to how my information is used (objection)"),
        "direct_marketing_objection": gettext_noop("Stop marketing messages (unsubscribe)"),
        "withdraw_consent": gettext_noop("Withdraw a consent I gave"),
        "opt_out_sale_sharing": gettext_noop("Do not sell or share my information (opt-out)"),
        "limit_sensitive": gettext_noop("Limit the use of my sensitive information"),
        "disclosure": gettext_noop("Who got my information for their own marketing (Shine the Light)"),
        "appeal": gettext_noop("Appeal your decision on my request"),
        "accounting": gettext_noop("List who my health information was disclosed to (accounting)"),
        "admt_opt_out": gettext_noop("Opt out of automated decision-making about me (ADMT)"),
        "admt_access": gettext_noop("Tell me how automated decision-making is used about me (ADMT access)"),
        "admt_appeal": gettext_noop("Appeal an automated decision to a human reviewer"),
        "profiling_opt_out": gettext_noop("Opt out of profiling for decisions with significant effects"),
        "admt_explanation": gettext_noop("Explain an adverse decision made with automated technology"),
        "admt_human_review": gettext_noop("Have a human review an automated decision, or correct my data used in it"),
    }
)

# ---------------------------------------------------------------------------------------------------------
# Verification levels (RULES.md §3)
# ---------------------------------------------------------------------------------------------------------

VerificationLevel = Literal["none", "email", "reasonable", "reasonably_high", "identity_and_authority"]

VERIFICATION_LEVELS: Mapping[str, str] = MappingProxyType(
    {
        "none": "No verification: act on the request as made (deny only on a documented good-faith belief of fraud).",
        "email": "Confirm control of the e-mail address or account we already hold; ask for more only on "
        "reasonable doubt (GDPR Art. 12(6)). Never keep an ID copy: record 'ID checked'.",
        "reasonable": "Reasonable degree of certainty: match 2 data points we already hold (11 CCR §7062(b)).",
        "reasonably_high": "Reasonably high degree of certainty: match 3 data points and a signed declaration "
        "under penalty of perjury (11 CCR §7062(c)); if that fails, answer as a request for categories (§7024(a)).",
        "identity_and_authority": "Verify identity and the authority of anyone not known, including personal "
        "representatives (45 CFR §164.514(h)).",
    }
)

# ---------------------------------------------------------------------------------------------------------
# Rule building blocks
# ---------------------------------------------------------------------------------------------------------

ClockKind = Literal["calendar", "business", "month", "next_working_day"]


@dataclass(frozen=True)
class Clock:
    """Describe one time limit counted from the receipt date.

    - ``calendar``: receipt is day 0, due = receipt + n, no roll-forward.
    - ``business``: the receipt day is not counted; the n-th following working day (Mon-Fri, no holiday).
    - ``month``: same date n months later, clipped to the month end, rolled forward to a working day.
    - ``next_working_day``: the first working day after receipt (n is always 1).
    """

    kind: ClockKind
    n: int


@dataclass(frozen=True)
class Extension:
    """Describe how far, and on what terms, the respond clock may be extended.

    ``n`` is counted in the unit of the respond clock and added to it from receipt (GDPR: 1 + 2 = 3 months
    from receipt; CCPA: 45 + 45 = 90 days). ``n is None`` with ``open_ended`` means the law lets the
    controller name a later date in its notice without a fixed cap (Swiss FADPO Art. 18(2)).
    """

    n: int | None
    citation: str
    requires_notice: bool = True
    notice_before_original_deadline: bool = True
    once: bool = True
    reason_required: bool = True
    open_ended: bool = False


DenialGround = tuple[str, str]


@dataclass(frozen=True)
class Rule:
    """Hold everything the portal needs to know about one right under one regime."""

    regime: str
    right: str
    respond: Clock
    acknowledge: Clock | None
    extension: Extension | None
    verification: VerificationLevel
    pause_allowed: bool
    citation: str
    denial_grounds: tuple[DenialGround, ...]
    denial_rights_notice: str
    # Shine the Light: a request sent to an address the business did not designate has a longer clock.
    non_designated_address_days: int | None = None
    once_per_calendar_year: bool = False
    note: str = ""


# ---------------------------------------------------------------------------------------------------------
# Per-regime data shared by its rows: denial grounds and the rights notice (RULES.md §4)
# ---------------------------------------------------------------------------------------------------------

_GDPR_DENIAL: tuple[DenialGround, ...] = (
    ("identity_not_confirmed", gettext_noop("We could not confirm who you are (Art. 12(2), 12(6))")),
    ("manifestly_unfounded_or_excessive",
     gettext_noop("The request is manifestly unfounded or excessive (Art. 12(5))")),
    ("rights_of_others", gettext_noop("Answering would harm the rights and freedoms of others (Art. 15(4))")),
    ("erasure_exception",
     gettext_noop("We must keep it: legal duty, public health, research or legal claims (Art. 17(3))")),
    ("no_data", gettext_noop("We hold no personal data about you")),
)

_CH_DENIAL: tuple[DenialGround, ...] = (
    ("identity_not_confirmed", gettext_noop("We could not confirm who you are")),
    ("required_by_law", gettext_noop("A formal law requires or allows us to refuse (FADP Art. 26(1)(a))")),
    ("overriding_third_party_interests", gettext_noop("Overriding interests of third parties (FADP Art. 26(1)(b))")),
    ("manifestly_unfounded", gettext_noop("The request is manifestly unfounded or querulous (FADP Art. 26(1)(c))")),
    ("no_data", gettext_noop("We hold no personal data about you")),
)

_CCPA_DENIAL: tuple[DenialGround, ...] = (
    ("unverifiable", gettext_noop("We could not verify your identity (11 CCR §7062)")),
    ("deletion_exception", gettext_noop("An exception to deletion applies (Cal. Civ. Code §1798.105(d))")),
    ("exempt_data", gettext_noop("The information is exempt, e.g. health information covered by HIPAA (§1798.146)")),
    ("manifestly_unfounded_or_excessive",
     gettext_noop("The request is manifestly unfounded or excessive (§1798.145(h)(3))")),
    ("fraud_suspected",
     gettext_noop("Documented good-faith belief that the opt-out request is fraudulent (11 CCR §7026(e))")),
)

_STL_DENIAL: tuple[DenialGround, ...] = (
    ("not_a_customer", gettext_noop("You are not a California customer with an established business relationship")),
    ("no_disclosures",
     gettext_noop("Last calendar year we gave no one your information for their own direct marketing")),
    ("already_answered_this_year", gettext_noop("We already answered a request from you this calendar year")),
)

_US_STATE_DENIAL: tuple[DenialGround, ...] = (
    ("unverifiable", gettext_noop("We could not authenticate your request")),
    ("exempt_data", gettext_noop("The information is exempt, e.g. health information covered by HIPAA")),
    ("manifestly_unfounded_or_excessive", gettext_noop("The request is manifestly unfounded, excessive or repetitive")),
    ("deidentified_data", gettext_noop("The information is de-identified or pseudonymous data")),
    ("trade_secret", gettext_noop("Answering would reveal a trade secret")),
)

_HIPAA_DENIAL: tuple[DenialGround, ...] = (
    ("identity_or_authority_not_verified",
     gettext_noop("Identity or authority to act could not be verified (§164.514(h))")),
    ("unreviewable_ground",
     gettext_noop("Psychotherapy notes or material compiled for legal proceedings (§164.524(a)(1)-(2))")),
    ("reviewable_endangerment",
     gettext_noop("A licensed professional judged that access would endanger someone (§164.524(a)(3))")),
    ("not_in_record_set", gettext_noop("The information is not part of the designated record set")),
    ("accurate_and_complete", gettext_noop("The record is accurate and complete (amendment, §164.526(a)(2))")),
)

_VOLUNTARY_DENIAL: tuple[DenialGround, ...] = (
    ("identity_not_confirmed", gettext_noop("We could not confirm who you are")),
    ("legal_obligation", gettext_noop("A law requires us to keep the information")),
    ("rights_of_others", gettext_noop("Answering would harm the rights of others")),
    ("manifestly_unfounded_or_excessive", gettext_noop("The request is manifestly unfounded or excessive")),
    ("no_data", gettext_noop("We hold no personal information about you")),
)

_US_STATE_AUTHORITY: Mapping[str, str] = MappingProxyType(
    {
        "va": gettext_noop("the Virginia Attorney General"),
        "co": gettext_noop("the Colorado Attorney General"),
        "ct": gettext_noop("the Connecticut Attorney General"),
        "tx": gettext_noop("the Texas Attorney General"),
        "or": gettext_noop("the Oregon Attorney General"),
    }
)

DENIAL_GROUNDS: Mapping[str, tuple[DenialGround, ...]] = MappingProxyType(
    {
        "gdpr": _GDPR_DENIAL,
        "uk_gdpr": _GDPR_DENIAL,
        "ch_fadp": _CH_DENIAL,
        "ccpa": _CCPA_DENIAL,
        "shine_the_light": _STL_DENIAL,
        **{state: _US_STATE_DENIAL for state in US_STATE_REGIMES},
        "hipaa": _HIPAA_DENIAL,
        "voluntary": _VOLUNTARY_DENIAL,
    }
)

# The rights notice of a denial per regime, as a sentence pattern: %(authority)s is the state's authority above.
US_STATE_DENIAL_NOTICE = gettext_noop(
    "You may appeal this decision: reply to this notice or use the appeal form within a reasonable time. If we "
    "deny your appeal, you may contact %(authority)s.")
DENIAL_RIGHTS_NOTICE_PATTERNS: Mapping[str, str] = MappingProxyType(
    {
        "gdpr": gettext_noop("You may lodge a complaint with a data protection supervisory authority and seek a "
                             "judicial remedy (GDPR Art. 12(4))."),
        "uk_gdpr": gettext_noop("You may complain to the Information Commissioner's Office and seek a judicial "
                                "remedy (UK GDPR Art. 12(4))."),
        "ch_fadp": gettext_noop("You may contact the Federal Data Protection and Information Commissioner (FDPIC) "
                                "and bring a claim before the civil courts (FADP Art. 32)."),
        "ccpa": gettext_noop("We have explained the reason for this decision. You may file a complaint with the "
                             "California Privacy Protection Agency or the California Attorney General."),
        "shine_the_light": gettext_noop("You may contact the California Attorney General."),
        **{state: US_STATE_DENIAL_NOTICE for state in US_STATE_REGIMES},
        "hipaa": gettext_noop(
            "Your clinic decides on health-record requests. Where the law allows, you may ask for a review by "
            "another licensed professional or file a statement of disagreement, and you may complain to the "
            "clinic or to the U.S. Department of Health and Human Services (45 CFR §164.524(d), §164.526(d))."),
        "voluntary": gettext_noop("You may reply to ask us to reconsider, or contact the data protection "
                                  "authority where you live."),
    }
)
US_STATE_AUTHORITY: Mapping[str, str] = _US_STATE_AUTHORITY

# The same notices in English, as the rows of the table carry them (regimes.statements translates them).
DENIAL_RIGHTS_NOTICES: Mapping[str, str] = MappingProxyType(
    {regime: pattern % {"authority": _US_STATE_AUTHORITY.get(regime, "")}
     for regime, pattern in DENIAL_RIGHTS_NOTICE_PATTERNS.items()}
)

# An appeal decision is final with the business: only the authority remains.
APPEAL_DENIAL_NOTICE = gettext_noop(
    "This decision on your appeal is final with us. You may contact %(authority)s to submit a complaint.")
_APPEAL_DENIAL_NOTICES: Mapping[str, str] = MappingProxyType(
    {state: APPEAL_DENIAL_NOTICE % {"authority": authority} for state, authority in _US_STATE_AUTHORITY.items()}
)

# ---------------------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------------------

_NEXT_WORKING_DAY = Clock("next_working_day", 1)
_GDPR_EXTENSION = Extension(n=2, citation="GDPR Art. 12(3)")
_UK_EXTENSION = Extension(n=2, citation="UK GDPR Art. 12(3)")
_US_STATE_EXTENSION_DAYS = 45
# ⚑ RULES.md §9: the ADMT appeal's clock (the same 45 days as a request to know, to be confirmed).
ADMT_APPEAL_DAYS_DEFAULT = 45
# Colorado SB 26-189: an explanation within 30 days of an adverse outcome (H); human review and correction on
# request (M): the CPA's own 45 + 45 days until counsel names another.
CO_ADMT_EXPLANATION_DAYS = 30

# Company-policy defaults (privacy policy §7): one place, so counsel can change them.
VOLUNTARY_RESPOND_DAYS = 45
VOLUNTARY_EXTENSION_DAYS = 45
CH_POLICY_RESPOND_DAYS = 30

_GDPR_CLOCKED_RIGHTS: Mapping[str, tuple[str, VerificationLevel]] = MappingProxyType(
    {
        "access": ("Art. 15", "email"),
        "rectification": ("Art. 16", "email"),
        "erasure": ("Art. 17", "email"),
        "restriction": ("Art. 18", "email"),
        "portability": ("Art. 20", "email"),
        "objection": ("Art. 21(1)", "email"),
    }
)

_US_STATE_CITATIONS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        # regime: (rights and 45+45 clock, appeal clock)
        "va": ("Va. Code §59.1-577(B)", "Va. Code §59.1-577(C)"),
        "co": ("C.R.S. §6-1-1306(2)", "C.R.S. §6-1-1306(3)"),
        "ct": ("Conn. Gen. Stat. §42-518(b)", "Conn. Gen. Stat. §42-518(d)"),
        "tx": ("Tex. Bus. & Com. Code §541.052", "Tex. Bus. & Com. Code §541.053"),
        "or": ("ORS 646A.576", "ORS 646A.576"),
    }
)

# Appeal answer clocks (RULES.md §2): days, and CO's extension with notice.
_US_STATE_APPEAL: Mapping[str, tuple[int, int | None]] = MappingProxyType(
    {"va": (60, None), "co": (45, 60), "ct": (60, None), "tx": (60, None), "or": (45, None)}
)

_US_STATE_RIGHT_VERIFICATION: Mapping[str, VerificationLevel] = MappingProxyType(
    {
        "access": "reasonable",
        "rectification": "reasonable",
        "erasure": "reasonable",
        "portability": "reasonable",
        "opt_out_sale_sharing": "none",
        # Opt-out of profiling in furtherance of decisions with legal or similarly significant effects.
        "profiling_opt_out": "none",
    }
)

# Where the profiling opt-out sits in each state's law (the 45 + 45 clock and the appeal are its rights' own).
_US_STATE_PROFILING_CITATIONS: Mapping[str, str] = MappingProxyType({
    "va": "Va. Code §59.1-577(A)(5)",
    "co": "C.R.S. §6-1-1306(1)(a)(I)(C); 4 CCR 904-3 Rule 9.04",
    "ct": "Conn. Gen. Stat. §42-518(a)(5)(C)",
    "tx": "Tex. Bus. & Com. Code §541.051(b)(5)(C)",
    "or": "ORS 646A.574(1)(d)(C)",
})
# VA, CT and TX exempt HIPAA business associates entirely; OR and CO only the PHI (RULES.md §9).
_PROFILING_NOTE: Mapping[str, str] = MappingProxyType({
    **{state: "Not for data we hold as a HIPAA business associate (that law exempts us as one)."
       for state in ("va", "ct", "tx")},
    **{state: "Protected health information is exempt; everything else is covered." for state in ("co", "or")},
})


def _gdpr_rows(regime: str, law: str, extension: Extension) -> list[Rule]:
    """Build the GDPR-style rows shared by the EU and UK regimes."""
    grounds, notice = DENIAL_GROUNDS[regime], DENIAL_RIGHTS_NOTICES[regime]
    article_12 = f"{law} Art. 12(3)" + ("; Art. 12A" if regime == "uk_gdpr" else "")
    rows = [
        Rule(
            regime=regime,
            right=right,
            respond=Clock("month", 1),
            acknowledge=None,  # good practice only; the workbench sends one anyway
            extension=extension,
            verification=level,
            pause_allowed=True,
            citation=f"{law} {article}; {article_12}",
            denial_grounds=grounds,
            denial_rights_notice=notice,
        )
        for right, (article, level) in _GDPR_CLOCKED_RIGHTS.items()
    ]
    # "Immediately" in law; treated as due the next working day. Nothing to verify, nothing to pause.
    rows += [
        Rule(regime, "withdraw_consent", _NEXT_WORKING_DAY, None, None, "none", False, f"{law} Art. 7(3)",
             grounds, notice),
        Rule(regime, "direct_marketing_objection", _NEXT_WORKING_DAY, None, None, "none", False,
             f"{law} Art. 21(2)-(3)", grounds, notice),
    ]
    return rows


def _ch_rows() -> list[Rule]:
    """Build the Swiss rows: access by law, the other rights on the company-policy default."""
    grounds, notice = DENIAL_GROUNDS["ch_fadp"], DENIAL_RIGHTS_NOTICES["ch_fadp"]
    open_extension = Extension(n=None, open_ended=True, citation="FADPO Art. 18(2)")
    rows = [
        Rule("ch_fadp", "access", Clock("calendar", 30), None, open_extension, "email", True,
             "FADP Art. 25; FADPO Art. 18(1)", grounds, notice,
             note="Extension: before the deadline, tell the requester the date by which they will get the answer."),
    ]
    rows += [
        Rule("ch_fadp", right, Clock("calendar", CH_POLICY_RESPOND_DAYS), None, open_extension, "email", True,
             f"company policy ({article})", grounds, notice)
        for right, article in (
            ("rectification", "FADP Art. 32(1)"),
            ("erasure", "FADP Art. 32(2)(c)"),
            # The policy §7(b) promises restriction to EEA/UK/Swiss residents alike.
            ("restriction", "FADP Art. 32(2)(a); privacy policy §7(b)"),
            ("portability", "FADP Art. 28"),
            ("objection", "FADP Art. 30(2)(b), 32(2)"),
        )
    ]
    return rows


def _ccpa_rows() -> list[Rule]:
    """Build the CCPA rows (Cal. Civ. Code §1798.100 ff.; 11 CCR §7000 ff.)."""
    grounds, notice = DENIAL_GROUNDS["ccpa"], DENIAL_RIGHTS_NOTICES["ccpa"]
    ack = Clock("business", 10)
    extension = Extension(n=45, citation="Cal. Civ. Code §1798.130(a)(2)")
    clocked = "Cal. Civ. Code §1798.130(a)(2); 11 CCR §7021"
    return [
        Rule("ccpa", "access", Clock("calendar", 45), ack, extension, "reasonably_high", False,
             f"Cal. Civ. Code §1798.110, §1798.115; {clocked}", grounds, notice,
             note="Specific pieces need 'reasonably high'; if that fails answer for categories at 'reasonable' "
             "(11 CCR §7024(a))."),
        Rule("ccpa", "erasure", Clock("calendar", 45), ack, extension, "reasonable", False,
             f"Cal. Civ. Code §1798.105; {clocked}", grounds, notice),
        Rule("ccpa", "rectification", Clock("calendar", 45), ack, extension, "reasonable", False,
             f"Cal. Civ. Code §1798.106; {clocked}", grounds, notice),
        Rule("ccpa", "opt_out_sale_sharing", Clock("business", 15), None, None, "none", False,
             "Cal. Civ. Code §1798.120; 11 CCR §7026(f)", grounds, notice),
        Rule("ccpa", "limit_sensitive", Clock("business", 15), None, None, "none", False,
             "Cal. Civ. Code §1798.121; 11 CCR §7027(g)", grounds, notice),
        # ADMT (11 CCR §7200-7222), from 2027-01-01 (ADMT_RIGHTS_FROM). No verification may be required for the
        # opt-out, only identifying information; stop within 15 business days, no extension; confirm it.
        Rule("ccpa", "admt_opt_out", Clock("business", 15), None, None, "none", False,
             "11 CCR §7221(c), (n)", grounds, notice,
             note="Tell every service provider, contractor and third party processing with the ADMT to stop "
             "within the same 15 business days (§7221(n)); do not ask again for 12 months."),
        # Verified like a request to know (§7222(c), §7062); the acknowledgement of §7021 (⚑ admt_access_acknowledge).
        Rule("ccpa", "admt_access", Clock("calendar", 45), ack, extension, "reasonably_high", False,
             f"11 CCR §7222; {clocked}", grounds, notice,
             note="Trade-secret and security/fraud details may be withheld, with the reason recorded (§7222(c)). "
             "More than four uses in 12 months may be answered in aggregate."),
        # Only where the company relies on the human-appeal exception for the system (§7221(b)(1)).
        Rule("ccpa", "admt_appeal", Clock("calendar", ADMT_APPEAL_DAYS_DEFAULT), None, None, "email", False,
             "11 CCR §7221(b)(1)", grounds, notice,
             note="A qualified human reviewer with the authority to overturn the decision answers (⚑ "
             "admt_appeal_days)."),
    ]


def _us_state_rows(state: str) -> list[Rule]:
    """Build one US state's rows: 45 + 45 days for the rights, its own clock for the appeal."""
    grounds, notice = DENIAL_GROUNDS[state], DENIAL_RIGHTS_NOTICES[state]
    rights_citation, appeal_citation = _US_STATE_CITATIONS[state]
    extension = Extension(n=_US_STATE_EXTENSION_DAYS, citation=rights_citation)
    rows = [
        Rule(state, right, Clock("calendar", 45), None, extension, level, False,
             f"{_US_STATE_PROFILING_CITATIONS[state]}; {rights_citation}" if right == "profiling_opt_out"
             else rights_citation, grounds, notice,
             note=_PROFILING_NOTE[state] if right == "profiling_opt_out" else "")
        for right, level in _US_STATE_RIGHT_VERIFICATION.items()
    ]
    if state == "co":
        # SB 26-189 (from 2027-01-01): explanation of an adverse outcome within 30 days (an officer opens the
        # case on the day of the outcome, or the person asks); human review / correction on request.
        rows += [
            Rule("co", "admt_explanation", Clock("calendar", CO_ADMT_EXPLANATION_DAYS), None, None, "email", False,
                 "Colo. SB 26-189 (C.R.S. §6-1-1703 as amended)", grounds, notice,
                 note="Counted from the adverse outcome: a plain-language explanation of the decision and the "
                 "automated system's role."),
            Rule("co", "admt_human_review", Clock("calendar", 45), None, extension, "reasonable", False,
                 "Colo. SB 26-189 (C.R.S. §6-1-1703 as amended); " + rights_citation, grounds, notice,
                 note="Correction of inaccurate personal data and meaningful human review where commercially "
                 "reasonable; the CPA's 45 + 45 days (M)."),
        ]
    appeal_days, appeal_extension = _US_STATE_APPEAL[state]
    rows.append(
        Rule(
            state,
            "appeal",
            Clock("calendar", appeal_days),
            None,
            Extension(n=appeal_extension, citation=appeal_citation) if appeal_extension else None,
            # The appellant is matched to the case already verified.
            "email",
            False,
            appeal_citation,
            grounds,
            _APPEAL_DENIAL_NOTICES[state],
        )
    )
    return rows


def _hipaa_rows() -> list[Rule]:
    """Build the HIPAA rows; the company forwards these to the covered entity and tracks the clock."""
    grounds, notice = DENIAL_GROUNDS["hipaa"], DENIAL_RIGHTS_NOTICES["hipaa"]
    forward = "As a business associate we forward the request to the clinic and track this clock."
    return [
        Rule("hipaa", "access", Clock("calendar", 30), None,
             Extension(n=30, citation="45 CFR §164.524(b)(2)(ii)"), "identity_and_authority", False,
             "45 CFR §164.524(b)(2)", grounds, notice, note=forward),
        Rule("hipaa", "rectification", Clock("calendar", 60), None,
             Extension(n=30, citation="45 CFR §164.526(b)(2)(ii)"), "identity_and_authority", False,
             "45 CFR §164.526(b)(2) (amendment)", grounds, notice, note=forward),
        Rule("hipaa", "accounting", Clock("calendar", 60), None,
             Extension(n=30, citation="45 CFR §164.528(c)(1)(ii)"), "identity_and_authority", False,
             "45 CFR §164.528(c)(1)", grounds, notice, note=forward),
    ]


def _stl_rows() -> list[Rule]:
    """Build the Shine the Light row (Cal. Civ. Code §1798.83)."""
    return [
        Rule("shine_the_light", "disclosure", Clock("calendar", 30), None, None, "email", False,
             "Cal. Civ. Code §1798.83(a)-(b)", DENIAL_GROUNDS["shine_the_light"],
             DENIAL_RIGHTS_NOTICES["shine_the_light"], non_designated_address_days=150,
             once_per_calendar_year=True),
    ]


def _voluntary_rows() -> list[Rule]:
    """Build the company-policy rows granted to everyone, wherever they live."""
    grounds, notice = DENIAL_GROUNDS["voluntary"], DENIAL_RIGHTS_NOTICES["voluntary"]
    extension = Extension(n=VOLUNTARY_EXTENSION_DAYS, citation=gettext_noop("company policy"))
    policy = gettext_noop("company policy (privacy policy §7)")
    rows = [
        Rule("voluntary", right, Clock("calendar", VOLUNTARY_RESPOND_DAYS), None, extension, level, False,
             policy, grounds, notice)
        for right, level in (("access", "reasonable"), ("rectification", "email"), ("erasure", "reasonable"))
    ]
    # Withdrawal must be as easy as giving and take effect at once (RULES.md §6): same clock as GDPR.
    rows += [
        Rule("voluntary", right, _NEXT_WORKING_DAY, None, None, "none", False, policy, grounds, notice)
        for right in ("direct_marketing_objection", "withdraw_consent")
    ]
    return rows


def _build_table() -> Mapping[tuple[str, str], Rule]:
    """Assemble every row, keyed by (regime, right), in REGIMES then RIGHTS order."""
    rows = [
        *_gdpr_rows("gdpr", "GDPR", _GDPR_EXTENSION),
        *_gdpr_rows("uk_gdpr", "UK GDPR", _UK_EXTENSION),
        *_ch_rows(),
        *_ccpa_rows(),
        *_stl_rows(),
        *(row for state in US_STATE_REGIMES for row in _us_state_rows(state)),
        *_hipaa_rows(),
        *_voluntary_rows(),
    ]
    rows.sort(key=lambda rule: (REGIMES.index(rule.regime), RIGHTS.index(rule.right)))
    return MappingProxyType({(rule.regime, rule.right): rule for rule in rows})


RULES: Mapping[tuple[str, str], Rule] = _build_table()

# ---------------------------------------------------------------------------------------------------------
# Working-day calendars (RULES.md §2 counting conventions)
# ---------------------------------------------------------------------------------------------------------

# Markers resolved by the engine with the ⚑ conventions and the requester's country.
SUBJECT_COUNTRY = "subject_country"  # the data subject's country; weekends only if unknown
US_BUSINESS_DAYS = "us_business_days"  # US federal (default) or California holidays

HolidayCalendarSource = tuple[str, str | None] | str

REGIME_HOLIDAY_CALENDARS: Mapping[str, HolidayCalendarSource] = MappingProxyType(
    {
        "gdpr": SUBJECT_COUNTRY,
        "uk_gdpr": ("GB", "ENG"),  # England & Wales bank holidays, wherever in the UK the subject lives
        "ch_fadp": ("CH", None),
        "ccpa": US_BUSINESS_DAYS,
        "shine_the_light": US_BUSINESS_DAYS,
        **{state: ("US", None) for state in US_STATE_REGIMES},
        "hipaa": ("US", None),
        "voluntary": SUBJECT_COUNTRY,
    }
)

# ---------------------------------------------------------------------------------------------------------
# Residence → regime (RULES.md §1)
# ---------------------------------------------------------------------------------------------------------

# EU 27 plus Iceland, Liechtenstein and Norway.
EEA_COUNTRIES: frozenset[str] = frozenset(
    {
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
        "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
    }
)

# US subdivision → regimes, primary first.
US_SUBDIVISION_REGIMES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "CA": ("ccpa", "shine_the_light"),
        "VA": ("va",),
        "CO": ("co",),
        "CT": ("ct",),
        "TX": ("tx",),
        "OR": ("or",),
    }
)

# EU territory with its own ISO 3166-1 code: the outermost regions (TFEU Art. 349, 355(1)) and the Åland
# Islands (Art. 355(4)) are part of the EU, so the GDPR applies there as in the member state.
EU_TERRITORIES_WITH_OWN_CODE: Mapping[str, str] = MappingProxyType(
    {
        "GF": "FR",  # French Guiana
        "GP": "FR",  # Guadeloupe
        "MQ": "FR",  # Martinique
        "RE": "FR",  # Réunion
        "YT": "FR",  # Mayotte
        "MF": "FR",  # Saint-Martin
        "AX": "FI",  # Åland Islands
    }
)

COUNTRY_REGIMES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {**{country: ("gdpr",) for country in sorted(EEA_COUNTRIES)}, "GB": ("uk_gdpr",), "CH": ("ch_fadp",),
     **{territory: ("gdpr",) for territory in EU_TERRITORIES_WITH_OWN_CODE}}
)

# Rights the company grants everyone, whatever the law where they live.
EVERYONE_RIGHTS: tuple[str, ...] = ("direct_marketing_objection", "withdraw_consent")

# ---------------------------------------------------------------------------------------------------------
# Consent ages (RULES.md §6)
# ---------------------------------------------------------------------------------------------------------

GDPR_DEFAULT_CONSENT_AGE = 16  # Art. 8(1); also used for any country not listed (the conservative choice)
GDPR_CONSENT_AGES: Mapping[str, int] = MappingProxyType(
    {
        "DE": 16, "IE": 16, "NL": 16,
        "FR": 15,
        "ES": 14, "IT": 14, "AT": 14,
        "BE": 13, "DK": 13, "FI": 13, "SE": 13, "GB": 13,
    }
)
COPPA_PARENTAL_CONSENT_AGE = 13  # under 13: verifiable parental consent
CCPA_SALE_OPT_IN_AGE = 16  # §1798.120(c): no sale/sharing under 16 without opt-in (under 13: a parent)


# ---------------------------------------------------------------------------------------------------------
# Patients: the company is the clinic's processor / business associate (RULES.md §1)
# ---------------------------------------------------------------------------------------------------------

# Where a patient lives under one of these regimes, that law governs their request (the company forwards
# it to the clinic as processor, GDPR Art. 28(3)(e) / FADP Art. 9, and tracks it on that law's clock);
# everywhere else a patient's access, amendment and accounting requests follow HIPAA.
PATIENT_OWN_LAW_REGIMES: frozenset[str] = frozenset({"gdpr", "uk_gdpr", "ch_fadp"})

# The company's role for a patient's request, per regime: it forwards the request to the clinic and tracks
# the clinic's answer; the decisions named in PROCESSOR_RESERVED_ACTIONS belong to the clinic.
PATIENT_PROCESSOR_ROLES: Mapping[str, str] = MappingProxyType(
    {
        "hipaa": "business associate of the covered entity (45 CFR §164.504(e)(2)(ii)(E)-(G))",
        "gdpr": "processor for the controller (GDPR Art. 28(3)(e))",
        "uk_gdpr": "processor for the controller (UK GDPR Art. 28(3)(e))",
        "ch_fadp": "processor for the controller (FADP Art. 9)",
    }
)

# What only the clinic decides on a patient case under those regimes: the company neither denies, extends
# nor completes it itself; it records the clinic's answer instead.
PROCESSOR_RESERVED_ACTIONS: frozenset[str] = frozenset({"deny", "extend", "complete"})

# How long the clinic has before we chase it, in calendar days after forwarding, before the case's own due
# date (a reminder goes to the officer either way when the statutory date nears).
CONTROLLER_CHASE_DAYS = 10

# ---------------------------------------------------------------------------------------------------------
# Receipt dates in the requester's own zone (RULES.md §2 "Receipt")
# ---------------------------------------------------------------------------------------------------------

# The zone of a residence where it has one; for a state or country spanning several, the westernmost
# (the earliest plausible local date, so a request sent late in the evening is never dated the next day).
US_SUBDIVISION_TIME_ZONES: Mapping[str, str] = MappingProxyType(
    {
        "AL": "America/Chicago", "AK": "America/Adak", "AS": "Pacific/Pago_Pago", "AZ": "America/Phoenix",
        "AR": "America/Chicago", "CA": "America/Los_Angeles", "CO": "America/Denver",
        "CT": "America/New_York", "DE": "America/New_York", "DC": "America/New_York",
        "FL": "America/Chicago", "GA": "America/New_York", "GU": "Pacific/Guam", "HI": "Pacific/Honolulu",
        "ID": "America/Los_Angeles", "IL": "America/Chicago", "IN": "America/Chicago",
        "IA": "America/Chicago", "KS": "America/Denver", "KY": "America/Chicago",
        "LA": "America/Chicago", "ME": "America/New_York", "MD": "America/New_York",
        "MA": "America/New_York", "MI": "America/Chicago", "MN": "America/Chicago",
        "MS": "America/Chicago", "MO": "America/Chicago", "MT": "America/Denver",
        "NE": "America/Denver", "NV": "America/Los_Angeles", "NH": "America/New_York",
        "NJ": "America/New_York", "NM": "America/Denver", "NY": "America/New_York",
        "NC": "America/New_York", "ND": "America/Denver", "MP": "Pacific/Saipan",
        "OH": "America/New_York", "OK": "America/Chicago", "OR": "America/Los_Angeles",
        "PA": "America/New_York", "PR": "America/Puerto_Rico", "RI": "America/New_York",
        "SC": "America/New_York", "SD": "America/Denver", "TN": "America/Chicago",
        "TX": "America/Denver", "UT": "America/Denver", "VT": "America/New_York",
        "VI": "America/St_Thomas", "VA": "America/New_York", "WA": "America/Los_Angeles",
        "WV": "America/New_York", "WI": "America/Chicago", "WY": "America/Denver",
    }
)

COUNTRY_TIME_ZONES: Mapping[str, str] = MappingProxyType(
    {
        # EEA (westernmost zone where a member state has several: Azores, Canaries)
        "AT": "Europe/Vienna", "BE": "Europe/Brussels", "BG": "Europe/Sofia", "HR": "Europe/Zagreb",
        "CY": "Asia/Nicosia", "CZ": "Europe/Prague", "DK": "Europe/Copenhagen", "EE": "Europe/Tallinn",
        "FI": "Europe/Helsinki", "FR": "Europe/Paris", "DE": "Europe/Berlin", "GR": "Europe/Athens",
        "HU": "Europe/Budapest", "IE": "Europe/Dublin", "IT": "Europe/Rome", "LV": "Europe/Riga",
        "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg", "MT": "Europe/Malta", "NL": "Europe/Amsterdam",
        "PL": "Europe/Warsaw", "PT": "Atlantic/Azores", "RO": "Europe/Bucharest", "SK": "Europe/Bratislava",
        "SI": "Europe/Ljubljana", "ES": "Atlantic/Canary", "SE": "Europe/Stockholm",
        "IS": "Atlantic/Reykjavik", "LI": "Europe/Vaduz", "NO": "Europe/Oslo",
        # EU territories with their own code
        "GF": "America/Cayenne", "GP": "America/Guadeloupe", "MQ": "America/Martinique",
        "RE": "Indian/Reunion", "YT": "Indian/Mayotte", "MF": "America/Marigot", "AX": "Europe/Mariehamn",
        "GB": "Europe/London", "CH": "Europe/Zurich",
    }
)

# When the residence gives no zone: the westernmost zone the regime covers (the earliest plausible date).
EARLIEST_PLAUSIBLE_TIME_ZONES: Mapping[str, str] = MappingProxyType(
    {
        "gdpr": "America/Guadeloupe",  # the outermost regions in the Caribbean (UTC-4)
        "uk_gdpr": "Europe/London",
        "ch_fadp": "Europe/Zurich",
        "ccpa": "America/Los_Angeles",
        "shine_the_light": "America/Los_Angeles",
        "va": "America/New_York",
        "co": "America/Denver",
        "ct": "America/New_York",
        "tx": "America/Denver",  # El Paso and Hudspeth counties keep Mountain time
        "or": "America/Los_Angeles",
        "hipaa": "Pacific/Pago_Pago",  # US territories included
        "voluntary": "Etc/GMT+12",  # anywhere on earth
    }
)

# ---------------------------------------------------------------------------------------------------------
# Children (RULES.md §6; CCPA §1798.120(c); privacy policy §10)
# ---------------------------------------------------------------------------------------------------------

# Under this age an opt-in to sale/sharing needs a parent's or guardian's authorization (CCPA
# §1798.120(c), 11 CCR §7070); from it to CCPA_SALE_OPT_IN_AGE - 1 the child's own opt-in is needed.
CCPA_PARENT_AUTHORIZATION_AGE = 13

# The policy §10: the website and services are not directed to children under 13 (or the higher digital
# consent age where one applies); data collected directly from such a child is deleted promptly.
POLICY_CHILD_AGE = 13
POLICY_CHILD_DELETION = (
    "Privacy policy §10: we do not knowingly collect personal information directly from children under 13 (or "
    "a higher age where the law sets one, e.g. 16 in some EU countries for consent); if we learn that we did, "
    "we delete it promptly."
)

# ---------------------------------------------------------------------------------------------------------
# Links the CCPA requires on the homepage (Cal. Civ. Code §1798.135(a); 11 CCR §7013, §7015)
# ---------------------------------------------------------------------------------------------------------

# (exact title, the right the link files); each leads to the request form for a Californian with it ticked.
CCPA_HOMEPAGE_LINKS: tuple[tuple[str, str], ...] = (
    (gettext_noop("Do Not Sell or Share My Personal Information"), "opt_out_sale_sharing"),
    (gettext_noop("Limit the Use of My Sensitive Personal Information"), "limit_sensitive"),
)
# The single link a business may show instead of both (§1798.135(a)(3); 11 CCR §7015(b)), with the icon.
CCPA_ALTERNATIVE_LINK_TITLE = gettext_noop("Your Privacy Choices")
CCPA_LINK_RESIDENCE: tuple[str, str] = ("US", "CA")


# ---------------------------------------------------------------------------------------------------------
# What an erasure keeps, and the regime's own rule for it (RULES.md §7): cited in the completion notice
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordKeeping:
    """Why a regime lets us keep the record of a request after erasing the requester's data."""

    records: str  # the record of the request and of our answer (date, nature, channel, decision, response)
    consent: str  # the consent ledger's opt-outs and the suppression entry that keeps marketing from re-adding


_POLICY_RECORDS = "our privacy policy §5 (records of privacy requests are kept 24 months, then deleted)"
_POLICY_CONSENT = "our privacy policy §5 (an opt-out is honoured, so we keep the record of it)"

RECORD_KEEPING: Mapping[str, RecordKeeping] = MappingProxyType(
    {
        "gdpr": RecordKeeping("GDPR Art. 5(2) and Art. 24(1) (accountability: showing how we answered)",
                              "GDPR Art. 7(1) and Art. 21(3) (proof of consent; no direct marketing after "
                              "an objection)"),
        "uk_gdpr": RecordKeeping("UK GDPR Art. 5(2) and Art. 24(1) (accountability: showing how we answered)",
                                 "UK GDPR Art. 7(1) and Art. 21(3) (proof of consent; no direct marketing "
                                 "after an objection)"),
        "ch_fadp": RecordKeeping("FADP Art. 6 (kept only as long as needed to show how we answered)",
                                 "FADP Art. 6 and Art. 30(2)(b) (your objection is honoured)"),
        "ccpa": RecordKeeping("11 CCR §7101(a) (records of requests and responses, at least 24 months)",
                              "11 CCR §7101(a) and §7026 (your opt-out is honoured and recorded)"),
        "shine_the_light": RecordKeeping(_POLICY_RECORDS, _POLICY_CONSENT),
        **{state: RecordKeeping(_POLICY_RECORDS, _POLICY_CONSENT) for state in US_STATE_REGIMES},
        "hipaa": RecordKeeping("45 CFR §164.530(j) (documentation of requests and responses)", _POLICY_CONSENT),
        "voluntary": RecordKeeping(_POLICY_RECORDS, _POLICY_CONSENT),
    }
)
