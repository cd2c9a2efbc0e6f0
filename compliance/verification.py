"""Decide whether a case's verification meets the level its rule asks for, from the evidence table. Pure.

`verification_gap` is read by the workbench before an officer records evidence and before a case completes:
a case cannot complete while its required level is unmet.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.rules import (
    AGENT_AUTHORITY_CITATION,
    DECLARATION_CITATION,
    EVIDENCE,
    FALLBACK_CITATION,
    FALLBACK_LEVEL,
    UNVERIFIED_FALLBACK,
    evidence_for_level,
)


@dataclass(frozen=True)
class Assessment:
    """``scope`` is "full", a fallback scope such as "categories", or "" when unmet; ``problem`` says why."""

    scope: str
    problem: str = ""

    @property
    def met(self) -> bool:
        return bool(self.scope) and not self.problem


def _labels(codes: tuple[str, ...]) -> str:
    return "; ".join(EVIDENCE[code].label for code in codes)


def verification_gap(*, regime: str, right: str, level: str, evidence: str, is_agent: bool,
                     agent_confirmed: bool, has_declaration: bool) -> Assessment:
    """Return what the evidence on file settles for a case needing ``level``."""
    if level == "none":
        return Assessment("full")
    spelled = level.replace("_", " ")
    if not evidence:
        return Assessment("", f"Identity is not verified at the level the rules ask for ('{spelled}'): "
                              f"record one of: {_labels(evidence_for_level(level))}")
    if evidence not in EVIDENCE:
        return Assessment("", f"Unknown verification evidence {evidence!r}")
    found = EVIDENCE[evidence]
    if found.needs_declaration and not has_declaration:
        return Assessment("", "No signed declaration under penalty of perjury is on file "
                              f"({DECLARATION_CITATION}): send the declaration form and wait for it")
    fallback = UNVERIFIED_FALLBACK.get((regime, right), "")
    if level in found.satisfies:
        scope = "full"
    elif fallback and FALLBACK_LEVEL[fallback] in found.satisfies:
        scope = fallback
    else:
        return Assessment("", f"'{found.label}' does not satisfy the level '{spelled}' ({found.citation}); "
                              f"it needs one of: {_labels(evidence_for_level(level))}")
    if is_agent and not (found.establishes_agent_authority or agent_confirmed):
        return Assessment("", "An authorized agent filed this request: check the signed authorization "
                              f"('{EVIDENCE['authority_checked'].label}') or ask the consumer to confirm "
                              f"directly ({AGENT_AUTHORITY_CITATION})")
    return Assessment(scope)


def scope_note(scope: str) -> str:
    """Say what a fallback scope means, for the timeline and the officer."""
    if scope in FALLBACK_CITATION:
        return (f"verified only for {scope}: answer as a request for {scope} ({FALLBACK_CITATION[scope]}); "
                "specific pieces may not be disclosed")
    return ""
