"""Put the rules table into sentences people read, in the active language.

The sentence patterns are marked for translation here (``gettext``/``ngettext`` are parameters: Django's
functions in the web app, English without them); every number, regime and citation comes from the rules
table (``regimes.rules``) each time a sentence is made, so a changed rule changes the sentence in every
language at once. Citations and names of laws are placeholders and stay exactly as the table has them.

No Django imports, like the rest of this package.
"""

from __future__ import annotations

from collections.abc import Callable

from regimes.rules import (
    APPEAL_DENIAL_NOTICE,
    DENIAL_RIGHTS_NOTICE_PATTERNS,
    REGIME_LABELS,
    RIGHT_LABELS,
    US_STATE_AUTHORITY,
    Clock,
    Rule,
)

Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


_COMPANY_POLICY = "company policy"  # marked in regimes.rules (the voluntary rows' extension citation)


def _english(message: str) -> str:
    return message


def _english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def right_label(right: str, *, gettext: Gettext = _english) -> str:
    """Return a right's label from the rules table, translated."""
    return gettext(RIGHT_LABELS[right])


def regime_label(regime: str, *, gettext: Gettext = _english) -> str:
    """Return a regime's label from the rules table, translated."""
    return gettext(REGIME_LABELS[regime])


def citation(text: str, *, gettext: Gettext = _english) -> str:
    """Return a citation as the table has it; only the words "company policy" in it are translated."""
    translated = gettext(text)
    if translated == text and text.startswith(_COMPANY_POLICY + " ("):
        return gettext(_COMPANY_POLICY) + text[len(_COMPANY_POLICY):]
    return translated


def time_limit(clock: Clock, n: int, *, gettext: Gettext = _english, ngettext: Ngettext = _english_plural) -> str:
    """Return ``n`` units of a clock in words ("45 days", "15 business days", "1 month")."""
    if clock.kind == "next_working_day":
        return gettext("the next working day")
    if clock.kind == "business":
        return ngettext("%(count)d business day", "%(count)d business days", n) % {"count": n}
    if clock.kind == "month":
        return ngettext("%(count)d month", "%(count)d months", n) % {"count": n}
    return ngettext("%(count)d day", "%(count)d days", n) % {"count": n}


def deadline_statement(rule: Rule, *, gettext: Gettext = _english, ngettext: Ngettext = _english_plural) -> str:
    """Return how long the law gives us to answer a request under ``rule``, and how it may be extended."""
    values = {"time": time_limit(rule.respond, rule.respond.n, gettext=gettext, ngettext=ngettext),
              "citation": citation(rule.citation, gettext=gettext)}
    if rule.respond.kind == "next_working_day":
        text = gettext("We must act on your request by %(time)s after we receive it (%(citation)s).") % values
    else:
        text = gettext("We must respond within %(time)s of receiving your request (%(citation)s).") % values
    extension = rule.extension
    if extension is None:
        return text
    values = {"citation": citation(extension.citation, gettext=gettext)}
    if extension.open_ended:
        extra = gettext("We may take longer if we tell you why and by when we will respond, before the time "
                        "is up (%(citation)s).") % values
    else:
        values["time"] = time_limit(rule.respond, extension.n or 0, gettext=gettext, ngettext=ngettext)
        if extension.once:
            extra = gettext("We may extend this once, by up to %(time)s more, if we tell you why before the "
                            "time is up (%(citation)s).") % values
        else:
            extra = gettext("We may extend this by up to %(time)s more, if we tell you why before the time is "
                            "up (%(citation)s).") % values
    return f"{text} {extra}"


def authority_name(regime: str, *, gettext: Gettext = _english) -> str:
    """Return the authority a US state's requester may contact, translated."""
    return gettext(US_STATE_AUTHORITY[regime])


def denial_rights_notice(regime: str, right: str = "", *, gettext: Gettext = _english) -> str:
    """Return the rights notice a denial under ``regime`` carries (an appeal's own where ``right`` is one)."""
    authority = authority_name(regime, gettext=gettext) if regime in US_STATE_AUTHORITY else ""
    pattern = APPEAL_DENIAL_NOTICE if right == "appeal" and authority else DENIAL_RIGHTS_NOTICE_PATTERNS[regime]
    return gettext(pattern) % {"authority": authority}
