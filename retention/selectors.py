"""Every read of the Retention app: which rows a rule makes due, which are held, and run reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from medprivacy import access
from retention import registry
from retention.models import (
    Action,
    DataCategory,
    LegalHold,
    PurgeRun,
    PurgeRunItem,
    RetentionRule,
    ReviewFlag,
)
from retention.registry import RetentionTarget

SAMPLE_SIZE = 10


def active_rules() -> QuerySet[RetentionRule]:
    return RetentionRule.objects.filter(is_active=True).select_related("category").order_by("category__code")


def categories() -> QuerySet[DataCategory]:
    return DataCategory.objects.all()


def legal_holds(*, user=None) -> QuerySet[LegalHold]:
    """Return the legal holds; with `user`, only those a person-scoped officer may read.

    A case or subject hold names a person and its reason often says why: officers see the holds of their
    own cases' people; category holds name nobody and stay visible to all who may see holds. Supervisors
    see all. Without `user` (jobs, the purge) every hold counts.
    """
    holds = LegalHold.objects.select_related("subject", "case", "category", "owner", "released_by")
    if user is None or access.user_sees_all_people(user=user):
        return holds
    return holds.filter(Q(scope=LegalHold.Scope.CATEGORY)
                        | Q(case__in=access.cases_for_user(user=user).values("pk"))
                        | Q(subject__in=access.subjects_for_user(user=user)))


def purge_runs() -> QuerySet[PurgeRun]:
    return PurgeRun.objects.select_related("requested_by", "approved_by")


def review_flags() -> QuerySet[ReviewFlag]:
    return ReviewFlag.objects.select_related("rule__category", "run", "resolved_by")


def unfinished_live_runs() -> QuerySet[PurgeRun]:
    """Live runs that were approved or started but never finished (killed, or queued)."""
    return PurgeRun.objects.filter(mode=PurgeRun.Mode.LIVE,
                                   status__in=[PurgeRun.Status.APPROVED, PurgeRun.Status.RUNNING]).order_by("pk")


def rows_due(*, target: RetentionTarget, event: str, action: str, cutoff: dt.datetime,
             rule_id: int | None = None) -> QuerySet | None:
    """Return the target's rows whose `event` date is at or before `cutoff`, holds not yet applied.

    Rows already anonymized (for "anonymize") or already flagged by this rule (for "flag for review")
    are not due again, so a rerun neither touches nor counts them twice. None: the target has no date
    for this event.
    """
    date = target.date_expression(event)
    if date is None:
        return None
    model = target.model
    qs = model._base_manager.alias(_retention_date=date).filter(target.scope_q(), _retention_date__lte=cutoff)
    if action == Action.ANONYMIZE:
        qs = qs.exclude(target.anonymized_q())
    elif action == Action.FLAG_FOR_REVIEW:
        qs = qs.exclude(Exists(ReviewFlag.objects.filter(rule_id=rule_id, target=target.name,
                                                         object_id=OuterRef("pk"))))
    return qs


def kept_until(*, category: str, event_at: dt.datetime) -> dt.datetime | None:
    """Return when the active rule of `category` lets a row go whose event was at `event_at` (None: no rule)."""
    rule = active_rules().filter(category__code=category).first()
    return rule.kept_until(event_at) if rule is not None else None


def subject_is_held(*, subject_id: int, at: dt.datetime | None = None) -> bool:
    """Return whether an active hold covers the person: on them, on one of their cases, or on request records."""
    holds = LegalHold.objects.active(at)
    return holds.filter(Q(scope=LegalHold.Scope.SUBJECT, subject_id=subject_id)
                        | Q(scope=LegalHold.Scope.CASE, case__subject_id=subject_id)
                        | Q(scope=LegalHold.Scope.CATEGORY, category__code="privacy_request_records")).exists()


def category_is_held(*, code: str, at: dt.datetime | None = None) -> bool:
    return LegalHold.objects.active(at).filter(scope=LegalHold.Scope.CATEGORY, category__code=code).exists()


def _is_multi_valued(model, path: str) -> bool:
    """Whether a lookup path crosses a one-to-many or many-to-many relation (e.g. a submission's cases)."""
    opts = model._meta
    for part in path.split("__"):
        if part == "pk":
            return False
        field = opts.get_field(part)
        if field.one_to_many or field.many_to_many:
            return True
        if not field.is_relation:
            return False
        opts = field.related_model._meta
    return False


def held_q(*, target: RetentionTarget, at: dt.datetime | None = None) -> Q:
    """Return a Q matching the target's rows that an active hold on their subject or case covers."""
    q = _held_q_or_none(target=target, at=at)
    return Q(pk__in=[]) if q is None else q


def _held_q_or_none(*, target: RetentionTarget, at: dt.datetime | None = None) -> Q | None:
    """Return the Q of held rows, or None when no active hold names a subject or case at all.

    Holds are few, so their ids are read once and inlined; without any the Q matches nothing and the
    purge queries carry no hold condition at all. A multi-valued path (a submission's cases) becomes
    `pk IN (subquery)`, so it neither duplicates rows nor turns NOT IN into "nothing" through NULLs.
    """
    holds = LegalHold.objects.active(at or timezone.now())
    model = target.model
    q = Q()
    for path, scope, column in ((target.subject, LegalHold.Scope.SUBJECT, "subject_id"),
                                (target.case, LegalHold.Scope.CASE, "case_id")):
        if not path:
            continue
        ids = list(holds.filter(scope=scope).exclude(**{column: None}).values_list(column, flat=True))
        if not ids:
            continue
        if _is_multi_valued(model, path):
            q |= Q(pk__in=model._base_manager.filter(**{f"{path}__in": ids}).values("pk"))
        else:
            q |= Q(**{f"{path}__in": ids})
    return q or None


def rows_purgeable(*, target: RetentionTarget, event: str, action: str, cutoff: dt.datetime,
                   rule_id: int | None, at: dt.datetime | None = None) -> QuerySet | None:
    """Return the rows due and not under any legal hold at `at` (default: now)."""
    due = rows_due(target=target, event=event, action=action, cutoff=cutoff, rule_id=rule_id)
    if due is None:
        return None
    if category_is_held(code=target.category, at=at):
        return due.none()
    held = _held_q_or_none(target=target, at=at)
    return due if held is None else due.exclude(held)


def rows_held(*, target: RetentionTarget, event: str, action: str, cutoff: dt.datetime,
              rule_id: int | None, at: dt.datetime | None = None) -> QuerySet | None:
    """Return the rows due but kept by a legal hold."""
    due = rows_due(target=target, event=event, action=action, cutoff=cutoff, rule_id=rule_id)
    if due is None:
        return None
    if category_is_held(code=target.category, at=at):
        return due
    held = _held_q_or_none(target=target, at=at)
    return due.none() if held is None else due.filter(held)


def split_held(*, target: RetentionTarget, rows: QuerySet,
               at: dt.datetime | None = None) -> tuple[QuerySet, QuerySet]:
    """Split any of the target's rows into (free, held) by the legal holds active at `at`."""
    if category_is_held(code=target.category, at=at):
        return rows.none(), rows
    held = _held_q_or_none(target=target, at=at)
    if held is None:
        return rows, rows.none()
    return rows.exclude(held), rows.filter(held)


def sample_references(*, target: RetentionTarget, qs: QuerySet, limit: int = SAMPLE_SIZE) -> list[str]:
    """Return up to `limit` non-personal references (primary keys or the declared reference field)."""
    fields = ["pk"] + ([target.reference] if target.reference else [])
    return [target.reference_of(row) for row in qs.order_by("pk").values(*fields)[:limit]]


def rows_of_subject(*, target: RetentionTarget, subject_id: int) -> QuerySet:
    """Return the target's rows that belong to a data subject (for erasure and access flows)."""
    if not target.subject:
        return target.model._base_manager.none()
    return target.model._base_manager.filter(target.scope_q(), **{target.subject: subject_id})


@dataclass(frozen=True)
class RunTotals:
    due: int
    deleted: int
    anonymized: int
    flagged: int
    skipped_for_hold: int
    failed: int


def run_totals(*, run: PurgeRun) -> RunTotals:
    sums = run.items.aggregate(due=Sum("due"), deleted=Sum("deleted"), anonymized=Sum("anonymized"),
                               flagged=Sum("flagged"), skipped_for_hold=Sum("skipped_for_hold"),
                               failed=Sum("failed"))
    return RunTotals(**{k: v or 0 for k, v in sums.items()})


def run_items(*, run: PurgeRun) -> QuerySet[PurgeRunItem]:
    return run.items.select_related("rule__category").order_by("order", "pk")


def rules_without_targets() -> list[RetentionRule]:
    """Return active rules whose category no registered model declares (nothing to purge yet)."""
    return [rule for rule in active_rules() if not registry.targets_for_category(rule.category.code)]
