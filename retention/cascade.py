"""Deleting a batch of rows with everything that depends on them, as SQL compiled once per model.

A purge or an erasure deletes rows and, first, what depends on them: each relation's on_delete is
followed like Django's collector (CASCADE, SET_NULL, PROTECT/RESTRICT, DO_NOTHING), without loading
instances or sending delete signals (simple-history's would write a "deleted" history row holding a
copy of the data). The rows' history rows go with them, and so does every stored file that a row or
one of its history rows names.

Set-based: one statement per relation for the whole batch. A cascade passes its dependents on as a
subquery (`… WHERE case_id IN (SELECT id … WHERE id = ANY(batch))`), never as ids fetched into Python;
only a relation of a model to itself fetches its ids (each level of such a chain is one more statement).

Compiled once: the statements depend only on the model, so on PostgreSQL they are built from the same
querysets once per process, with the batch as their one array parameter (`retention.lookups.IdBatch`),
and each batch only binds it. Building and compiling an ORM statement per relation per batch was most
of a purge's CPU (benchmarks/README.md, P4). Elsewhere a batch is an IN list with a placeholder per id,
so the plan is compiled for each batch, from the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router
from django.db.models import QuerySet
from django.db.models import sql as django_sql
from django.db.models.deletion import (
    CASCADE,
    DO_NOTHING,
    PROTECT,
    RESTRICT,
    SET_NULL,
    get_candidate_relations_to_delete,
)
from simple_history.utils import get_history_model_for_model

from retention.lookups import IdBatch


class RowBlocked(Exception):
    """A row cannot be deleted: something still points at it (PROTECT), or the target forbids cascades."""


def history_model(model: type[models.Model]) -> type[models.Model] | None:
    if not hasattr(model._meta, "simple_history_manager_attribute"):
        return None
    return get_history_model_for_model(model)


def by_ids(field: str, pks: Sequence[int] | QuerySet) -> dict[str, Any]:
    """Filter `field` on a batch: an id list as one array parameter, or a subquery of ids (set-based)."""
    if isinstance(pks, QuerySet):
        return {f"{field}__in": pks}
    return {f"{field}__retention_any": pks if isinstance(pks, IdBatch) else IdBatch(pks)}


def file_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


# --- A compiled plan --------------------------------------------------------------------------------

# The batch a reusable plan is compiled with; where its values appear among a statement's parameters,
# each batch's own go (found by identity, so no real parameter can be mistaken for it).
_PLACEHOLDER = IdBatch([0])


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple
    literal_slots: tuple[int, ...]  # parameters that are the batch's array literal
    list_slots: tuple[int, ...]     # parameters that are the batch's list of ids

    @classmethod
    def of(cls, sql: str, params: Sequence) -> _Statement:
        literal, ids = _PLACEHOLDER.array_literal, _PLACEHOLDER.ids
        return cls(sql, tuple(params), tuple(i for i, p in enumerate(params) if p is literal),
                   tuple(i for i, p in enumerate(params) if p is ids))

    def bind(self, batch: IdBatch) -> Sequence:
        if not (self.literal_slots or self.list_slots):
            return self.params
        params = list(self.params)
        for i in self.literal_slots:
            params[i] = batch.array_literal
        for i in self.list_slots:
            params[i] = batch.ids
        return params


@dataclass(frozen=True)
class _Check:
    """Refuse the batch if the statement finds a row."""
    statement: _Statement
    message: str


@dataclass(frozen=True)
class _Write:
    """An UPDATE or DELETE; `counted`: its row count is the number of rows the plan deleted."""
    statement: _Statement
    counted: bool = False


@dataclass(frozen=True)
class _SelfChain:
    """Rows of the same table that depend on the batch: fetched, then deleted with the same plan."""
    statement: _Statement
    model: type[models.Model]


@dataclass(frozen=True)
class _Files:
    """The stored file names the rows (or their history rows) hold in these fields."""
    statement: _Statement
    model: type[models.Model]
    fields: tuple[str, ...]


_Step = _Check | _Write | _SelfChain | _Files


def _select(qs: QuerySet) -> _Statement:
    return _Statement.of(*qs.query.get_compiler(qs.db).as_sql())


def _update(qs: QuerySet, values: dict[str, Any]) -> _Statement:
    query = qs.query.chain(django_sql.UpdateQuery)
    query.add_update_values(values)
    compiler = query.get_compiler(qs.db)
    compiler.pre_sql_setup()
    return _Statement.of(*compiler.as_sql())


def _delete(qs: QuerySet, *, counted: bool = False) -> _Write:
    query = qs.query.clone()
    query.__class__ = django_sql.DeleteQuery
    return _Write(_Statement.of(*query.get_compiler(qs.db).as_sql()), counted=counted)


def _compile(model: type[models.Model], pks: IdBatch | QuerySet, *, cascade: bool, db: str,
             steps: list[_Step], top: bool = True) -> list[_Step]:
    """The steps that delete `pks` of `model` and what depends on them, in the order they must run."""
    for rel in get_candidate_relations_to_delete(model._meta):
        field = rel.field
        on_delete = field.remote_field.on_delete
        if on_delete is DO_NOTHING:
            continue
        child = rel.related_model
        dependents = child._base_manager.db_manager(db).filter(**by_ids(field.name, pks)).order_by()
        if on_delete is CASCADE:
            if not cascade:
                steps.append(_Check(_select(dependents.values("pk")[:1]),
                                    f"{child._meta.label} rows depend on it and the target does not allow cascades"))
            elif child is model:  # a chain within one table: each level is fetched (the chain ends when empty)
                steps.append(_SelfChain(_select(dependents.values_list("pk")), model))
            else:
                _compile(child, dependents.values("pk"), cascade=True, db=db, steps=steps, top=False)
        elif on_delete is SET_NULL:
            steps.append(_Write(_update(dependents, {field.name: None})))
        elif on_delete in (PROTECT, RESTRICT):
            steps.append(_Check(_select(dependents.values("pk")[:1]),
                                f"{child._meta.label} still refers to it (protected)"))
        else:
            raise RowBlocked(f"on_delete of {field} is not supported by the purge")
    rows = model._base_manager.db_manager(db).filter(**by_ids("pk", pks)).order_by()
    history = history_model(model)
    history_rows = (history._base_manager.db_manager(db).filter(**by_ids(model._meta.pk.attname, pks)).order_by()
                    if history is not None else None)
    fields = tuple(file_fields(model))
    if fields:  # every stored file of the rows, also one only an older history row names
        steps.append(_Files(_select(rows.values_list(*fields)), model, fields))
        if history_rows is not None:
            steps.append(_Files(_select(history_rows.values_list(*fields)), model, fields))
    if history_rows is not None:
        steps.append(_delete(history_rows))
    steps.append(_delete(rows, counted=top))
    return steps


_PLANS: dict[tuple[type[models.Model], bool, str], tuple[_Step, ...]] = {}


def _plan(model: type[models.Model], batch: IdBatch, *, cascade: bool, db: str) -> tuple[_Step, ...]:
    reusable = connections[db].vendor == "postgresql" and batch.array_literal is not None
    if not reusable:
        return tuple(_compile(model, batch, cascade=cascade, db=db, steps=[]))
    key = (model, cascade, db)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = tuple(_compile(model, _PLACEHOLDER, cascade=cascade, db=db, steps=[]))
    return plan


def _run(model: type[models.Model], batch: IdBatch, *, cascade: bool, db: str,
         files: list[tuple[type[models.Model], set[tuple[str, str]]]]) -> int:
    deleted = 0
    with connections[db].cursor() as cursor:
        for step in _plan(model, batch, cascade=cascade, db=db):
            cursor.execute(step.statement.sql, step.statement.bind(batch))
            if isinstance(step, _Check):
                if cursor.fetchone() is not None:
                    raise RowBlocked(step.message)
            elif isinstance(step, _SelfChain):
                child_pks = [row[0] for row in cursor.fetchall()]
                if child_pks:
                    _run(step.model, IdBatch(child_pks), cascade=True, db=db, files=files)
            elif isinstance(step, _Files):
                files.append((step.model, {(f, name) for row in cursor.fetchall()
                                           for f, name in zip(step.fields, row, strict=True) if name}))
            elif step.counted:
                deleted = cursor.rowcount
    return deleted


def delete_files(model: type[models.Model], names: set[tuple[str, str]]) -> None:
    # Inside the batch transaction, on purpose: if the commit then fails the row survives with its
    # file gone and the next attempt deletes the row; deleting after commit could orphan a file forever
    # when the process dies in between. Storage deletes are idempotent.
    for field_name, name in names:
        model._meta.get_field(field_name).storage.delete(name)


def delete_rows(model: type[models.Model], pks: Sequence[int], *, cascade: bool) -> int:
    """Delete these rows, first what depends on them, their history rows and stored files. Return rows deleted.

    Raises RowBlocked (before anything of the batch is committed: call inside a transaction) when a
    protected relation, or a cascade the target does not allow, still points at a row.
    """
    batch = pks if isinstance(pks, IdBatch) else IdBatch(pks)
    db = router.db_for_write(model)
    files: list[tuple[type[models.Model], set[tuple[str, str]]]] = []
    deleted = _run(model, batch, cascade=cascade, db=db, files=files)
    for owner, names in files:
        delete_files(owner, names)
    return deleted
