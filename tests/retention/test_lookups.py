"""`retention_any`: a purge batch is one array parameter on PostgreSQL, the same rows everywhere."""

from __future__ import annotations

import pytest

from requests_app.models import Case
from retention.lookups import IdBatch
from tests.conftest import require_postgres
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_a_batch_selects_the_same_rows_as_an_in_list_on_keys_and_on_foreign_keys():
    cases = [make_case() for _ in range(4)]
    wanted = [cases[0].pk, cases[2].pk, 10**12]  # an id that exists nowhere selects nothing
    assert set(Case.objects.filter(pk__retention_any=IdBatch(wanted))) == {cases[0], cases[2]}
    assert set(Case.objects.filter(pk__retention_any=wanted)) == {cases[0], cases[2]}  # a plain list too
    subjects = [cases[1].subject_id]
    assert list(Case.objects.filter(subject__retention_any=IdBatch(subjects))) == [cases[1]]
    assert not Case.objects.filter(pk__retention_any=IdBatch([])).exists()


def test_on_postgresql_an_integer_batch_is_one_text_parameter_cast_to_the_column_type():
    require_postgres()  # the array parameter is PostgreSQL's; elsewhere it is an IN list
    sql, params = Case.objects.filter(pk__retention_any=IdBatch([3, 1, 2])).query.sql_with_params()
    assert "= ANY(%s::bigint[])" in sql and params[-1] == "{3,1,2}"
    sql, params = Case.objects.filter(reference__retention_any=IdBatch(["DSR-1"])).query.sql_with_params()
    assert "= ANY(%s)" in sql and params[-1] == ["DSR-1"]  # not integers: the driver adapts the list
