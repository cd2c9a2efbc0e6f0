"""The retention-target registry: how any Django model joins the retention schedule.

An app declares its models in a module named `retention_targets.py`; the Retention app imports every
such module at start-up (like `admin.py`). A declaration is a few lines::

    from retention.registry import register

    register(
        "consents.ledger_entry",                 # unique target name, shown in purge reports
        model="consents.ConsentRecord",          # "app_label.ModelName" (resolved lazily)
        category="consent_ledger",               # a DataCategory code
        dates={"collection": "recorded_at"},     # event -> field path or expression factory
        subject="subject",                       # lookup path to subjects.DataSubject
    )

See docs/retention.md for every option. The purge service (retention.services) reads targets only
through this module; nothing here writes to the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Expression, F, Q

from retention.models import Event

# A date is a field path ("closed_at", "case__closed_at") or a zero-argument callable returning a
# query expression (called lazily, so it may import other apps' models).
DateSource = str | Callable[[], Expression]
QSource = Q | Callable[[], Q]


class RegistryError(ValueError):
    """A retention target is declared wrongly."""


@dataclass(frozen=True)
class RetentionTarget:
    """One model (or one slice of a model, through `scope`) under one data category."""

    name: str
    model_label: str
    category: str
    dates: Mapping[str, DateSource]
    subject: str | None = None
    case: str | None = None
    scope: QSource | None = None
    anonymize: Mapping[str, Any] = field(default_factory=dict)
    anonymized: QSource | None = None
    files: tuple[str, ...] = ()
    cascade: bool = True
    reference: str | None = None
    order: int = 0

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    def date_expression(self, event: str) -> Expression | None:
        """Return the expression of the date `event` runs from, or None when the target has none."""
        source = self.dates.get(event)
        if source is None:
            return None
        return F(source) if isinstance(source, str) else source()

    def scope_q(self) -> Q:
        return _resolve_q(self.scope)

    def anonymized_q(self) -> Q:
        return _resolve_q(self.anonymized)

    def reference_of(self, row: Mapping[str, Any]) -> str:
        """Return a non-personal reference of a row from `values()` of pk and `reference`."""
        if self.reference:
            return str(row[self.reference])
        return f"#{row['pk']}"


def _resolve_q(source: QSource | None) -> Q:
    if source is None:
        return Q()
    return source() if callable(source) else source


_targets: dict[str, RetentionTarget] = {}


def register(name: str, *, model: str | type[models.Model], category: str, dates: Mapping[str, DateSource],
             subject: str | None = None, case: str | None = None, scope: QSource | None = None,
             anonymize: Mapping[str, Any] | None = None, anonymized: QSource | None = None,
             files: Iterable[str] = (), cascade: bool = True, reference: str | None = None,
             order: int = 0) -> RetentionTarget:
    """Declare a retention target.

    - `dates`: which date each event (see `retention.models.Event`) runs from for this model.
    - `subject`: lookup path from the model to `subjects.DataSubject` (e.g. "submission__subject");
      used to find a subject's rows and to honour holds on a subject.
    - `case`: lookup path to `requests_app.Case` ("pk" for the case itself); honours holds on a case.
    - `scope`: a Q (or a callable returning one) limiting the rows this target covers.
    - `anonymize`: field -> replacement (a constant, an expression, or a plain callable such as
      `timezone.now`, called once per batch) for the "anonymize" action,
      applied to the row and to every history row of it. `anonymized` is the Q of rows already
      anonymized, which a later run must not touch or count again (required with `anonymize`).
    - `files`: FileFields whose stored files are removed (also those named in history rows) when the
      row is anonymized; list them in `anonymize` too to blank the field. (On delete, the files of
      every FileField of every deleted row, cascaded rows included, are removed anyway.)
    - `cascade`: whether deleting a row may delete the rows that point at it with on_delete=CASCADE;
      with False such a row is left in place and reported as failed.
    - `reference`: a non-personal field shown in reports (default: the primary key).
    - `order`: targets of one category run in ascending order (then registration order); put the
      rows that point at others first (events before cases, cases before submissions).
    """
    label = model if isinstance(model, str) else model._meta.label
    unknown = set(dates) - set(Event.values)
    if unknown:
        raise RegistryError(f"{name}: unknown events {sorted(unknown)}; use {Event.values}")
    if not dates:
        raise RegistryError(f"{name}: declare at least one date")
    if anonymize and anonymized is None:
        raise RegistryError(f"{name}: `anonymized` (the Q of rows already anonymized) is required with "
                            f"`anonymize`, so a later run does not anonymize and count them again")
    if name in _targets and _targets[name].model_label != label:
        raise RegistryError(f"{name}: already registered for {_targets[name].model_label}")
    target = RetentionTarget(
        name=name, model_label=label, category=category, dates=dict(dates), subject=subject, case=case,
        scope=scope, anonymize=dict(anonymize or {}), anonymized=anonymized, files=tuple(files),
        cascade=cascade, reference=reference, order=order,
    )
    _targets[name] = target
    return target


def unregister(name: str) -> None:
    """Remove a target (tests register throw-away targets)."""
    _targets.pop(name, None)


def get_target(name: str) -> RetentionTarget:
    try:
        return _targets[name]
    except KeyError:
        raise RegistryError(f"no retention target named {name!r}") from None


def targets() -> list[RetentionTarget]:
    """Return every target, in run order."""
    position = {name: i for i, name in enumerate(_targets)}
    return sorted(_targets.values(), key=lambda t: (t.order, position[t.name]))


def targets_for_category(code: str) -> list[RetentionTarget]:
    return [t for t in targets() if t.category == code]


def models_with_targets() -> set[type[models.Model]]:
    return {t.model for t in _targets.values()}


def autodiscover() -> None:
    """Import every installed app's `retention_targets` module."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("retention_targets")
