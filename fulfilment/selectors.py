"""Reads of fulfilment: which systems a case reaches, which tasks block it, what is due for a retry."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from fulfilment.models import AccessPackage, FulfilmentTask, System, TaskEvidence
from fulfilment.rules import RELATIONSHIP_CATEGORIES, RIGHT_PLANS
from medprivacy.access import scope_to_cases
from retention.categories import CATEGORIES


def systems_for_case(dsr) -> list[tuple[System, str]]:
    """Return (system, action) for every active system that may hold the subject's data and has work to do.

    A system qualifies when it holds a category the subject's relationship implies (fulfilment_rules),
    and the right's plan names an action for the system's role.
    """
    plan = RIGHT_PLANS.get(dsr.right)
    if plan is None:
        return []
    wanted = RELATIONSHIP_CATEGORIES.get(dsr.subject.relationship, frozenset())
    if plan.sensitive_only:
        wanted = frozenset(code for code in wanted if CATEGORIES[code].sensitive)
    chosen = []
    for system in System.objects.filter(is_active=True).order_by("name"):
        action = plan.action_for(system.role)
        if action and wanted.intersection(system.categories):
            chosen.append((system, action))
    return chosen


def fulfilment_tasks_for_case(dsr) -> QuerySet[FulfilmentTask]:
    return FulfilmentTask.objects.filter(case=dsr).select_related("system", "owner").order_by("system__name", "pk")


def case_tasks_for_user(*, user, dsr) -> QuerySet[FulfilmentTask]:
    """Return the tasks of case `dsr` with their evidence, if the user may view the case (else none)."""
    return scope_to_cases(fulfilment_tasks_for_case(dsr), user=user).prefetch_related("evidence")


def task_evidence_get_for_user(*, user, case_pk: object, pk: object) -> TaskEvidence:
    """Return one evidence file of a task of a case the user may view, or raise TaskEvidence.DoesNotExist."""
    try:
        return scope_to_cases(TaskEvidence.objects.select_related("task"), user=user, case_path="task__case").get(
            task__case_id=case_pk, pk=pk)
    except (ValueError, TypeError):
        raise TaskEvidence.DoesNotExist(f"no evidence {pk!r}") from None


def fulfilment_blocking_tasks(dsr) -> QuerySet[FulfilmentTask]:
    """Return the tasks that keep `dsr` from completing (open or failed, not overridden)."""
    return fulfilment_tasks_for_case(dsr).blocking()


def task_get_by_request_id(request_id: str) -> FulfilmentTask | None:
    return FulfilmentTask.objects.select_related("system", "case").filter(request_id=request_id).first()


def tasks_due_for_dispatch(*, now: dt.datetime, limit: int = 100) -> list[int]:
    """Ids of open tasks whose next connector attempt is due (the retry sweep's work list)."""
    return list(
        FulfilmentTask.objects.filter(state=FulfilmentTask.State.OPEN, overridden_at__isnull=True,
                                      next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )


def packages_due_for_deletion(*, now: dt.datetime, limit: int = 500) -> list[int]:
    return list(AccessPackage.objects.filter(deleted_at__isnull=True, expires_at__lte=now)
                .order_by("expires_at", "pk").values_list("pk", flat=True)[:limit])


def live_access_package(*, case_id: int, now: dt.datetime) -> AccessPackage | None:
    """Return the newest package of the case whose download link still works, or None."""
    return (AccessPackage.objects.filter(case_id=case_id, deleted_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-pk").first())
