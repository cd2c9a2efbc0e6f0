"""The Django-model connector: find a data subject's rows in this deployment's models and export, delete
or anonymize them — history rows and stored files included — through the retention target registry.

A System with access method "django_model" lists retention targets in `model_labels` (a target name, or a
model label meaning every target of that model). Each target (see `retention.registry.RetentionTarget`) gives
the model, the lookup path to the DataSubject (`subject`), an optional `scope`, the `anonymize` replacements
and the FileFields (`files`). Rows under a legal hold (retention.LegalHold on the subject, a case or
the category) are left in place and counted as held.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from fulfilment.models import FulfilmentTask
from fulfilment.rules import RETAINED_ON_ERASURE
from retention import registry
from retention import selectors as retention_selectors
from retention import services as retention_services
from retention.registry import RetentionTarget
from subjects.models import DataSubject

logger = logging.getLogger(__name__)


class ConnectorError(Exception):
    """The connector could not do what the task asks (the task is retried, then fails)."""


def registered_targets() -> list[RetentionTarget]:
    return registry.targets()


def targets_for(labels: Iterable[str]) -> list[RetentionTarget]:
    """Return the targets a System names (by target name or by model label), in registry order."""
    wanted = {label.lower() for label in labels}
    return [t for t in registered_targets() if t.name.lower() in wanted or t.model_label.lower() in wanted]


def rows_for(target: RetentionTarget, subject: DataSubject) -> models.QuerySet:
    """Every row of the target's model about `subject`, whatever slice (`scope`) the target covers."""
    if not target.subject:
        raise ConnectorError(f"target {target.name} has no path to the data subject")
    return target.model._base_manager.filter(**{target.subject: subject.pk})


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name.rsplit("/", 1)[-1] if value else ""
    if isinstance(value, bytes | memoryview):
        return f"({len(value)} bytes)"
    return value


def export_rows(target: RetentionTarget, subject: DataSubject) -> list[dict[str, Any]]:
    """Return the subject's rows of `target` as plain JSON-able dicts (concrete fields, FK ids as ids)."""
    fields = list(target.model._meta.concrete_fields)
    out = []
    for row in rows_for(target, subject).order_by("pk"):
        out.append({f.name: _plain(getattr(row, f.attname if f.is_relation else f.name)) for f in fields})
    return out


def erase_rows(target: RetentionTarget, subject: DataSubject, *, anonymize: bool) -> dict[str, int]:
    """Delete (or anonymize) the subject's rows of `target` that no legal hold covers.

    Uses the retention purge's own row operations, so history rows are deleted or scrubbed with their rows,
    cascades are followed without writing "deleted" history copies, and stored files are removed.
    """
    with transaction.atomic():
        rows = retention_selectors.rows_of_subject(target=target, subject_id=subject.pk)
        free, held = retention_selectors.split_held(target=target, rows=rows)
        held_count = held.count()
        pks = list(free.values_list("pk", flat=True))
        if not pks:
            return {"held": held_count} if held_count else {}
        counts = retention_services.rows_erase(target=target, pks=pks, anonymize=anonymize)
    if held_count:
        counts["held"] = held_count
    return counts


def run(*, task: FulfilmentTask) -> dict[str, Any]:
    """Carry out `task` on the models its system names; return a protocol result (status, data, message)."""
    subject = task.case.subject
    targets = targets_for(task.system.model_labels)
    if not targets:
        raise ConnectorError(f"system {task.system_id} names no registered retention target")
    if task.action in ("find", "export"):
        # One export per model: several targets may slice the same model (e.g. unverified submissions).
        by_model = {}
        for target in targets:
            by_model.setdefault(target.model_label, target)
        data = {label: rows for label, t in by_model.items() if (rows := export_rows(t, subject))}
        return {"status": "done" if data else "not_found", "data": data,
                "message": f"{sum(len(v) for v in data.values())} record(s) found"}
    if task.action == "delete":
        # Categories kept under an exception (request records: 11 CCR §7101) are left to the retention
        # schedule; personal rows a case still points at (PROTECT) are anonymized, everything else deleted.
        counts: dict[str, dict[str, int]] = {}
        kept = sorted({t.category for t in targets if t.category in RETAINED_ON_ERASURE})
        for target in targets:
            if target.category in RETAINED_ON_ERASURE:
                continue
            try:
                counts[target.name] = erase_rows(target, subject, anonymize=False)
            except retention_services.RowBlocked as exc:
                if not target.anonymize:
                    raise ConnectorError(f"target {target.name}: {exc}") from None
                counts[target.name] = erase_rows(target, subject, anonymize=True)
        held = sum(c.get("held", 0) for c in counts.values())
        # Kept request records are data we hold: the erasure there is done, within the exception.
        found = any(sum(c.values()) for c in counts.values()) or bool(kept)
        logger.info("fulfilment task %s: model connector erased %s", task.pk, counts)
        return {"status": "done" if found else "not_found",
                "data": {"counts": counts, "kept_categories": kept, "held_rows": held},
                "message": "Deleted or anonymized, history included"}
    raise ConnectorError(f"the Django-model connector cannot {task.action}; handle it manually")
