"""Render docs/compliance.md, the counsel review page of the compliance columns of the rules table. Pure.

Run ``python -m compliance.document > docs/compliance.md``; a test fails when the committed page and the
tables differ. The clock words come from the deadline engine's own describers, so both pages say the same.
"""

from __future__ import annotations

from compliance.rules import (
    APPEAL_REGIMES,
    APPEAL_WINDOW_DAYS,
    APPEALABLE_STATUSES,
    ATTORNEYS_GENERAL,
    CONFIRM_PROCESSED_RIGHTS,
    DECLARATION_CITATION,
    DECLARATION_TEXT,
    EVIDENCE,
    FALLBACK_CITATION,
    FALLBACK_LEVEL,
    GROUNDS_NEEDING_EXPLANATION,
    IDENTITY_GROUNDS,
    MESSAGE_KINDS,
    NEVER_UNVERIFIABLE_RIGHTS,
    OUTCOMES,
    PAUSE_ASK_WITHIN_DAYS,
    PAUSE_CITATION,
    RECORD_KEEPING_CITATION,
    RECORD_KEEPING_MONTHS,
    REQUIRED_STATEMENTS,
    STATEMENTS,
    UNVERIFIED_FALLBACK,
    evidence_for_level,
    required_variables,
)
from regimes.deadlines import _describe_clock, _describe_extension, _table
from regimes.rules import REGIME_ABBREVIATIONS, REGIMES, RULES, Rule

_KIND_LABELS = {
    "denial": "denial",
    "closed_unverified": "closed unverified",
    "completion": "completion (when anything was kept or done only in part)",
    "appeal_decision": "decision on an appeal",
}


def _clock(rule: Rule) -> str:
    parts = []
    if rule.acknowledge is not None:
        parts.append(f"acknowledge: {_describe_clock(rule.acknowledge)}")
    parts.append(f"respond: {_describe_clock(rule.respond)}")
    if rule.extension is not None:
        parts.append(f"extension: {_describe_extension(rule)}")
    return "; ".join(parts)


def _evidence(level: str) -> str:
    if level == "none":
        return "nothing asked (deny only on documented fraud)"
    return "; ".join(f"`{code}`" for code in evidence_for_level(level))


def _receipt(rule: Rule) -> str:
    if rule.acknowledge is not None:
        return "acknowledgement (how it is verified, respond-by date" + (
            ", verification link)" if rule.verification != "none" else ")")
    if rule.verification != "none":
        return "receipt with verification link"
    if rule.right in CONFIRM_PROCESSED_RIGHTS:
        return "receipt (work started; a confirmation follows)"
    return "receipt (work started)"


def _notices(rule: Rule) -> str:
    kinds = [kind for kind in ("denial", "closed_unverified", "completion")
             if (rule.regime, kind) in REQUIRED_STATEMENTS]
    if rule.right == "appeal" and (rule.regime, "appeal_decision") in REQUIRED_STATEMENTS:
        kinds = ["appeal_decision"]
    if rule.verification == "none":
        kinds = [kind for kind in kinds if kind != "closed_unverified"]
    parts = [_receipt(rule)]
    for kind in kinds:
        statements = ", ".join(REQUIRED_STATEMENTS[(rule.regime, kind)]) or "—"
        parts.append(f"{_KIND_LABELS[kind]}: {statements}")
    if rule.right in CONFIRM_PROCESSED_RIGHTS:
        parts.append("processed confirmation")
    fallback = UNVERIFIED_FALLBACK.get((rule.regime, rule.right))
    if fallback:
        parts.append(f"unverified: answered for {fallback} ({FALLBACK_CITATION[fallback]})")
    return "; ".join(parts)


def _appeal(rule: Rule) -> str:
    if rule.regime not in APPEAL_REGIMES:
        return "—"
    authority = ATTORNEYS_GENERAL[rule.regime]
    if rule.right == "appeal":
        return f"final with us; then {authority.name}"
    appeal = RULES[(rule.regime, "appeal")]
    return f"appeal form (link in the notice), answered in {_describe_clock(appeal.respond)} ({appeal.citation})"


def _records(regime: str) -> str:
    return f"{RECORD_KEEPING_MONTHS[regime]} months ({RECORD_KEEPING_CITATION[regime]})"


def render_markdown() -> str:
    """Return the counsel review page, deterministic and date-free."""
    lines = [
        "# Compliance rules: verification, notices, appeals, records",
        "",
        "<!-- Generated from compliance/rules.py and regimes/rules.py by "
        "`python -m compliance.document > docs/compliance.md`. Do not edit by hand: a test fails when this "
        "file and the tables differ. -->",
        "",
        "Review page for counsel: for each regime and right, the clock, the verification level and the "
        "evidence that satisfies it, the notices the requester gets and the statements each must carry, the "
        "appeal route and how long the request records are kept. Clocks are explained in `docs/deadlines.md`.",
        "",
        "## Per regime and right",
        "",
    ]
    rows = [
        (f"{REGIME_ABBREVIATIONS[rule.regime]} (`{rule.regime}`)", f"`{rule.right}`", _clock(rule),
         rule.verification, _evidence(rule.verification), _notices(rule), _appeal(rule), _records(rule.regime))
        for rule in RULES.values()
    ]
    lines += _table(("Regime", "Right", "Clock", "Verification level", "Satisfied by", "Notices sent",
                     "Appeal route", "Records kept"), rows)
    lines += ["", "## Verification evidence", "",
              "An officer records one piece of evidence; the case cannot complete until it satisfies the level "
              "its rule asks for. Where a fallback exists, evidence that meets only the fallback level narrows "
              "the answer instead (the case completes *in part*).", ""]
    lines += _table(("Evidence", "Label", "Satisfies", "Source", "Needs the signed declaration",
                     "Settles an agent's authority"),
                    [(f"`{code}`", e.label, ", ".join(sorted(e.satisfies - {"none"})), e.citation,
                      "yes" if e.needs_declaration else "—", "yes" if e.establishes_agent_authority else "—")
                     for code, e in EVIDENCE.items()])
    lines += [
        "",
        f"- **Declaration** ({DECLARATION_CITATION}), signed by the consumer through a single-use link: "
        f"“{DECLARATION_TEXT}”",
        "- **Authorized agents** (11 CCR §7063(a)): besides the consumer's identity, the agent's authority is "
        "settled by evidence marked above or by the consumer confirming directly through a single-use link "
        "(the admin action “Ask the consumer to confirm directly”). The signed authorization opens from the "
        "case page for officers who may see the case.",
        "- **Fallbacks**: " + "; ".join(
            f"{REGIME_ABBREVIATIONS[regime]} `{right}` unverified at its level → answered for {scope} at "
            f"'{FALLBACK_LEVEL[scope]}' ({FALLBACK_CITATION[scope]})"
            for (regime, right), scope in UNVERIFIED_FALLBACK.items()),
        "- **Never refused as unverifiable**: " + ", ".join(f"`{r}`" for r in sorted(NEVER_UNVERIFIABLE_RIGHTS))
        + " and every right whose level is `none`; identity grounds: "
        + ", ".join(f"`{g}`" for g in sorted(IDENTITY_GROUNDS)) + ".",
        "- **Grounds that need a written explanation** to the requester: "
        + ", ".join(f"`{g}`" for g in sorted(GROUNDS_NEEDING_EXPLANATION)) + ".",
        "",
        "## Statements each notice must carry",
        "",
        "A message template is refused (in the admin, and again before anything is sent) unless it prints "
        "the variables that carry these statements; the text of each statement comes from the tables.",
        "",
    ]
    lines += _table(("Statement", "Means", "Template variable"),
                    [(f"`{code}`", text, "`reason`" if code == "reason" else "`rights_notice`")
                     for code, text in STATEMENTS.items()])
    lines += [""]
    lines += _table(("Message kind", "Template", "Must print"),
                    [(_KIND_LABELS[kind], f"`{key}`", ", ".join(f"`{v}`" for v in required_variables(kind)))
                     for kind, key in MESSAGE_KINDS.items()])
    lines += ["", "Per regime:", ""]
    lines += _table(("Regime", *(_KIND_LABELS[k] for k in MESSAGE_KINDS)),
                    [(f"{REGIME_ABBREVIATIONS[regime]} (`{regime}`)",
                      *(", ".join(REQUIRED_STATEMENTS.get((regime, kind), ())) or "—" for kind in MESSAGE_KINDS))
                     for regime in REGIMES])
    lines += [
        "",
        "## Outcomes",
        "",
        "Every closed case records one outcome (`Case.outcome`), which the §7102 metrics count: "
        + "; ".join(f"`{code}` = {label}" for code, label in OUTCOMES.items()) + ".",
        "",
        "## Appeals",
        "",
        "An appeal names the decision appealed: a case of the same appellant (same e-mail address) under the "
        f"same state law, closed as {', '.join(sorted(APPEALABLE_STATUSES))}, at most {APPEAL_WINDOW_DAYS} "
        "days ago (⚑ “a reasonable time”). Its own clock runs from its receipt. Every first decision links the "
        "appeal form with the reference filled in; a decision on an appeal names the Attorney General:",
        "",
    ]
    lines += _table(("State", "Appeal clock", "Complaints after an appeal (⚑ confirm contact data)"),
                    [(f"{REGIME_ABBREVIATIONS[s]} (`{s}`)", _describe_clock(RULES[(s, 'appeal')].respond)
                      + (f"; {_describe_extension(RULES[(s, 'appeal')])}" if RULES[(s, "appeal")].extension
                         else ""), ATTORNEYS_GENERAL[s].contact_text()) for s in APPEAL_REGIMES])
    lines += [
        "",
        "## Pauses asked for without undue delay",
        "",
        "A pause of the clock while identity information or a clarification is awaited counts only when the "
        "question is asked without undue delay (⚑ convention: within this many days of receipt; later, the "
        "officer may still ask, without pausing):",
        "",
    ]
    lines += _table(("Regime", "Ask within (days)", "Source"),
                    [(f"{REGIME_ABBREVIATIONS[r]} (`{r}`)", str(days), PAUSE_CITATION[r])
                     for r, days in PAUSE_ASK_WITHIN_DAYS.items()])
    lines += ["", "## Records of requests", ""]
    lines += _table(("Regime", "Kept for", "Source"),
                    [(f"{REGIME_ABBREVIATIONS[r]} (`{r}`)", f"{RECORD_KEEPING_MONTHS[r]} months",
                      RECORD_KEEPING_CITATION[r]) for r in REGIMES])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
