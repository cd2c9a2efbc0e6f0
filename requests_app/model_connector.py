"""The Django-model connector: find a data subject's rows in this deployment's models and export, delete
or anonymize them — history rows and stored files included — through the retention target registry.

A System with access method "django_model" lists retention targets in `model_labels` (a target name, or a
model label meaning every target of that model). Each target (see `retention.registry.RetentionTarget`) gives
the model, the lookup path to the DataSubject (`subject`), an optional `scope`, the `anonymize` replacements
and the FileFields (`files`). When the retention app's registry is not installed, the minimal targets
below (the portal's own request records) stand in with the same attributes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q

from requests_app.fulfilment_rules import RETAINED_ON_ERASURE
from requests_app.models import DataSubject, FulfilmentTask

logger = logging.getLogger(__name__)


class ConnectorError(Exception):
    """The connector could not do what the task asks (the task is retried, then fails)."""


class Target(Protocol):
    """The part of `retention.registry.RetentionTarget` this connector reads."""

    name: str
    model_label: str
    category: str
    subject: str | None
    anonymize: Any
    files: tuple[str, ...]

    @property
    def model(self) -> type[models.Model]: ...

    def scope_q(self) -> Q: ...


@dataclass(frozen=True)
class LocalTarget:
    """A stand-in target with the registry's attributes, used only without the retention app."""

    name: str
    model_label: str
    category: str
    subject: str | None
    anonymize: dict[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    def scope_q(self) -> Q:
        return Q()


_LOCAL_TARGETS: tuple[LocalTarget, ...] = (
    LocalTarget("requests.data_subject", "requests_app.DataSubject", "privacy_request_records", "pk",
                anonymize={"email": "", "full_name": "", "phone": ""}),
    LocalTarget("requests.submission", "requests_app.Submission", "privacy_request_records", "subject",
                anonymize={"details": "", "correction_wrong": "", "correction_right": "", "agent_name": "",
                           "agent_email": "", "clinic_name": ""}),
    LocalTarget("requests.message", "requests_app.Message", "privacy_request_records", "submission__subject",
                anonymize={"to_email": "", "subject": "(erased)", "body_text": "(erased)", "body_html": ""}),
    LocalTarget("requests.verification_token", "requests_app.VerificationToken", "verification_tokens",
                "submission__subject"),
    LocalTarget("requests.access_package", "requests_app.AccessPackage", "access_packages", "case__subject",
                files=("file",)),
)


def registered_targets() -> list[Target]:
    """Return the registry's targets (the retention app), or the local stand-ins without it."""
    try:
        from retention import registry  # type: ignore[attr-defined]
    except ImportError:
        return list(_LOCAL_TARGETS)
    return list(registry.targets())


def targets_for(labels: Iterable[str]) -> list[Target]:
    """Return the targets a System names (by target name or by model label), in registry order."""
    wanted = {label.lower() for label in labels}
    return [t for t in registered_targets() if t.name.lower() in wanted or t.model_label.lower() in wanted]


def _subject_filter(target: Target, subject: DataSubject) -> Q:
    if not target.subject:
        raise ConnectorError(f"target {target.name} has no path to the data subject")
    path = target.subject
    return Q(pk=subject.pk) if path == "pk" else Q(**{f"{path}__pk": subject.pk})


def rows_for(target: Target, subject: DataSubject) -> models.QuerySet:
    return target.model._default_manager.filter(target.scope_q()).filter(_subject_filter(target, subject))


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


def export_rows(target: Target, subject: DataSubject) -> list[dict[str, Any]]:
    """Return the subject's rows of `target` as plain JSON-able dicts (concrete fields, FK ids as ids)."""
    fields = [f for f in target.model._meta.concrete_fields]
    out = []
    for row in rows_for(target, subject).order_by("pk"):
        out.append({f.name: _plain(getattr(row, f.attname if f.is_relation else f.name)) for f in fields})
    return out


def _history_model(model: type[models.Model]) -> type[models.Model] | None:
    history = getattr(model, "history", None)
    return getattr(history, "model", None) if history is not None else None


def _remove_files(target: Target, rows: list[models.Model], history_rows: Iterable[models.Model]) -> int:
    removed = 0
    for name in target.files:
        for row in [*rows, *history_rows]:
            stored = getattr(row, name, None)
            if stored and stored.name and stored.storage.exists(stored.name):
                stored.storage.delete(stored.name)
                removed += 1
    return removed


def erase_rows(target: Target, subject: DataSubject, *, anonymize: bool) -> dict[str, int]:
    """Delete (or anonymize, when the target says how) the subject's rows and scrub their history rows."""
    model = target.model
    history_model = _history_model(model)
    with transaction.atomic():
        rows = list(rows_for(target, subject).select_for_update())
        pks = [r.pk for r in rows]
        history_qs = history_model.objects.filter(id__in=pks) if history_model is not None else None
        files = _remove_files(target, rows, list(history_qs) if history_qs is not None else [])
        if anonymize and target.anonymize:
            replacements = dict(target.anonymize)
            changed = model._default_manager.filter(pk__in=pks).update(**replacements)
            scrubbed = history_qs.update(**replacements) if history_qs is not None else 0
            return {"anonymized": changed, "history_rows_scrubbed": scrubbed, "files_removed": files}
        deleted = model._default_manager.filter(pk__in=pks).delete()[0]
        # After the delete: simple-history writes a last "-" row holding the deleted values.
        scrubbed = history_qs.delete()[0] if history_qs is not None else 0
        return {"deleted": deleted, "history_rows_deleted": scrubbed, "files_removed": files}


def run(*, task: FulfilmentTask) -> dict[str, Any]:
    """Carry out `task` on the models its system names; return a protocol result (status, data, message)."""
    subject = task.case.subject
    targets = targets_for(task.system.model_labels)
    if not targets:
        raise ConnectorError(f"system {task.system_id} names no registered retention target")
    if task.action in ("find", "export"):
        data = {t.name: rows for t in targets if (rows := export_rows(t, subject))}
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
            except models.ProtectedError:
                if not target.anonymize:
                    raise ConnectorError(f"target {target.name}: rows are protected and cannot be "
                                         f"anonymized") from None
                counts[target.name] = erase_rows(target, subject, anonymize=True)
        # Kept request records are data we hold: the erasure there is done, within the exception.
        found = any(sum(c.values()) for c in counts.values()) or bool(kept)
        logger.info("fulfilment task %s: model connector erased %s", task.pk, counts)
        return {"status": "done" if found else "not_found", "data": {"counts": counts, "kept_categories": kept},
                "message": "Deleted or anonymized, history included"}
    raise ConnectorError(f"the Django-model connector cannot {task.action}; handle it manually")
