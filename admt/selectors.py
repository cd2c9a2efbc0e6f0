"""Reads of the AI register: published notices, the systems a request reaches, what the form may offer."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from admt.models import AdmtRequestScope, AutomatedSystem, ClinicInstruction, PreUseNotice
from admt.rules import RIGHT_ACTIONS
from regimes.rules import ADMT_APPEAL_RIGHTS, ADMT_RIGHTS


def published_systems() -> QuerySet[AutomatedSystem]:
    """Systems in use with at least one published pre-use notice, in name order."""
    return (AutomatedSystem.objects.filter(is_active=True, notices__published_at__isnull=False)
            .distinct().order_by("public_name"))


def notice_current(*, automated_system_id: int) -> PreUseNotice | None:
    """Return the newest published notice of a system in use, or None."""
    return (PreUseNotice.objects.published()
            .filter(automated_system_id=automated_system_id, automated_system__is_active=True)
            .select_related("automated_system").order_by("-version").first())


def notice_version(*, automated_system_id: int, version: int) -> PreUseNotice | None:
    """Return one published version of a system's notice (older versions stay readable), or None."""
    return (PreUseNotice.objects.published()
            .filter(automated_system_id=automated_system_id, version=version, automated_system__is_active=True)
            .select_related("automated_system").first())


def notices_published() -> list[PreUseNotice]:
    """The current published notice of every system in use, in name order."""
    current: dict[int, PreUseNotice] = {}
    for notice in (PreUseNotice.objects.published().filter(automated_system__is_active=True)
                   .select_related("automated_system").order_by("automated_system__public_name", "-version")):
        current.setdefault(notice.automated_system_id, notice)
    return list(current.values())


def _in_use() -> QuerySet[AutomatedSystem]:
    return AutomatedSystem.objects.filter(is_active=True, significant_decision=True)


def _reaches(system: AutomatedSystem, *, right: str, relationship: str | None) -> bool:
    """Whether an ADMT right reaches a system in use for significant decisions.

    The CCPA ADMT rights reach only ADMT (no qualifying human: §7001(e)); the states' profiling opt-out reaches
    every system used in furtherance of significant decisions; an appeal only systems whose exception is the
    human appeal; and only systems that process people like this one.
    """
    if right in ADMT_APPEAL_RIGHTS and system.exception != "human_appeal":
        return False
    if relationship is not None and relationship not in system.relationships:
        return False
    return system.is_admt if right.startswith("admt_") else True


def systems_for_right(*, right: str, relationship: str | None = None) -> list[AutomatedSystem]:
    """Systems an ADMT right reaches: in use, making significant decisions, processing people like this one."""
    systems = _in_use().select_related("system", "clinic").prefetch_related("recipients")
    return [system for system in systems if _reaches(system, right=right, relationship=relationship)]


def rights_relevant(*, rights: tuple[str, ...], relationship: str | None = None) -> tuple[str, ...]:
    """Return `rights` without the ADMT rights no registered system makes relevant (for this relationship).

    One read of the systems in use, whatever the number of rights (the public form asks on every request)."""
    if not any(right in ADMT_RIGHTS for right in rights):
        return tuple(rights)
    systems = list(_in_use())
    return tuple(right for right in rights if right not in ADMT_RIGHTS
                 or any(_reaches(system, right=right, relationship=relationship) for system in systems))


def systems_for_case(dsr) -> list[AutomatedSystem]:
    """Systems the case's right reaches for its subject, narrowed to those its request named (if any)."""
    if dsr.right not in RIGHT_ACTIONS:
        return []
    systems = systems_for_right(right=dsr.right, relationship=dsr.subject.relationship)
    named = set(AdmtRequestScope.objects.filter(submission_id=dsr.submission_id)
                .values_list("automated_system_id", flat=True))
    return [system for system in systems if not named or system.pk in named]


def opt_out_choices() -> list[AutomatedSystem]:
    """Systems a request form may name (those with a published notice)."""
    return list(published_systems())


def clinic_instructions_for_case(dsr) -> QuerySet[ClinicInstruction]:
    return (ClinicInstruction.objects.filter(case=dsr).select_related("automated_system", "clinic", "task")
            .order_by("due_on", "pk"))


def register_with_notices() -> QuerySet[AutomatedSystem]:
    return AutomatedSystem.objects.prefetch_related(
        Prefetch("notices", queryset=PreUseNotice.objects.order_by("-version")))
