"""Deleting a batch with what depends on it: the compiled plan binds each batch's own ids, is compiled
once per model on PostgreSQL, follows chains within one table and refuses protected rows."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.test.utils import isolate_apps

from requests_app.models import Case, CaseAttachment
from retention import cascade
from retention.cascade import RowBlocked, delete_rows
from tests.conftest import require_postgres
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def attach(case: Case) -> CaseAttachment:
    return CaseAttachment.objects.create(case=case, file=ContentFile(b"scan", name="id-scan.png"),
                                         original_name="id-scan.png")


def test_each_batch_deletes_its_own_rows_and_their_dependents_and_nothing_else():
    cases = [make_case() for _ in range(4)]
    scans = [attach(c) for c in cases]
    assert delete_rows(Case, [cases[0].pk, cases[1].pk], cascade=True) == 2
    assert delete_rows(Case, [cases[2].pk], cascade=True) == 1  # the same plan, another batch
    assert list(Case.objects.all()) == [cases[3]]
    assert list(CaseAttachment.objects.all()) == [scans[3]]
    assert [default_storage.exists(scan.file.name) for scan in scans] == [False, False, False, True]
    assert not Case.history.filter(id__in=[c.pk for c in cases[:3]]).exists()
    assert Case.history.filter(id=cases[3].pk).exists()


def test_the_plan_is_compiled_once_per_model_on_postgresql(monkeypatch):
    compiled = []
    original = cascade._compile

    def counting(model, pks, **kwargs):
        if kwargs.get("top", True):
            compiled.append(model)
        return original(model, pks, **kwargs)

    monkeypatch.setattr(cascade, "_compile", counting)
    monkeypatch.setattr(cascade, "_PLANS", {})
    for _ in range(3):
        delete_rows(Case, [make_case().pk], cascade=True)
    assert not Case.objects.exists()
    if connection.vendor == "postgresql":
        assert compiled == [Case]  # the second and third batches only bound their ids
    else:
        assert compiled == [Case] * 3  # an IN list has a placeholder per id: compiled per batch


def test_a_target_without_cascades_refuses_a_row_with_dependents_and_deletes_nothing():
    case = make_case()
    attach(case)
    with pytest.raises(RowBlocked, match="rows depend on it"), transaction.atomic():
        delete_rows(Case, [case.pk], cascade=False)
    assert Case.objects.filter(pk=case.pk).exists()
    assert CaseAttachment.objects.filter(case=case).exists()


@isolate_apps("retention")
def test_a_chain_within_one_table_is_followed_level_by_level():
    require_postgres()  # a table created inside the test's transaction (SQLite's schema editor refuses)

    class Node(models.Model):
        parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE, related_name="children",
                                   db_constraint=False)  # no deferred trigger: the table goes in the same test

        class Meta:
            app_label = "retention"
            db_table = "retention_test_cascade_node"

        def __str__(self) -> str:
            return f"node {self.pk}"

    with connection.schema_editor() as editor:
        editor.create_model(Node)
    try:
        root = Node.objects.create()
        child = Node.objects.create(parent=root)
        Node.objects.create(parent=child)
        other = Node.objects.create()
        assert delete_rows(Node, [root.pk], cascade=True) == 1  # the batch's own row
        assert list(Node.objects.all()) == [other]
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Node)
