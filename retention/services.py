"""Every write of the Retention app: the schedule, legal holds, and purge runs.

A live purge goes target by target in keyset batches (`pk > checkpoint ORDER BY pk LIMIT n`), each
batch its own transaction that also advances the item's checkpoint and counts, so a run killed at any
point resumes where it stopped and counts every row once. Deletes and anonymizations reach the
simple-history tables too: a deleted row's history rows are deleted, an anonymized row's personal
fields are blanked in every history row. Nothing personal is logged or stored in the run.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.db.models.deletion import CASCADE, get_candidate_relations_to_delete
from django.utils import timezone

from audit.services import audit_append
from retention import registry, selectors
from retention.cascade import RowBlocked, by_ids, delete_files, delete_rows, history_model
from retention.minimums import minimum_problem
from retention.models import (
    Action,
    DataCategory,
    LegalHold,
    PurgeRun,
    PurgeRunItem,
    PurgeRunRow,
    RetentionRule,
    ReviewFlag,
)
from retention.registry import RetentionTarget

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | None
BatchHook = Callable[[PurgeRunItem, Sequence[int]], None]
Removals = dict[type[models.Model], list[QuerySet]]
MAX_ERROR_CHARS = 4000


class PurgeNotAllowed(Exception):
    """A purge run is not in a state that allows the asked-for step."""


# --- The schedule ----------------------------------------------------------------------------------

def _require_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why (it is kept in the history)."})
    return reason.strip()


def data_category_save(*, category: DataCategory, actor: Actor, reason: str) -> DataCategory:
    """Create or change a data category, recording who and why in its history."""
    category._change_reason = _require_reason(reason)
    category._history_user = actor
    category.full_clean()
    with transaction.atomic():
        category.save()
        audit_append(kind="retention.category_saved", obj=category, actor=actor, facts={"code": category.code},
                     personal={"reason": category._change_reason})
    return category


def retention_rule_save(*, rule: RetentionRule, actor: Actor, reason: str) -> RetentionRule:
    """Create or change a retention rule, recording who and why in its history."""
    rule._change_reason = _require_reason(reason)
    rule._history_user = actor
    rule.full_clean()
    problem = minimum_problem(category=rule.category.code, period=rule.period, unit=rule.period_unit,
                              event=rule.event, action=rule.action)
    if problem:
        raise ValidationError({"period": problem})
    if rule.is_active and RetentionRule.objects.filter(category=rule.category, is_active=True) \
            .exclude(pk=rule.pk).exists():
        raise ValidationError({"category": "This category already has an active rule; deactivate it first."})
    with transaction.atomic():
        rule.save()
        audit_append(kind="retention.rule_saved", obj=rule, actor=actor, facts={
            "category": rule.category.code, "period": rule.period, "unit": rule.period_unit, "event": rule.event,
            "action": rule.action, "is_active": rule.is_active,
        }, personal={"reason": rule._change_reason, "legal_basis": rule.legal_basis})
    return rule


# --- Legal holds -----------------------------------------------------------------------------------

def legal_hold_place(*, scope: str, reason: str, owner: AbstractBaseUser, actor: Actor,
                     subject=None, case=None, category: DataCategory | None = None,
                     ends_at: dt.datetime | None = None, starts_at: dt.datetime | None = None) -> LegalHold:
    """Place a legal hold on exactly one subject, case or category."""
    targets = {LegalHold.Scope.SUBJECT: subject, LegalHold.Scope.CASE: case, LegalHold.Scope.CATEGORY: category}
    if scope not in targets:
        raise ValidationError({"scope": f"Unknown scope {scope!r}."})
    if targets[scope] is None or any(v is not None for k, v in targets.items() if k != scope):
        raise ValidationError({scope: f"A {scope} hold names exactly one {scope} and nothing else."})
    starts_at = starts_at or timezone.now()
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    label = {LegalHold.Scope.SUBJECT: lambda: f"Data subject #{subject.pk}",
             LegalHold.Scope.CASE: lambda: f"Case {case.reference}",
             LegalHold.Scope.CATEGORY: lambda: f"Category {category.code}"}[scope]()
    hold = LegalHold(scope=scope, subject=subject, case=case, category=category, target_label=label,
                     reason=_require_reason(reason), owner=owner, starts_at=starts_at, ends_at=ends_at)
    hold._history_user = actor
    hold._change_reason = "Hold placed"
    with transaction.atomic():
        hold.save()
        audit_append(kind="retention.hold_placed", obj=hold, case_id=case.pk if case is not None else None,
                     actor=actor, facts={"scope": scope, "ends_at": ends_at.isoformat() if ends_at else None},
                     personal={"reason": hold.reason, "target": label})
    logger.info("legal hold %s placed (%s)", hold.pk, scope)
    return hold


def legal_hold_release(*, hold: LegalHold, actor: AbstractBaseUser, reason: str) -> LegalHold:
    """Release a hold at once; the records fall back under the schedule."""
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if locked.released_at is not None:
            raise ValidationError("This hold was already released.")
        locked.released_at = timezone.now()
        locked.released_by = actor
        locked._history_user = actor
        locked._change_reason = f"Released: {reason}"
        locked.save()
        audit_append(kind="retention.hold_released", obj=locked, case_id=locked.case_id, actor=actor,
                     facts={"scope": locked.scope}, personal={"reason": reason})
    hold.refresh_from_db()
    return locked


# --- Planning and approving purge runs -------------------------------------------------------------

def purge_requires_approval() -> bool:
    return bool(getattr(settings, "MEDPRIVACY_PURGE_REQUIRES_APPROVAL", False))


def _cascade_removals(model: type[models.Model], removed: QuerySet, into: Removals, depth: int = 0) -> None:
    """Note the rows a delete of `removed` takes with it through CASCADE relations (as the live run does)."""
    if depth > 10:  # a cycle of CASCADE relations; the live run would stop on it too
        return
    for rel in get_candidate_relations_to_delete(model._meta):
        if rel.field.remote_field.on_delete is not CASCADE:
            continue
        child = rel.related_model
        children = child._base_manager.filter(**{f"{rel.field.name}__in": removed.values("pk")}).order_by()
        into.setdefault(child, []).append(children)
        _cascade_removals(child, children, into, depth + 1)


def _not_removed_earlier(qs: QuerySet | None, removals: Removals) -> QuerySet | None:
    """Leave out rows an earlier item of the same run removes, so each row is counted by the item that deletes it."""
    if qs is None:
        return None
    for removed in removals.get(qs.model, ()):
        qs = qs.exclude(pk__in=removed.values("pk"))
    return qs


def _store_planned_rows(item: PurgeRunItem, due: QuerySet) -> None:
    """Store the primary keys of the item's due rows in one INSERT … SELECT (no rows through Python)."""
    try:
        sql, params = due.order_by().values_list("pk").query.sql_with_params()
    except EmptyResultSet:  # e.g. .none() under a category hold: nothing to store
        sql = None
    if sql is not None:
        table = connection.ops.quote_name(PurgeRunRow._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (item_id, object_id) SELECT %s, due.* FROM ({sql}) due",  # noqa: S608
                           [item.pk, *params])
    item.rows_planned = True
    item.save(update_fields=["rows_planned"])


def _plan_items(run: PurgeRun) -> None:
    # Items run in this order; a row that an earlier item deletes (itself, or by a cascade from its parent)
    # is not due for a later one, so the plan counts exactly the rows the live run will delete.
    removals: Removals = {}
    order = 0
    for rule in selectors.active_rules():
        cutoff = rule.cutoff(run.as_of)
        for target in registry.targets_for_category(rule.category.code):
            due = _not_removed_earlier(selectors.rows_purgeable(
                target=target, event=rule.event, action=rule.action, cutoff=cutoff, rule_id=rule.pk, at=run.as_of),
                removals)
            if due is None or (rule.action == Action.ANONYMIZE and not target.anonymize):
                continue  # no date for the rule's event, or nothing declared to anonymize
            held = _not_removed_earlier(selectors.rows_held(
                target=target, event=rule.event, action=rule.action, cutoff=cutoff, rule_id=rule.pk, at=run.as_of),
                removals)
            order += 1
            item = PurgeRunItem.objects.create(
                run=run, rule=rule, category_code=rule.category.code, target=target.name, order=order,
                event=rule.event, action=rule.action, period=rule.period, period_unit=rule.period_unit,
                cutoff=cutoff, due=due.count(), sample_refs=selectors.sample_references(target=target, qs=due),
                skipped_for_hold=held.count(),
                done=run.mode == PurgeRun.Mode.DRY_RUN,
            )
            if run.mode == PurgeRun.Mode.LIVE:
                _store_planned_rows(item, due)
            if rule.action == Action.DELETE:
                removals.setdefault(target.model, []).append(due)
                if target.cascade:
                    _cascade_removals(target.model, due, removals)


def purge_run_plan(*, mode: str, trigger: str, actor: Actor = None, as_of: dt.datetime | None = None,
                   batch_size: int | None = None) -> PurgeRun:
    """Create a run and its per-rule, per-target report of what is due.

    A dry run ends here, having changed nothing but its own report. A live run waits for approval
    when MEDPRIVACY_PURGE_REQUIRES_APPROVAL is on, and is otherwise approved at once.
    """
    if mode not in PurgeRun.Mode.values:
        raise ValidationError({"mode": f"Unknown mode {mode!r}."})
    now = timezone.now()
    batch_size = batch_size or settings.MEDPRIVACY_PURGE_BATCH_SIZE
    if batch_size < 1:
        raise ValidationError({"batch_size": "The batch size must be at least 1."})
    dry = mode == PurgeRun.Mode.DRY_RUN
    if dry:
        status = PurgeRun.Status.FINISHED
    else:
        status = PurgeRun.Status.AWAITING_APPROVAL if purge_requires_approval() else PurgeRun.Status.APPROVED
    with transaction.atomic():
        run = PurgeRun.objects.create(mode=mode, status=status, trigger=trigger, as_of=as_of or now,
                                      batch_size=batch_size, requested_by=actor,
                                      started_at=now if dry else None, finished_at=None)
        _plan_items(run)
        if dry:
            run.finished_at = timezone.now()
            run.save(update_fields=["finished_at"])
    logger.info("purge run %s planned (%s, %s)", run.pk, mode, status)
    return run


def purge_run_approve(*, run: PurgeRun, actor: AbstractBaseUser) -> PurgeRun:
    """Approve a live run that waits for approval; the caller queues its execution."""
    with transaction.atomic():
        locked = PurgeRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != PurgeRun.Status.AWAITING_APPROVAL:
            raise PurgeNotAllowed(f"Only a run awaiting approval can be approved (this one is "
                                  f"{locked.get_status_display().lower()}).")
        locked.status = PurgeRun.Status.APPROVED
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at"])
    run.refresh_from_db()
    return locked


def purge_run_cancel(*, run: PurgeRun, actor: AbstractBaseUser) -> PurgeRun:
    """Cancel a live run that has not started."""
    with transaction.atomic():
        locked = PurgeRun.objects.select_for_update().get(pk=run.pk)
        if locked.status not in (PurgeRun.Status.AWAITING_APPROVAL, PurgeRun.Status.APPROVED):
            raise PurgeNotAllowed("Only a run that has not started can be cancelled.")
        locked.status = PurgeRun.Status.CANCELLED
        locked.finished_at = timezone.now()
        locked.errors = f"Cancelled by user #{actor.pk}."
        locked.save(update_fields=["status", "finished_at", "errors"])
    run.refresh_from_db()
    return locked


# --- Executing a live run ---------------------------------------------------------------------------

def _history_rows(model: type[models.Model], pks: Sequence[int] | QuerySet):
    history = history_model(model)
    if history is None:
        return None
    return history._base_manager.filter(**by_ids(model._meta.pk.attname, pks)).order_by()


def _collect_files(model: type[models.Model], pks: Sequence[int] | QuerySet,
                   fields: Sequence[str]) -> set[tuple[str, str]]:
    """Return (field, stored name) of every file the rows and their history rows name."""
    names: set[tuple[str, str]] = set()
    if not fields:
        return names
    querysets = [model._base_manager.filter(**by_ids("pk", pks)).order_by()]
    history = _history_rows(model, pks)
    if history is not None:
        querysets.append(history)
    for qs in querysets:
        for row in qs.values_list(*fields):
            names.update((f, name) for f, name in zip(fields, row, strict=True) if name)
    return names


def _anonymize_rows(target: RetentionTarget, pks: Sequence[int]) -> int:
    """Replace the personal fields of rows and of every history row of them. Return rows changed."""
    model = target.model
    # A plain callable (e.g. timezone.now) is evaluated here, once per batch; expressions go to SQL.
    values = {name: value() if callable(value) and not hasattr(value, "resolve_expression") else value
              for name, value in target.anonymize.items()}
    changed = model._base_manager.filter(pk__retention_any=pks).update(**values)
    history = _history_rows(model, pks)
    if history is not None:
        history_fields = {f.name for f in history.model._meta.get_fields()}
        history.update(**{k: v for k, v in values.items() if k in history_fields})
    return changed


def rows_erase(*, target: RetentionTarget, pks: Sequence[int], anonymize: bool) -> dict[str, int]:
    """Delete or anonymize these rows of a registered target now, for an erasure request.

    The same row operations as a purge: history rows are deleted or scrubbed with their rows, cascades are
    followed without "deleted" history copies, and stored files are removed. Callers exclude held rows.
    """
    if not pks:
        return {}
    files = _collect_files(target.model, pks, target.files)
    done = _anonymize_rows(target, pks) if anonymize else delete_rows(target.model, pks, cascade=target.cascade)
    delete_files(target.model, files)
    return {"anonymized" if anonymize else "deleted": done, "files_removed": len(files)}


def _flag_rows(target: RetentionTarget, item: PurgeRunItem, pks: Sequence[int]) -> int:
    fields = ["pk"] + ([target.reference] if target.reference else [])
    rows = target.model._base_manager.filter(pk__retention_any=pks).order_by("pk").values(*fields)
    flags = [ReviewFlag(rule_id=item.rule_id, target=target.name, object_id=row["pk"],
                        reference=target.reference_of(row), run_id=item.run_id) for row in rows]
    ReviewFlag.objects.bulk_create(flags)
    return len(flags)


def _apply(target: RetentionTarget, item: PurgeRunItem, pks: Sequence[int]) -> int:
    """Apply the item's action to `pks` (inside the caller's transaction). Return rows done."""
    model = target.model
    if item.action == Action.FLAG_FOR_REVIEW:
        return _flag_rows(target, item, pks)
    if item.action == Action.DELETE:
        return delete_rows(model, pks, cascade=target.cascade)
    files = _collect_files(model, pks, target.files)
    done = _anonymize_rows(target, pks)
    delete_files(model, files)
    return done


def _apply_batch(target: RetentionTarget, item: PurgeRunItem, pks: Sequence[int]) -> tuple[int, int, list[str]]:
    """Apply to the whole batch; if it fails, row by row so one blocked row does not stall the rest."""
    try:
        with transaction.atomic():
            return _apply(target, item, pks), 0, []
    except RowBlocked:
        pass
    done = failed = 0
    errors: list[str] = []
    for pk in pks:
        try:
            with transaction.atomic():
                done += _apply(target, item, [pk])
        except RowBlocked as exc:
            failed += 1
            errors.append(f"{target.name} #{pk}: {exc}")
    return done, failed, errors


def _finish_item(item: PurgeRunItem, target: RetentionTarget) -> None:
    held = selectors.rows_held(target=target, event=item.event, action=item.action, cutoff=item.cutoff,
                               rule_id=item.rule_id)
    item.skipped_for_hold = held.count() if held is not None else 0
    item.done = True
    item.save(update_fields=["skipped_for_hold", "done"])
    PurgeRunRow.objects.filter(item=item).delete()


def _next_batch(item: PurgeRunItem, qs: QuerySet | None, batch_size: int) -> tuple[list[int], int | None]:
    """Return the next batch's primary keys and the checkpoint after it (None: the item is finished).

    A planned item walks its stored rows in key order (an index range scan) and keeps those still due and
    not held; an item planned without stored rows walks the due rows themselves.
    """
    if qs is None:
        return [], None
    if item.rows_planned:
        planned = PurgeRunRow.objects.filter(item_id=item.pk).order_by("object_id")
        if item.last_pk is not None:
            planned = planned.filter(object_id__gt=item.last_pk)
        ids = list(planned.values_list("object_id", flat=True)[:batch_size])
        if not ids:
            return [], None
        return list(qs.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True)), ids[-1]
    if item.last_pk is not None:
        qs = qs.filter(pk__gt=item.last_pk)
    pks = list(qs.order_by("pk").values_list("pk", flat=True)[:batch_size])
    return pks, (pks[-1] if pks else None)


def _execute_item(item_id: int, batch_size: int, batch_hook: BatchHook | None) -> None:
    while True:
        started = time.monotonic()
        with transaction.atomic():
            item = PurgeRunItem.objects.select_for_update().select_related("run").get(pk=item_id)
            if item.done:
                return
            try:
                target = registry.get_target(item.target)
            except registry.RegistryError:
                item.error = f"target {item.target} is no longer registered"
                item.done = True
                item.save(update_fields=["error", "done"])
                return
            # Holds are read now, not at as_of: a hold placed while the run goes must still protect.
            qs = selectors.rows_purgeable(target=target, event=item.event, action=item.action,
                                          cutoff=item.cutoff, rule_id=item.rule_id)
            pks, checkpoint = _next_batch(item, qs, batch_size)
            if checkpoint is None:
                _finish_item(item, target)
                return
            done, failed, errors = _apply_batch(target, item, pks) if pks else (0, 0, [])
            field = {Action.DELETE: "deleted", Action.ANONYMIZE: "anonymized",
                     Action.FLAG_FOR_REVIEW: "flagged"}[Action(item.action)]
            setattr(item, field, getattr(item, field) + done)
            item.failed += failed
            if errors:
                item.error = (item.error + "\n" + "\n".join(errors)).strip()[-MAX_ERROR_CHARS:]
            item.last_pk = checkpoint
            item.batches += 1
            item.longest_batch_ms = max(item.longest_batch_ms, int((time.monotonic() - started) * 1000))
            item.save()
        logger.info("purge run %s item %s: batch %s, %s %s, %s failed", item.run_id, item.pk, item.batches,
                    done, field, failed)
        if batch_hook is not None:
            batch_hook(item, pks)


def purge_run_execute(*, run: PurgeRun, batch_hook: BatchHook | None = None) -> PurgeRun:
    """Run (or resume) an approved live run to the end. Idempotent: a finished run is left as it is.

    `batch_hook(item, pks)` is called after each committed batch (tests interrupt a run with it).
    """
    with transaction.atomic():
        locked = PurgeRun.objects.select_for_update().get(pk=run.pk)
        if locked.status in (PurgeRun.Status.FINISHED, PurgeRun.Status.CANCELLED, PurgeRun.Status.FAILED):
            return locked
        if locked.status == PurgeRun.Status.AWAITING_APPROVAL:
            raise PurgeNotAllowed("This live run waits for a supervisor's approval.")
        locked.status = PurgeRun.Status.RUNNING
        locked.started_at = locked.started_at or timezone.now()
        locked.attempts += 1
        locked.save(update_fields=["status", "started_at", "attempts"])
    try:
        for item_id in locked.items.filter(done=False).order_by("order", "pk").values_list("pk", flat=True):
            _execute_item(item_id, locked.batch_size, batch_hook)
    except Exception as exc:
        # Stays "running": the next execution (the daily job, or a supervisor) resumes from the checkpoints.
        PurgeRun.objects.filter(pk=locked.pk).update(
            errors=(locked.errors + f"\nattempt {locked.attempts}: {type(exc).__name__}").strip())
        logger.exception("purge run %s interrupted", locked.pk)
        raise
    with transaction.atomic():
        locked = PurgeRun.objects.select_for_update().get(pk=locked.pk)
        locked.status = PurgeRun.Status.FINISHED
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "finished_at"])
        totals = selectors.run_totals(run=locked)
        audit_append(kind="retention.purge_run_finished", obj=locked, facts={
            "mode": locked.mode, "trigger": locked.trigger, "deleted": totals.deleted,
            "anonymized": totals.anonymized, "flagged": totals.flagged, "held": totals.skipped_for_hold,
            "failed": totals.failed,
        })
    logger.info("purge run %s finished: %s deleted, %s anonymized, %s flagged, %s held, %s failed",
                locked.pk, totals.deleted, totals.anonymized, totals.flagged, totals.skipped_for_hold,
                totals.failed)
    run.refresh_from_db()
    return locked


def purge_scheduled(*, batch_hook: BatchHook | None = None) -> PurgeRun:
    """The daily job: finish any unfinished live run first, else plan a new one and run it if approved.

    While a run waits for approval no new one is planned (it would only pile up); the waiting run
    keeps its own, earlier cutoffs, which purge no more than today's would.
    """
    unfinished = selectors.unfinished_live_runs().first()
    if unfinished is not None:
        return purge_run_execute(run=unfinished, batch_hook=batch_hook)
    waiting = selectors.purge_runs().filter(mode=PurgeRun.Mode.LIVE,
                                            status=PurgeRun.Status.AWAITING_APPROVAL).first()
    if waiting is not None:
        return waiting
    run = purge_run_plan(mode=PurgeRun.Mode.LIVE, trigger=PurgeRun.Trigger.SCHEDULE)
    if run.status == PurgeRun.Status.APPROVED:
        return purge_run_execute(run=run, batch_hook=batch_hook)
    return run


def review_flag_resolve(*, flag: ReviewFlag, actor: AbstractBaseUser) -> ReviewFlag:
    """Mark a flagged row as reviewed."""
    updated = ReviewFlag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor)
    flag.refresh_from_db()
    if not updated:
        raise ValidationError("This flag was already resolved.")
    return flag
